"""What a plan action points at (issue 17, item 6): a course of remediation,
a facility, a case and a service of the referral pathway, by id only.

A case is named by its number only to whoever may read it; a course by its
facility and status; the pathway service through the reference kind the
protection app registers (coordination never imports protection)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from remedia.cases.models import Case
from remedia.coordination.models import Action
from remedia.coordination.services.plan import action_create, action_update
from remedia.core.errors import InvalidInput
from remedia.core.hooks import reference_kind
from remedia.protection.services.directory import service_create
from remedia.remediation.models import Course, CourseOrigin
from tests.support.coordination import CoordinationWorld, action_data
from tests.support.factories.facilities import FacilityFactory

pytestmark = pytest.mark.django_db

HOME = "/staff/coordinacion/"
API = "/api/v1/coordination"


@pytest.fixture
def linked(coordination_world: CoordinationWorld) -> dict[str, Any]:
    """A facility with a course (kept by the coordinators' organisation), a
    case of the outsider's organisation, and a service of the directory."""
    world = coordination_world
    facility = FacilityFactory(name="Maquila Tehuacán Norte", state="MX-PUE")
    course = Course.objects.create(
        title="Plan de la maquila",
        organisation=world.state,
        facility=facility,
        origin=CourseOrigin.INSPECTION,
        deadline=dt.date(2026, 12, 1),
    )
    now = timezone.now()
    case = Case.objects.create(
        number="2026-0042",
        organisation=world.other,
        public_key=b"k" * 32,
        received_at=now,
        acknowledge_due_at=now,
        first_response_due_at=now,
        resolution_due_at=now,
    )
    service = service_create(
        user=world.coordinator.user,
        data={
            "institution": "DIF Puebla",
            "name": "Albergue temporal",
            "service_types": ["shelter"],
            "states": ["MX-PUE"],
        },
    )
    return {"facility": facility, "course": course, "case": case, "service": service}


def _links(linked: dict[str, Any]) -> dict[str, str]:
    return {
        "course_id": str(linked["course"].pk),
        "facility_id": linked["facility"].public_id,
        "case_id": str(linked["case"].pk),
        "pathway_service_id": str(linked["service"].pk),
    }


def test_protection_registers_its_services_as_a_reference_kind(
    coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    kind = reference_kind("pathway_service")

    assert kind is not None
    reader = coordination_world.outsider.user
    service = linked["service"]
    assert (str(service.pk), "DIF Puebla · Albergue temporal") in kind.choices(reader)
    found = kind.resolve(reader, [service.pk, "no-es-un-id"])
    assert list(found) == [str(service.pk)]
    assert found[str(service.pk)].url == f"/staff/proteccion/servicios/{service.pk}/"
    # Who reads neither protection nor coordination is told of nothing.
    assert kind.resolve(coordination_world.officer.user, [service.pk]) == {}


def test_an_action_keeps_the_ids_of_what_it_points_at(
    coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    world = coordination_world

    action = action_create(
        user=world.coordinator.user,
        objective=world.objective,
        data=action_data(world, **_links(linked)),
    )

    assert action.course == linked["course"]
    assert action.facility == linked["facility"]
    assert action.case == linked["case"]
    assert action.pathway_service_id == linked["service"].pk


def test_links_to_nothing_are_refused_together_and_nothing_is_stored(
    coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    world = coordination_world
    before = Action.objects.count()
    missing = "00000000-0000-0000-0000-000000000000"

    with pytest.raises(InvalidInput) as refused:
        action_create(
            user=world.coordinator.user,
            objective=world.objective,
            data=action_data(
                world,
                course_id=missing,
                facility_id="FAC-NOEXISTE",
                case_id="caso 7",
                pathway_service_id=str(linked["course"].pk),
            ),
        )

    reasons = {e["field"]: str(e["reason"]) for e in refused.value.errors}
    assert reasons == {
        "course_id": "No hay un curso de remediación con ese número.",
        "facility_id": "No hay un centro de trabajo con ese número "
        "(FAC-… o su identificador).",
        "case_id": "No hay un caso con ese identificador.",
        "pathway_service_id": "Ese servicio no está en el directorio de la ruta "
        "de atención.",
    }
    assert Action.objects.count() == before


def test_a_link_is_changed_and_cleared_on_the_edit_page(
    client: Client, enter, coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    world = coordination_world
    enter(world.coordinator)
    url = f"{HOME}acciones/{world.action.pk}/editar/"
    form = {
        "objective_id": str(world.objective.pk),
        "title": world.action.title,
        "sector": world.action.sector,
        "owner_id": str(world.ngo.pk),
        "starts_on": "2026-01-15",
        "due_on": "2026-12-15",
        "status": "ongoing",
        "version": "1",
    }

    bad = client.post(url, {**form, "case_id": "00000000-0000-0000-0000-000000000001"})
    page = client.get(url).content.decode()
    linked_answer = client.post(url, {**form, **_links(linked)})

    assert bad.status_code == 422  # noqa: PLR2004
    assert 'id="id_case_id-error">No hay un caso con ese identificador.' in (
        bad.content.decode()
    )
    assert "DIF Puebla · Albergue temporal" in page
    assert linked_answer.status_code == 302  # noqa: PLR2004
    world.action.refresh_from_db()
    assert world.action.case == linked["case"]
    cleared = client.post(url, {**form, "version": "2"})
    assert cleared.status_code == 302  # noqa: PLR2004
    world.action.refresh_from_db()
    assert world.action.case is None
    assert world.action.pathway_service_id is None


def test_the_case_number_only_for_who_may_read_the_case(
    client: Client, enter, coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    world = coordination_world
    action_update(
        user=world.coordinator.user,
        action=world.action,
        data=_links(linked),
        version=1,
    )
    case = linked["case"]

    enter(world.outsider)  # a handler of the case's organisation
    handler = client.get(world.action.get_absolute_url()).content.decode()
    enter(world.member)  # protection staff of a group member: no cases
    member = client.get(world.action.get_absolute_url()).content.decode()
    enter(world.coordinator)  # keeps the course's organisation
    coordinator = client.get(world.action.get_absolute_url()).content.decode()

    assert f'<a href="/staff/cases/{case.pk}/">Caso 2026-0042</a>' in handler
    assert "2026-0042" not in member
    assert str(case.pk) not in member
    assert "Un caso vinculado" in member
    assert "Maquila Tehuacán Norte · En curso" in member
    assert f"/staff/remediation/{linked['course'].pk}/" not in member
    assert "Plan de la maquila" not in member  # the course's own words stay there
    assert "Un caso vinculado" in coordinator
    assert f"{linked['course'].pk}/" in coordinator
    assert "DIF Puebla · Albergue temporal" in coordinator
    assert f"Maquila Tehuacán Norte ({linked['facility'].public_id})" in coordinator


def test_the_api_links_by_id_and_names_them_as_the_caller_may_see(
    client: Client, coordination_world: CoordinationWorld, linked: dict[str, Any]
) -> None:
    world = coordination_world
    body = {
        **action_data(world),
        "objective_id": str(world.objective.pk),
        "sector": "private",
        **_links(linked),
    }

    created = client.post(
        f"{API}/actions",
        data=json.dumps(body),
        content_type="application/json",
        headers=world.coordinator.headers,
    )
    assert created.status_code == 201, created.content  # noqa: PLR2004
    action_id = created.json()["id"]
    assert created.json()["case_id"] == str(linked["case"].pk)
    bad = client.patch(
        f"{API}/actions/{action_id}",
        data=json.dumps({"version": 1, "facility_id": "FAC-ZZZZ"}),
        content_type="application/json",
        headers=world.coordinator.headers,
    )
    member = client.get(f"{API}/actions/{action_id}", headers=world.member.headers)

    assert bad.status_code == 422  # noqa: PLR2004
    labels = {link["field"]: link["label"] for link in member.json()["links"]}
    assert labels["case_id"] == "Un caso vinculado"
    assert labels["pathway_service_id"] == "DIF Puebla · Albergue temporal"
    assert labels["course_id"] == "Maquila Tehuacán Norte · En curso"
