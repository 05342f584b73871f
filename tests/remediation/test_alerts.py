"""Alerts to a course's monitors before a measure falls due, delivered over SMTP
to a real local listener (the cases app's aiosmtpd fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from remedia.accounts.models import User
from remedia.notifications.models import Notification
from remedia.remediation import alerts, services, tasks
from remedia.remediation.models import Course, Measure, MeasureStatus
from tests.support.actors import with_email
from tests.support.mail import BASE_URL
from tests.support.remediation import World, course_make

pytestmark = pytest.mark.django_db

MONICA = "monica@oirl.example.org"
ANA = "ana@ilc.example.gov"
FERNANDO = "fernando@inisa.example.com"
OTRA = "otra@otro.example.org"


@pytest.fixture
def addresses(world: World) -> None:
    """Everyone has an address; only the owning organisation's monitor is told."""
    with_email(world.monitor, MONICA)
    with_email(world.analyst, ANA)
    with_email(world.officer, FERNANDO)
    with_email(world.stranger, OTRA)


def _course_due_in(world: World, days: int) -> Course:
    """A course whose seven measures all fall due in `days` days; only the first open."""
    course = course_make(world, deadline=timezone.localdate() + dt.timedelta(days=days))
    course.measures.exclude(position=1).update(status=MeasureStatus.DONE)
    return course


def _first(course: Course) -> Measure:
    return course.measures.select_related("course").get(position=1)


def test_a_measure_due_soon_is_emailed_once_to_the_monitors(
    smtp,  # noqa: F811
    addresses,
    world: World,
) -> None:
    course = _course_due_in(world, 2)
    measure = _first(course)

    assert tasks.remediation_alerts_send.call_local() == 1

    assert smtp.recipients() == [MONICA]
    (email,) = smtp.to(MONICA)
    assert email.subject == (
        f"Medida por vencer en el plan de remediación de {world.facility.name}"
    )
    assert "La medida 1 («Declaración de neutralidad»)" in email.body
    assert date_format(measure.due_date, "DATE_FORMAT") in email.body
    assert "quedan 2 días" in email.body
    assert (
        f"{BASE_URL}/staff/remediation/{course.pk}/measures/{measure.pk}/" in email.body
    )
    # What the measure asks and who said what stay in Remedia.
    assert measure.description[:30] not in email.body
    (row,) = Notification.objects.filter(kind=alerts.KIND)
    assert row.sent_at is not None
    assert row.key == f"{measure.pk}:{measure.due_date:%Y%m%d}"

    smtp.clear()
    assert alerts.remediation_alerts_send() == 0
    assert smtp.delivered == []


def test_an_overdue_measure_alerts_and_a_moved_due_day_is_news_again(
    smtp,  # noqa: F811
    addresses,
    world: World,
) -> None:
    course = _course_due_in(world, -4)
    measure = _first(course)
    services.measure_note_add(
        measure=measure, user=world.monitor.user, body="Nota que no sale por correo."
    )

    assert alerts.remediation_alerts_send() == 1

    (email,) = smtp.to(MONICA)
    assert email.subject.startswith("Medida vencida")
    assert "hace 4 días, y no está hecha ni verificada" in email.body
    assert "Nota que no sale" not in email.body

    smtp.clear()
    services.measure_update(
        measure=measure,
        user=world.monitor.user,
        due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    assert alerts.remediation_alerts_send() == 1
    (again,) = smtp.to(MONICA)
    assert "queda 1 día" in again.body


def test_a_measure_further_off_waits(
    smtp,  # noqa: F811
    addresses,
    world: World,
    settings,
) -> None:
    settings.REMEDIATION_ALERT_DAYS = 3
    _course_due_in(world, 4)
    assert alerts.remediation_alerts_send() == 0
    settings.REMEDIATION_ALERT_DAYS = 5
    assert alerts.remediation_alerts_send() == 1


def test_done_verified_failed_or_closed_do_not_alert(
    smtp,  # noqa: F811
    addresses,
    world: World,
) -> None:
    for status in (MeasureStatus.DONE, MeasureStatus.VERIFIED, MeasureStatus.FAILED):
        course = _course_due_in(world, 1)
        course.measures.filter(position=1).update(status=status, failed_reason="no")
    closed = _course_due_in(world, 1)
    services.course_close(
        course=closed,
        user=world.monitor.user,
        outcome="incomplete",
        closed_on=timezone.localdate(),
    )

    assert alerts.remediation_alerts_send() == 0
    assert smtp.delivered == []


def test_a_measure_done_after_the_claim_is_not_sent_on_retry(
    smtp,  # noqa: F811
    addresses,
    world: World,
) -> None:
    measure = _first(_course_due_in(world, -1))
    user = User.objects.get(email=MONICA)
    key = f"{measure.pk}:{measure.due_date:%Y%m%d}"
    assert alerts._compose_measure_due(user, key, timezone.now()) is not None
    # Not the owner's monitor: nothing for them, whatever the key.
    analyst = User.objects.get(email=ANA)
    assert alerts._compose_measure_due(analyst, key, timezone.now()) is None

    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status=MeasureStatus.DONE
    )

    assert alerts._compose_measure_due(user, key, timezone.now()) is None
    assert alerts._compose_measure_due(user, "not-a-key", timezone.now()) is None
