"""Issue 22.1: the pages people read say their dates in words.

"6 de diciembre de 2026" (English "December 6, 2026"), a moment with its
time, a deadline relative to today where that helps; the ISO date stays for
machines in `<time datetime>`, and no YYYY-MM-DD is left in the text a person
reads (form inputs keep ISO values, and an attribute is not text).
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from remedia.core import words
from remedia.integrations import services as integrations
from remedia.integrations.catalogue import EventType
from remedia.integrations.models import Delivery, Endpoint
from remedia.remediation.models import Measure
from remedia.remediation.services import measures as measure_services
from remedia.rrm.models import RrmCase
from remedia.training import services as training_services
from tests.support.actors import Staff, staff_member
from tests.support.protection import (
    ProtectionWorld,
    file_url,
    reporting_file_open,
    support_action_of,
)
from tests.support.remediation import World, course_make

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 6)
DAY_ES = "6 de diciembre de 2026"
DAY_EN = "December 6, 2026"
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class _ShownText(HTMLParser):
    """The text a person reads: text nodes, not attributes, not the text of a
    textarea (a form's value), a script or a style."""

    HIDDEN = {"textarea", "script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.inside.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.inside and self.inside[-1] == tag:
            self.inside.pop()

    def handle_data(self, data: str) -> None:
        if not self.inside:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _ShownText()
    parser.feed(html)
    return " ".join(parser.parts)


def assert_no_iso_dates_shown(html: str) -> None:
    text = shown_text(html)
    found = [
        text[max(0, m.start() - 40) : m.end() + 10] for m in ISO_DAY.finditer(text)
    ]
    assert not found, found


def timed(day: dt.date, text: str) -> str:
    return f'<time datetime="{day.isoformat()}">{text}</time>'


def moment(at: dt.datetime) -> str:
    return timezone.localtime(at).isoformat(timespec="seconds")


# --- The public RRM record -----------------------------------------------------------


@pytest.fixture
def rrm_case() -> RrmCase:
    return RrmCase.objects.create(
        slug="planta-prueba",
        facility_name="Planta de prueba",
        company="Confecciones de Prueba",
        is_public=True,
        petition_received_on=dt.date(2026, 11, 2),
        ilc_request_on=dt.date(2026, 11, 20),
        remediation_deadline=DAY,
    )


@pytest.mark.parametrize(
    ("language", "day_words", "petition_words"),
    [
        ("es-mx", DAY_ES, "2 de noviembre de 2026"),
        ("en", DAY_EN, "November 2, 2026"),
    ],
)
def test_the_public_case_page_says_its_dates_in_words_in_each_language(
    client: Any, rrm_case: RrmCase, language: str, day_words: str, petition_words: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(rrm_case.get_absolute_url()).content.decode()

    assert f'<html lang="{language}">' in html
    assert timed(DAY, day_words) in html  # the course's deadline
    assert timed(dt.date(2026, 11, 2), petition_words) in html  # the petition
    # An open step says when it falls due, relative to today
    with translation.override(language):
        assert any(
            words.due_words(step.due_business) in html
            for step in rrm_case.public_timeline(today=timezone.localdate())
        )
    assert_no_iso_dates_shown(html)


def test_a_concluded_case_says_when_it_ended_and_never_that_a_step_fell_due(
    client: Any, rrm_case: RrmCase
) -> None:
    RrmCase.objects.filter(pk=rrm_case.pk).update(closed_on=DAY)

    page = client.get(rrm_case.get_absolute_url()).content.decode()
    listing = client.get("/rrm/").content.decode()

    assert f"concluyó el {timed(DAY, DAY_ES)}" in page
    assert f"concluyó el {timed(DAY, DAY_ES)}" in listing
    for html in (page, listing):
        assert "venció" not in html
        assert "vence en" not in html
        assert_no_iso_dates_shown(html)


# --- Staff pages -----------------------------------------------------------------------


def test_a_protection_file_says_its_dates_in_words(
    client: Any, sign_in: Any, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = reporting_file_open(world, identified_on=DAY)
    support_action_of(world, file, starts_on=DAY, due_on=DAY + dt.timedelta(days=30))
    sign_in(world.worker)

    html = client.get(file_url(file)).content.decode()

    assert timed(DAY, DAY_ES) in html  # identified on; the action's start
    assert "14 de marzo de 2011" in html  # the date of birth, in words too
    assert f"({words.due_words(DAY + dt.timedelta(days=30))})" in html
    assert_no_iso_dates_shown(html)


def test_a_measure_says_its_deadline_and_who_moved_it(
    client: Any, enter: Any, world: World
) -> None:
    course = course_make(world, deadline=DAY)
    measure = course.measures.get(position=1)
    monitor = world.monitor.user
    monitor.first_name, monitor.last_name = "Mónica", "Salas Ortega"
    monitor.save(update_fields=["first_name", "last_name"])
    measure_services.measure_status_change(
        measure=measure, user=monitor, to_status="in_progress"
    )
    enter(world.monitor)

    html = client.get(
        f"/staff/remediation/{course.pk}/measures/{measure.pk}/"
    ).content.decode()

    due = html[html.index('id="measure-due"') :]
    due = due[: due.index("</dd>")]
    assert timed(DAY, DAY_ES) in due
    assert words.due_words(Measure.objects.get(pk=measure.pk).due_date) in due
    # The timeline names the person, not the username
    timeline = html[html.index('id="measure-timeline"') :]
    assert "Mónica Salas Ortega" in timeline
    assert "monica" not in timeline
    assert_no_iso_dates_shown(html)


def test_a_training_session_says_its_day_in_words(
    client: Any, enter: Any, world: World
) -> None:
    course_make(world)  # the monitor's course makes the facility theirs
    session = training_services.training_session_create(
        user=world.monitor.user,
        facility=world.facility,
        topic="worker_rights",
        held_on=DAY,
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        during_working_hours=True,
        trainer="Centro de capacitación",
    )
    enter(world.monitor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(
        f"/staff/remediation/training/sessions/{session.pk}/"
    ).content.decode()

    assert f"{timed(DAY, DAY_EN)}, 09:00–11:00" in html
    assert DAY_EN in html.split("</title>")[0]  # in words, and no tag, in the title
    assert_no_iso_dates_shown(html)


@pytest.fixture
def admin(org_a: Any) -> Staff:
    return staff_member(org_a, "ada", role="admin", decrypting=False)


def test_a_webhook_endpoint_says_when_each_delivery_was_made(
    client: Any, enter: Any, admin: Staff, org_a: Any
) -> None:
    endpoint = Endpoint.objects.create(
        organisation=org_a,
        url="https://cumplimiento.example.org/hooks",
        event_types=[EventType.CASE_STATUS_CHANGED],
        secret_wrapped=b"",
        created_by=admin.user,
    )
    [delivery_id] = integrations.event_emit(
        event_type=EventType.CASE_STATUS_CHANGED,
        key="k1",
        data={"case_id": "c1", "from": "open", "to": "closed"},
        organisation_ids=[org_a.pk],
    )
    made = dt.datetime(2026, 12, 6, 14, 5, tzinfo=timezone.get_current_timezone())
    Delivery.objects.filter(pk=delivery_id).update(created_at=made)
    Endpoint.objects.filter(pk=endpoint.pk).update(previous_expires_at=made)
    enter(admin)

    html = client.get(f"/staff/integraciones/webhooks/{endpoint.pk}/").content.decode()

    shown = f'<time datetime="{moment(made)}">{DAY_ES}, 14:05</time>'
    assert f"{Delivery.objects.get(pk=delivery_id).message_id} · {shown}" in html
    assert f"firma también hasta {shown}" in html
    assert_no_iso_dates_shown(html)
