"""The protection pages: the list, opening a file, a file's page and its forms.

Staff log in through the form (password and TOTP), so their private key is
unlocked in the session as it is for a person.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.core.audit import AuditEntry
from remedia.protection.models import FileKeyGrant, FileNote, SupportAction, VictimFile
from tests.support.protection import (
    IDENTITY,
    NOTE,
    OBJECTIVE,
    ProtectionWorld,
    assign,
    file_url,
    protection_report,
    support_action_of,
    victim_file_open,
)

pytestmark = pytest.mark.django_db

HOME = "/staff/proteccion/"
NEW = "/staff/proteccion/expedientes/nuevo/"

# Every form action of a file's page (POST), by its path under the file.
ACTIONS = [
    "identidad/",
    "datos/",
    "trata/",
    "riesgo/",
    "estado/",
    "centro/",
    "asignaciones/",
    "asignaciones/quitar/",
    "notas/",
    "denuncias/",
    "denuncias/quitar/",
    "casos/",
    "casos/quitar/",
    "plan/",
]


def section(html: str, anchor: str) -> str:
    """The HTML of the page's section with that id."""
    found = re.search(rf'<(section|li) [^>]*id="{anchor}".*?</\1>', html, re.S)
    assert found, anchor
    return found.group(0)


def top_messages(html: str) -> str:
    head = html.split('id="file-title"')[0]
    return head


def follow(client: Any, response: Any) -> str:
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"]).content.decode()


def stored(file: VictimFile) -> VictimFile:
    return VictimFile.objects.get(pk=file.pk)


# --- Menu and list ------------------------------------------------------------------


def test_the_menu_leads_protection_staff_to_their_files(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    mine = victim_file_open(world)
    theirs = victim_file_open(world, by=world.worker2)

    sign_in(world.worker)
    html = client.get("/staff/").content.decode()
    assert f'href="{HOME}">Protección</a>' in html
    page = client.get(HOME).content.decode()
    assert mine.number in page
    assert theirs.number not in page

    # The lead sees every file of the team, and can ask for their own only
    sign_in(world.lead)
    page = client.get(HOME).content.decode()
    assert mine.number in page
    assert theirs.number in page
    assert mine.number not in client.get(HOME + "?mine=1").content.decode()


def test_a_handler_has_no_protection_menu_nor_pages(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    sign_in(protection_world.handler)
    assert "Protección</a>" not in client.get("/staff/").content.decode()
    assert client.get(HOME).status_code == 404
    assert client.get(NEW).status_code == 404


def test_the_list_filters_by_status_trafficking_risk_and_number(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    first = victim_file_open(world, risk_level="high")
    second = victim_file_open(world, trafficking_status="possible")
    sign_in(world.worker)
    assert first.number not in client.get(HOME + "?risk_level=low").content.decode()
    assert first.number in client.get(HOME + "?risk_level=high").content.decode()
    page = client.get(HOME + "?trafficking_status=possible").content.decode()
    assert second.number in page
    assert first.number not in page
    page = client.get(HOME + f"?number={first.number[-4:]}").content.decode()
    assert first.number in page
    assert second.number not in page
    assert first.number not in client.get(HOME + "?status=closed").content.decode()


def test_the_list_takes_the_same_queries_for_few_or_many_files(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    sign_in(world.lead)
    for _ in range(2):
        file = victim_file_open(world)
        assign(world, file, world.worker2)
    client.get(HOME)  # what is cached after the first page
    with CaptureQueriesContext(connection) as few:
        assert client.get(HOME).status_code == 200
    for _ in range(6):
        file = victim_file_open(world)
        support_action_of(world, file)
    with CaptureQueriesContext(connection) as many:
        page = client.get(HOME).content.decode()
    assert page.count('data-file="EXP-') == 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- Opening a file -----------------------------------------------------------------


def test_a_worker_opens_a_file_and_lands_on_it_with_the_message_there(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    sign_in(protection_world.worker)
    response = client.post(
        NEW,
        {
            "given_names": "Lucía",
            "story": IDENTITY["story"],
            "identified_on": timezone.localdate().isoformat(),
            "age_at_identification": "15",
            "gender": "feminine",
            "citizenship": "MX",
            "exploitation_state": "MX-PUE",
        },
    )
    file = VictimFile.objects.get()
    assert response["Location"] == file_url(file) + "#summary"
    html = follow(client, response)
    assert "abierto" in section(html, "summary")
    assert "Lucía" in section(html, "identity")
    assert (file.age_at_identification, file.citizenship) == (15, "MX")


def test_bad_input_when_opening_is_shown_beside_each_field_and_nothing_stored(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    sign_in(protection_world.worker)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        NEW,
        {
            "family_names": "Pérez",
            "identified_on": tomorrow.isoformat(),
            "age_at_identification": "200",
            "gender": "feminine",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Escriba un nombre o cómo prefiere que le llamen." in html
    assert "La fecha no puede estar en el futuro." in html
    assert "La edad debe estar entre 0 y 110 años." in html
    assert 'value="Pérez"' in html
    assert not VictimFile.objects.exists()


# --- Access to a file's page ------------------------------------------------------------


@pytest.mark.parametrize("who", ["handler", "worker2", "dif_worker", "outsider"])
def test_everyone_but_its_readers_gets_404_on_every_file_url(
    client, sign_in, protection_world: ProtectionWorld, who: str
) -> None:
    world = protection_world
    file = victim_file_open(world)
    action = support_action_of(world, file)
    # seq comes from a sequence: on PostgreSQL it does not restart with each test
    before = AuditEntry.objects.aggregate(last=Max("seq"))["last"]
    sign_in(getattr(world, who))
    urls = [file_url(file)] + [file_url(file, a) for a in ACTIONS]
    action_urls = [
        file_url(file, f"plan/{action.pk}/"),
        file_url(file, f"plan/{action.pk}/estado/"),
    ]
    assert client.get(file_url(file)).status_code == 404
    for url in urls[1:] + action_urls:
        assert client.post(url, {"body": "x", "version": "1"}).status_code == 404, url
    assert FileNote.objects.count() == 0
    # Nothing was read: the only audit entries are the logins
    assert not AuditEntry.objects.filter(
        seq__gt=before, action__startswith="protection."
    ).exists()


def test_the_reader_sees_the_identity_and_the_read_is_audited(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world, age_at_identification=15)
    sign_in(world.worker)
    html = client.get(file_url(file)).content.decode()
    assert IDENTITY["contact"] in section(html, "identity")
    assert "Lucía" in html
    entry = AuditEntry.objects.filter(action="protection.file_read").latest("seq")
    assert entry.object_id == str(file.pk)
    assert entry.data == {"decrypted": True, "via": "page"}


def test_a_worker_reads_the_file_once_assigned_and_no_longer_once_unassigned(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    # Given a file worker2 cannot open
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker2)
    assert client.get(file_url(file)).status_code == 404

    # When the lead assigns worker2 from the page
    sign_in(world.lead)
    response = client.post(
        file_url(file, "asignaciones/"), {"user_id": str(world.worker2.user.pk)}
    )
    assert response["Location"].endswith("#assignments")
    assert "quedó asignada(o)" in section(follow(client, response), "assignments")

    # Then worker2 opens it, identity included (the lead sealed the key)
    sign_in(world.worker2)
    assert IDENTITY["contact"] in client.get(file_url(file)).content.decode()

    # And when the lead takes worker2 off, the page is a 404 and the grant gone
    sign_in(world.lead)
    client.post(
        file_url(file, "asignaciones/quitar/"), {"user_id": str(world.worker2.user.pk)}
    )
    assert not FileKeyGrant.objects.filter(file=file, user=world.worker2.user).exists()
    sign_in(world.worker2)
    assert client.get(file_url(file)).status_code == 404


def test_a_worker_is_refused_assigning_where_they_acted(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    response = client.post(
        file_url(file, "asignaciones/"), {"user_id": str(world.worker2.user.pk)}
    )
    assert response.status_code == 403
    assert "Solo la supervisión" in section(response.content.decode(), "assignments")
    assert file.assignments.count() == 1


# --- Forms on the page --------------------------------------------------------------


def test_a_note_is_saved_sealed_and_its_message_shown_in_the_notes(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    response = client.post(file_url(file, "notas/"), {"body": NOTE})
    assert response["Location"].endswith("#notes")
    html = follow(client, response)
    notes = section(html, "notes")
    assert "Nota guardada, cifrada." in notes
    assert NOTE in notes
    assert "Nota guardada" not in top_messages(html)


def test_a_stale_edit_shows_the_current_data_and_what_was_typed(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    # Given the lead changed the file after the worker loaded it at version 1
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.lead)
    client.post(file_url(file, "riesgo/"), {"risk_level": "high", "version": "1"})
    assert stored(file).version == 2

    # When the worker saves the coded fields they saw at version 1
    sign_in(world.worker)
    response = client.post(
        file_url(file, "datos/"),
        {
            "identified_on": file.identified_on.isoformat(),
            "gender": "feminine",
            "recruitment": "family",
            "industry": "C",
            "citizenship": "GT",
            "version": "1",
        },
    )

    # Then nothing is stored, the reason is shown in the section, and the form
    # keeps what was typed with the current version to save again deliberately
    assert response.status_code == 409
    fields = section(response.content.decode(), "fields")
    assert "Otra persona cambió este expediente" in fields
    assert 'name="version" value="2"' in fields
    assert "<details open>" in fields
    assert (stored(file).citizenship, stored(file).version) == ("", 2)


def test_a_refused_determination_is_shown_beside_its_field(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    response = client.post(
        file_url(file, "trata/"), {"trafficking_status": "actual", "version": "1"}
    )
    assert response.status_code == 422
    assert "Diga quién lo determinó" in section(
        response.content.decode(), "trafficking"
    )
    assert stored(file).trafficking_status == "undetermined"

    response = client.post(
        file_url(file, "trata/"),
        {
            "trafficking_status": "actual",
            "trafficking_decided_by": "ngo",
            "version": "1",
        },
    )
    html = follow(client, response)
    assert "Registrado el" in section(html, "trafficking")


def test_closing_needs_a_reason_and_reopens_later(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    response = client.post(
        file_url(file, "estado/"), {"status": "closed", "version": "1"}
    )
    assert "Diga por qué se cierra" in section(response.content.decode(), "status")
    response = client.post(
        file_url(file, "estado/"),
        {"status": "closed", "closure_reason": "support_completed", "version": "1"},
    )
    assert "Cerrado" in section(follow(client, response), "status")
    assert stored(file).status == "closed"


def test_reports_and_cases_are_linked_from_the_page(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    from remedia.cases import services as cases

    world = protection_world
    file = victim_file_open(world)
    report = protection_report(world)
    case = cases.case_open(report_ids=[report.pk], user=world.handler.user)
    sign_in(world.worker)
    page = client.get(file_url(file)).content.decode()
    assert f'value="{report.pk}"' in section(page, "reports")
    follow(
        client, client.post(file_url(file, "denuncias/"), {"report_id": str(report.pk)})
    )
    html = follow(client, client.post(file_url(file, "casos/"), {"case": case.number}))
    assert case.number in section(html, "cases")
    assert list(stored(file).reports.all()) == [report]
    response = client.post(file_url(file, "casos/"), {"case": "CASO-0000-0000"})
    assert "No hay un caso con ese número" in section(
        response.content.decode(), "cases"
    )


def test_the_support_plan_is_built_on_the_page(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    today = timezone.localdate()
    response = client.post(
        file_url(file, "plan/"),
        {
            "support_type": "health",
            "objective": OBJECTIVE,
            "action": "Cita en el centro de salud",
            "owner_organisation_id": str(world.team.pk),
            "owner_id": str(world.worker.user.pk),
            "starts_on": today.isoformat(),
            "due_on": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "anterior al inicio" in section(response.content.decode(), "support")
    assert not SupportAction.objects.exists()

    response = client.post(
        file_url(file, "plan/"),
        {
            "support_type": "health",
            "objective": OBJECTIVE,
            "owner_organisation_id": str(world.team.pk),
            "starts_on": today.isoformat(),
        },
    )
    html = follow(client, response)
    assert OBJECTIVE in section(html, "support")
    row = SupportAction.objects.get()

    # Its status moves from its own form, and the message is on the action
    response = client.post(
        file_url(file, f"plan/{row.pk}/estado/"), {"status": "done", "version": "1"}
    )
    assert response["Location"].endswith(f"#support_{row.pk.hex}")
    html = follow(client, response)
    assert "Acción del plan: Cumplida." in section(html, f"support_{row.pk.hex}")

    # A stale edit of the action is refused in place
    response = client.post(
        file_url(file, f"plan/{row.pk}/"),
        {
            "support_type": "legal",
            "objective": OBJECTIVE,
            "owner_organisation_id": str(world.team.pk),
            "starts_on": today.isoformat(),
            "version": "1",
        },
    )
    assert response.status_code == 409
    assert "esta acción del plan" in section(
        response.content.decode(), f"support_{row.pk.hex}"
    )
    assert SupportAction.objects.get().support_type == "health"


def test_an_action_under_another_file_is_404(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    other = victim_file_open(world)
    row = support_action_of(world, file)
    sign_in(world.worker)
    url = file_url(other, f"plan/{row.pk}/estado/")
    assert client.post(url, {"status": "done", "version": "1"}).status_code == 404


def test_the_page_reads_in_english(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    support_action_of(world, file)
    sign_in(world.lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(file_url(file)).content.decode()
    assert '<html lang="en">' in html
    for text in (
        "Who they are",
        "Support plan",
        "Trafficking status",
        "Assigned people",
    ):
        assert text in html, text
    home = client.get(HOME).content.decode()
    assert "Open a file" in home
    assert "Protection files" in home
    assert "Open a file" in client.get(NEW).content.decode()


@pytest.mark.parametrize("action", ACTIONS)
def test_malformed_posts_to_every_form_answer_in_place_without_a_server_error(
    client, sign_in, protection_world: ProtectionWorld, action: str
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.lead)
    garbage = {
        "version": "uno",
        "user_id": "\x00",
        "report_id": "nada",
        "case": "x" * 60,
        "facility_id": "no-es-un-id",
        "body": "",
        "status": "volando",
        "risk_level": "máximo",
        "trafficking_status": "quizá",
        "identified_on": "2026-02-30",
        "age_at_identification": "-3",
        "support_type": "otro-tipo",
        "starts_on": "ayer",
        "owner_organisation_id": "x",
    }
    response = client.post(file_url(file, action), garbage)
    assert response.status_code in (403, 409, 422), response.status_code
    assert stored(file).version == 1


def test_a_form_without_its_version_says_so_where_it_was_sent(
    client, sign_in, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    sign_in(world.worker)
    response = client.post(file_url(file, "riesgo/"), {"risk_level": "high"})
    assert response.status_code == 422
    assert "Falta la versión del expediente que vio" in section(
        response.content.decode(), "risk"
    )
    assert stored(file).risk_level == "unassessed"
