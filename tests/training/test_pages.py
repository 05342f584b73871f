"""The staff pages of rosters, sessions and coverage (and the sanctions pages
linked from them), in both languages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from remedia.training import services as training_services
from remedia.training import views as training_views
from remedia.training.models import (
    Attendance,
    Person,
    TrainingSession,
)
from tests.support.remediation import ROSTER, World
from tests.support.uploads import csv_file

pytestmark = pytest.mark.django_db

BASE = "/staff/remediation/training"


def _pages(world: World, filled: dict[str, Any]) -> dict[str, str]:
    facility = world.facility.pk
    person = Person.objects.get(identifier="1")
    return {
        "home": f"{BASE}/",
        "roster": f"{BASE}/facilities/{facility}/roster/",
        "person": f"{BASE}/people/{person.pk}/",
        "sessions": f"{BASE}/sessions/?facility={facility}",
        "session": f"{BASE}/sessions/{filled['session'].pk}/",
        "coverage": f"{BASE}/facilities/{facility}/coverage/?topic=worker_rights",
        "sanctions": f"{BASE}/sanctions/?course={filled['course'].pk}",
        "sanction": f"{BASE}/sanctions/{filled['sanction'].pk}/",
    }


@pytest.mark.parametrize("language", ["es-mx", "en"])
@pytest.mark.parametrize("role", ["monitor", "analyst", "officer"])
def test_every_page_renders_for_each_party_in_both_languages(
    client, enter, world: World, filled, role: str, language: str
) -> None:
    enter(getattr(world, role))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for name, url in _pages(world, filled).items():
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, (name, response.status_code)
        assert f'<html lang="{language}">' in html, name
        # The site's CSP allows no inline script or style.
        assert "<script" not in html, name
        assert "style=" not in html, name
        assert 'name="viewport"' in html


def test_a_stranger_gets_404_everywhere(client, enter, world: World, filled) -> None:
    enter(world.stranger)

    pages = _pages(world, filled)
    # Their own organisation's roster is theirs; the facility is not listed.
    home = client.get(pages.pop("home")).content.decode()
    assert world.facility.name not in home
    for name, url in pages.items():
        assert client.get(url).status_code == 404, name
    assert (
        client.post(
            f"{BASE}/facilities/{world.facility.pk}/roster/import/",
            {"file": csv_file(ROSTER)},
        ).status_code
        == 404
    )


def test_the_officer_imports_a_roster_and_sees_each_bad_row(
    client, enter, world: World, course
) -> None:
    enter(world.officer)
    url = f"{BASE}/facilities/{world.facility.pk}/roster/import/"

    refused = client.post(
        url, {"file": csv_file("numero,nombre,papel\n1,Ana,worker\n2,,chef\n")}
    )

    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'id="import-row-errors"' in html
    assert 'data-row="3" data-column="name"' in html
    assert 'data-row="3" data-column="role"' in html
    assert "Fila 3" in html
    assert Person.objects.count() == 0

    accepted = client.post(url, {"file": csv_file(ROSTER)})
    assert accepted.status_code == 302
    page = client.get(accepted.url).content.decode()
    assert "Lista importada: 2 nuevas" in page
    assert 'data-person="1"' in page


def test_the_analyst_reads_but_may_not_change_a_roster(
    client, enter, world: World, filled
) -> None:
    enter(world.analyst)
    page = client.get(f"{BASE}/facilities/{world.facility.pk}/roster/").content.decode()
    assert "Importar la lista" not in page

    response = client.post(
        f"{BASE}/facilities/{world.facility.pk}/roster/import/",
        {"file": csv_file("numero,nombre,papel\n9,Otra,worker\n")},
    )

    assert response.status_code == 404
    assert not Person.objects.filter(identifier="9").exists()
    assert (
        client.get(f"{BASE}/sessions/new/?facility={world.facility.pk}").status_code
        == 404
    )


def test_a_person_is_added_on_the_roster_page(client, enter, world: World, course):
    enter(world.monitor)

    response = client.post(
        f"{BASE}/facilities/{world.facility.pk}/roster/people/",
        {"identifier": "55", "name": "Rosa Mena", "role": "union_representative"},
    )

    assert response.status_code == 302
    assert Person.objects.get(identifier="55").role == "union_representative"
    again = client.post(
        f"{BASE}/facilities/{world.facility.pk}/roster/people/",
        {"identifier": "55", "name": "Otra", "role": "worker"},
    )
    assert again.status_code == 422
    assert "Ya hay una persona con el número" in again.content.decode()


def test_a_monitor_records_a_session_ticks_and_imports_attendance(
    client, enter, world: World, filled
) -> None:
    enter(world.monitor)
    form = client.get(f"{BASE}/sessions/new/?facility={world.facility.pk}")
    assert form.status_code == 200

    created = client.post(
        f"{BASE}/sessions/new/?facility={world.facility.pk}",
        {
            "topic": "neutrality_guidelines",
            "held_on": "2023-09-20",
            "starts_at": "08:00",
            "ends_at": "09:30",
            "during_working_hours": "on",
            "trainer": "Observatorio",
            "audience_roles": ["worker", "supervisor"],
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    session = TrainingSession.objects.get(topic="neutrality_guidelines")
    page = client.get(created.url).content.decode()
    assert 'id="attendance-form"' in page
    ana, beto = Person.objects.get(identifier="1"), Person.objects.get(identifier="2")
    shown = re.search(r'name="shown" value="([^"]*)"', page)
    assert shown is not None

    ticked = client.post(
        f"{BASE}/sessions/{session.pk}/attendance/",
        {"people": [str(ana.pk)], "shown": shown.group(1)},
    )
    assert ticked.status_code == 302
    assert set(
        Attendance.objects.filter(session=session).values_list("person", flat=True)
    ) == {ana.pk}

    refused = client.post(
        f"{BASE}/sessions/{session.pk}/attendance/import/",
        {"file": csv_file("numero\n2\n77\n", "asistencia.csv")},
    )
    assert refused.status_code == 422
    assert "persona desconocida" in refused.content.decode()
    assert Attendance.objects.filter(session=session).count() == 1

    imported = client.post(
        f"{BASE}/sessions/{session.pk}/attendance/import/",
        {"file": csv_file("numero\n2\n", "asistencia.csv")},
    )
    assert imported.status_code == 302
    assert Attendance.objects.filter(session=session, person=beto).exists()


def test_a_future_session_offers_no_attendance(client, enter, world: World, filled):
    session = training_services.training_session_create(
        user=world.monitor.user,
        facility=world.facility,
        topic="worker_rights",
        held_on=timezone.localdate() + dt.timedelta(days=3),
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        during_working_hours=True,
        trainer="X",
    )
    enter(world.monitor)

    page = client.get(f"{BASE}/sessions/{session.pk}/").content.decode()

    assert 'id="attendance-future"' in page
    assert 'id="attendance-form"' not in page
    assert 'id="attendance-import"' not in page


def test_the_coverage_page_shows_each_role_with_a_bar(client, enter, world, filled):
    enter(world.analyst)

    html = client.get(
        f"{BASE}/facilities/{world.facility.pk}/coverage/?topic=worker_rights"
    ).content.decode()

    assert 'data-role="worker" data-percent="100"' in html
    assert 'data-role="supervisor" data-percent="0.0"' in html
    assert 'data-role="total" data-percent="50.0"' in html
    assert '<rect width="50.0"' in html
    assert 'data-complete="no"' in html


def test_the_menu_entry_is_for_those_who_keep_or_read_training(world: World) -> None:
    from tests.support.actors import staff_member

    handler = staff_member(world.monitor_org, "hilda", role="handler")
    request = RequestFactory().get("/staff/")

    request.user = world.officer.user
    item = training_views.training_nav(request)
    assert item is not None
    assert item.url == f"{BASE}/"
    request.user = handler.user
    assert training_views.training_nav(request) is None


def test_the_facility_page_shows_training_coverage_per_role(
    client, enter, world: World, filled
) -> None:
    # Given a facility whose roster has one worker of two people trained on
    # worker rights (``filled``), when a reader of its course opens the
    # facility page
    enter(world.analyst)
    response = client.get(f"/staff/facilities/{world.facility.pk}/")
    if response.status_code == 404:
        pytest.skip("the analyst's role does not read the facility registry")
    page = response.content.decode()

    # Then the training section shows the coverage per role, as the course
    # page does, and the old "will appear here" note is gone
    section = page[page.index('id="facility-training"') :]
    assert "Derechos de los trabajadores" in section
    assert 'data-role="worker" data-percent="100"' in section
    assert 'data-role="supervisor" data-percent="0.0"' in section
    assert "aparecerá aquí cuando Remedia registre las sesiones" not in page


def test_the_facility_page_has_no_training_section_for_others(
    world: World, filled
) -> None:
    # Given someone who reads no course at the facility, then the training
    # app gives the facility page no section for them
    request = RequestFactory().get("/")
    request.user = world.stranger.user
    assert training_views.facility_training_section(request, world.facility) is None
    request.user = world.monitor.user
    section = training_views.facility_training_section(request, world.facility)
    assert section is not None
    assert section.key == "training"
