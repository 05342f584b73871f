"""The coordination pages: the plan, an action, reporting and reviewing progress."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from remedia.coordination.models import ProgressUpdate, UpdateStatus
from remedia.coordination.services.updates import update_submit
from tests.intake.support import jpeg_with_gps
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

HOME = "/staff/coordinacion/"


def test_the_plan_lists_actions_with_owner_due_date_and_status(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.outsider)

    html = client.get(f"{HOME}plan/2026/").content.decode()

    assert "Talleres en maquilas de Tehuacán" in html
    assert "Colectivo Hilos" in html
    assert "Planeada" in html
    assert "Menos niñas y niños en talleres" in html
    assert client.get(f"{HOME}plan/1999/").status_code == 404  # noqa: PLR2004


def test_a_facility_officer_has_no_coordination(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.officer)
    assert client.get(HOME).status_code == 404  # noqa: PLR2004
    assert client.get(world.action.get_absolute_url()).status_code == 404  # noqa: PLR2004


def test_a_member_reports_progress_with_a_photo(
    client: Client, enter, coordination_world: CoordinationWorld, data_dir
) -> None:
    world = coordination_world
    enter(world.member)
    url = world.action.get_absolute_url()
    photo = jpeg_with_gps("Cámara del taller")

    answer = client.post(
        url + "avances/",
        {
            "period": str(world.q1.pk),
            "value": "32",
            "narrative": "Dos talleres en Tehuacán.",
            "evidence": SimpleUploadedFile("taller.jpg", photo, "image/jpeg"),
        },
        follow=True,
    )

    html = answer.content.decode()
    assert "Avance enviado: quien coordina el grupo lo revisará." in html
    update = ProgressUpdate.objects.get()
    assert update.value == 32  # noqa: PLR2004
    assert update.evidence.get().name == "taller.jpg"


def test_a_word_for_a_number_is_refused_beside_the_field(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.member)

    answer = client.post(
        world.action.get_absolute_url() + "avances/",
        {"period": str(world.q1.pk), "value": "N/A"},
    )

    assert answer.status_code == 422  # noqa: PLR2004
    assert "Escriba un número, como 12 o 12.5." in answer.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_the_lead_returns_and_someone_else_is_told_no(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    update = update_submit(user=world.member.user, period=world.q1, value="25")
    review = f"{HOME}avances/{update.pk}/revision/"
    enter(world.coordinator)

    refused = client.post(review, {"decision": "approved"}, follow=True)

    assert "Solo quien coordina el grupo «Prevención»" in refused.content.decode()
    update.refresh_from_db()
    assert update.status == UpdateStatus.SUBMITTED
    enter(world.lead)
    page = client.get(world.action.get_absolute_url()).content.decode()
    assert "Guardar la revisión" in page

    no_note = client.post(review, {"decision": "returned"}, follow=True)
    returned = client.post(
        review, {"decision": "returned", "note": "Falta la lista."}, follow=True
    )

    assert "Diga por qué lo devuelve" in no_note.content.decode()
    assert "Avance devuelto a quien lo envió." in returned.content.decode()
    update.refresh_from_db()
    assert update.status == UpdateStatus.RETURNED
    assert update.reviewed_by == world.lead.user


def test_the_pages_read_in_english(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    update_submit(user=world.member.user, period=world.q1, value="25")
    enter(world.lead)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    action = client.get(world.action.get_absolute_url()).content.decode()
    plan = client.get(f"{HOME}plan/2026/").content.decode()
    home = client.get(HOME).content.decode()

    assert '<html lang="en">' in action
    for text in ("Indicators", "Report progress", "Save the review", "Submitted"):
        assert text in action, text
    for text in ("Work plan", "By sector", "Planned", "Civil society"):
        assert text in plan, text
    for text in ("Inter-agency coordination", "Work groups"):
        assert text in home, text


def test_a_coordinator_drops_an_action_saying_why(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    url = world.action.get_absolute_url() + "situacion/"

    no_reason = client.post(url, {"status": "dropped", "version": "1"}, follow=True)
    dropped = client.post(
        url,
        {"status": "dropped", "dropped_reason": "La maquila cerró.", "version": "1"},
        follow=True,
    )
    stale = client.post(url, {"status": "done", "version": "1"}, follow=True)

    assert "Diga por qué se descarta la acción." in no_reason.content.decode()
    assert "Situación guardada." in dropped.content.decode()
    assert "Otra persona cambió esta acción" in stale.content.decode()
    world.action.refresh_from_db()
    assert world.action.status == "dropped"
    assert world.action.dropped_reason == "La maquila cerró."
