"""Protocol training counted for a year's plan: a workshop recorded on the
training page or API for an organisation's staff (officials and partners) is
marked as counting for the plan (and an action), and the plan shows coverage
per organisation and role."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from remedia.accounts.permissions import Sector
from remedia.coordination.models import Action, PlanTraining
from remedia.coordination.selectors.training import plan_coverage
from remedia.coordination.services.plan import (
    action_create,
    action_update,
    objective_create,
    plan_create,
)
from remedia.core.models import AuditEntry
from remedia.training import services as training
from remedia.training.models import Person, TrainingSession
from tests.support.actors import Staff
from tests.support.coordination import CoordinationWorld

pytestmark = pytest.mark.django_db

SESSIONS = "/staff/remediation/training/sessions"
TRAININGS = "/api/v1/remediation/trainings"
COVERAGE = "/api/v1/coordination/plans/2026/coverage"
PLAN_PAGE = "/staff/coordinacion/plan/2026/"


def _rosters(world: CoordinationWorld) -> dict[str, Person]:
    """The state's staff (three officials, one partner), the NGO's (two
    partners) and someone of an organisation outside the plan."""
    people = {}
    for key, org, role in (
        ("o1", world.state, "official"),
        ("o2", world.state, "official"),
        ("o3", world.state, "official"),
        ("p1", world.state, "partner"),
        ("n1", world.ngo, "partner"),
        ("n2", world.ngo, "partner"),
        ("x1", world.other, "official"),
    ):
        people[key] = Person.objects.create(
            organisation=org, identifier=key.upper(), name=f"Persona {key}", role=role
        )
    return people


def _past() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=10)


def _session_form(**changes: Any) -> dict[str, Any]:
    data = {
        "topic": "protocols",
        "title": "Taller sobre el protocolo de atención",
        "held_on": _past().isoformat(),
        "starts_at": "09:00",
        "ends_at": "13:00",
        "during_working_hours": "on",
        "trainer": "OIM México",
        "audience_roles": ["official", "partner"],
    }
    data.update(changes)
    return data


def _api(client: Client, method: str, path: str, who: Staff, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {"headers": who.headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(path, **kwargs)


def _workshop(world: CoordinationWorld, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "audience_organisation_id": str(world.state.pk),
        "topic": "protocols",
        "title": "Taller del protocolo",
        "held_on": _past().isoformat(),
        "starts_at": "10:00",
        "ends_at": "12:00",
        "during_working_hours": True,
        "trainer": "OIM México",
    }
    body.update(changes)
    return body


def _rows(html: str) -> dict[tuple[str, str], tuple[int, int]]:
    found = re.findall(
        r'data-organisation="([^"]+)" data-role="([^"]+)" '
        r'data-trained="(\d+)" data-people="(\d+)"',
        html,
    )
    return {(o, r): (int(t), int(p)) for o, r, t, p in found}


def test_a_workshop_recorded_on_the_training_page_counts_for_the_plan_action(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    people = _rosters(world)
    enter(world.coordinator)
    new = f"{SESSIONS}/new/?organisation={world.state.pk}"

    # The form offers the plan and its actions, the plan preselected from its page
    form = client.get(f"{new}&measure=2026").content.decode()
    assert "Cuenta para" in form
    assert "Plan de trabajo 2026" in form
    assert "Talleres en maquilas de Tehuacán" in form
    assert re.search(r'<option value="2026" selected>', form)
    assert re.search(r'<option value="protocols" selected>', form)

    created = client.post(new, _session_form(measure=str(world.action.pk)))

    assert created.status_code == 302, created.content.decode()[:3000]
    session = TrainingSession.objects.get(title="Taller sobre el protocolo de atención")
    link = PlanTraining.objects.get(session=session)
    assert (link.plan, link.action) == (world.plan, world.action)
    audit = AuditEntry.objects.get(action="coordination.training_linked")
    assert audit.actor_id == str(world.coordinator.user.pk)
    detail = client.get(created.url).content.decode()
    assert "Plan de trabajo" in detail
    assert "Plan Puebla 2026 · Talleres en maquilas de Tehuacán" in detail
    # Attendance, then a second workshop that counts for nothing
    training.attendance_record(
        user=world.coordinator.user, session=session, identifiers=["O1", "O2", "P1"]
    )
    other = client.post(new, _session_form(title="Taller sin plan"))
    assert other.status_code == 302
    unlinked = TrainingSession.objects.get(title="Taller sin plan")
    assert not PlanTraining.objects.filter(session=unlinked).exists()
    training.attendance_record(
        user=world.coordinator.user, session=unlinked, identifiers=["O3"]
    )

    # The plan's coverage: officials 2 of 3, partner 1 of 1; the NGO 0 of 2
    html = client.get(PLAN_PAGE).content.decode()
    rows = _rows(html)
    state, ngo = str(world.state.pk), str(world.ngo.pk)
    assert rows[(state, "official")] == (2, 3)
    assert rows[(state, "partner")] == (1, 1)
    assert rows[(ngo, "partner")] == (0, 2)
    assert rows[(ngo, "official")] == (0, 0)
    assert rows[("total", "total")] == (3, 6)
    assert str(world.other.pk) not in html  # outside the plan, not trained for it
    assert "Taller sobre el protocolo de atención" in html
    assert "Taller sin plan" not in html
    assert people["x1"].name not in html  # numbers, never names

    # The plan's workbook and PDF carry the same coverage and the workshop
    book = load_workbook(io.BytesIO(client.get(f"{PLAN_PAGE}plan.xlsx").content))
    covered = list(book["Capacitación"].iter_rows(values_only=True))
    assert (world.state.name, "Sí", "Personal de gobierno", 3, 2, 66.6) in covered
    assert covered[-1][0] == "Total"
    assert covered[-1][3:5] == (6, 3)
    workshops = list(book["Talleres"].iter_rows(values_only=True))
    assert [(r[1], r[3]) for r in workshops[1:]] == [
        ("Taller sobre el protocolo de atención", 3)
    ]
    pdf = client.get(f"{PLAN_PAGE}plan.pdf")
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Cobertura de la capacitación en el protocolo" in text
    assert "Taller sobre el protocolo de atención" in text
    assert "2 / 3" in text


def test_a_bad_link_on_the_page_is_refused_beside_the_field_and_stores_nothing(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    enter(world.coordinator)
    new = f"{SESSIONS}/new/?organisation={world.state.pk}"

    answer = client.post(new, _session_form(topic="worker_rights", measure="2026"))

    assert answer.status_code == 422  # noqa: PLR2004
    assert "Para el plan de trabajo cuentan los talleres sobre" in (
        answer.content.decode()
    )
    # An option the form did not offer
    unknown = client.post(new, _session_form(measure="1999"))
    assert unknown.status_code == 422  # noqa: PLR2004
    assert not TrainingSession.objects.exists()
    assert not PlanTraining.objects.exists()


def test_the_api_records_a_workshop_for_the_plan_and_answers_its_coverage(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    _rosters(world)
    who = world.coordinator

    answer = _api(client, "post", TRAININGS, who, _workshop(world, plan_year=2026))

    assert answer.status_code == 201, answer.content  # noqa: PLR2004
    body = answer.json()
    assert body["plan_year"] == 2026  # noqa: PLR2004
    assert body["plan_action_id"] is None
    session = TrainingSession.objects.get(pk=body["id"])
    assert PlanTraining.objects.get(session=session).action is None
    attended = _api(
        client,
        "post",
        f"{TRAININGS}/{session.pk}/attendance",
        who,
        {"identifiers": ["O1", "P1"]},
    )
    assert attended.status_code in (200, 201), attended.content

    listed = _api(client, "get", f"{TRAININGS}?plan_year=2026", who).json()
    assert [s["id"] for s in listed["items"]] == [str(session.pk)]
    assert not _api(client, "get", f"{TRAININGS}?plan_year=2027", who).json()["items"]

    coverage = _api(client, "get", COVERAGE, world.outsider)

    assert coverage.status_code == 200, coverage.content  # noqa: PLR2004
    data = coverage.json()
    assert data["topic"] == "protocols"
    assert [s["session_id"] for s in data["sessions"]] == [str(session.pk)]
    assert data["sessions"][0]["attended"] == 2  # noqa: PLR2004
    orgs = {o["name"]: o for o in data["organisations"]}
    assert set(orgs) == {"Secretaría del Trabajo de Puebla", "Colectivo Hilos"}
    state = {
        r["role"]: (r["trained"], r["people"])
        for r in orgs["Secretaría del Trabajo de Puebla"]["roles"]
    }
    assert state == {"official": (1, 3), "partner": (1, 1)}
    assert orgs["Colectivo Hilos"]["total"]["people"] == 2  # noqa: PLR2004
    assert orgs["Colectivo Hilos"]["in_groups"] is True
    assert (data["total"]["trained"], data["total"]["people"]) == (2, 6)
    assert data["total"]["percent"] == 33.3  # noqa: PLR2004
    # A facility officer reads no coordination; a year without a plan is 404
    assert _api(client, "get", COVERAGE, world.officer).status_code == 404  # noqa: PLR2004
    missing = _api(client, "get", "/api/v1/coordination/plans/1999/coverage", who)
    assert missing.status_code == 404  # noqa: PLR2004
    bad = _api(client, "get", "/api/v1/coordination/plans/abc/coverage", who)
    assert bad.status_code in (404, 422)


def test_an_organisation_trained_for_the_plan_outside_its_groups_is_counted(
    coordination_world: CoordinationWorld,
) -> None:
    world = coordination_world
    people = _rosters(world)
    # `other` keeps its own roster through a coordinator of its own
    from tests.support.actors import staff_member  # noqa: PLC0415

    keeper = staff_member(world.other, "coord_otra", role="coordinator")
    session = training.training_session_create(
        user=keeper.user,
        audience_organisation=world.other,
        topic="protocols",
        held_on=_past(),
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        during_working_hours=True,
        trainer="OIM",
        plan_year=2026,
    )
    training.attendance_record(user=keeper.user, session=session, identifiers=["X1"])

    coverage = plan_coverage(plan=world.plan)

    other = next(
        o for o in coverage.organisations if o.organisation_id == world.other.pk
    )
    assert other.in_groups is False
    assert other.sessions == 1
    assert (other.coverage.total.trained, other.coverage.total.people) == (1, 1)
    assert people["x1"].organisation_id == world.other.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"plan_year": 1999}, "plan_year"),
        ({"plan_year": 2026, "plan_action_id": str(uuid.uuid4())}, "plan_action_id"),
        ({"plan_action_id": "elsewhere"}, "plan_action_id"),
        ({"plan_year": 2026, "topic": "worker_rights"}, "topic"),
        ({"plan_year": 2026, "plan_action_id": "dropped"}, "plan_action_id"),
    ],
)
def test_a_bad_plan_link_through_the_api_is_422_and_stores_nothing(
    client: Client,
    coordination_world: CoordinationWorld,
    changes: dict[str, Any],
    field: str,
) -> None:
    world = coordination_world
    by = world.coordinator.user
    if changes.get("plan_action_id") == "elsewhere":
        # An action of another year's plan, named with this year's
        later = plan_create(user=by, year=2027, title="Plan Puebla 2027")
        objective = objective_create(user=by, plan=later, group=world.group, title="O")
        elsewhere = action_create(
            user=by,
            objective=objective,
            data={
                "title": "Otra acción",
                "sector": Sector.PUBLIC,
                "owner_id": str(world.state.pk),
                "starts_on": "2027-01-01",
                "due_on": "2027-02-01",
            },
        )
        changes = {"plan_year": 2026, "plan_action_id": str(elsewhere.pk)}
    if changes.get("plan_action_id") == "dropped":
        action_update(
            user=by,
            action=world.action,
            data={"status": "dropped", "dropped_reason": "Sin fondos."},
            version=world.action.version,
        )
        changes = {**changes, "plan_action_id": str(world.action.pk)}

    answer = _api(
        client, "post", TRAININGS, world.coordinator, _workshop(world, **changes)
    )

    assert answer.status_code == 422, answer.content  # noqa: PLR2004
    assert field in answer.content.decode()
    assert not TrainingSession.objects.exists()
    assert not PlanTraining.objects.exists()


def test_a_facility_session_cannot_count_for_the_plan(
    coordination_world: CoordinationWorld,
) -> None:
    from remedia.coordination.training import PlanSessionLink  # noqa: PLC0415
    from remedia.facilities.models import Facility  # noqa: PLC0415
    from remedia.training.access import Roster  # noqa: PLC0415

    roster = Roster(
        facility=Facility(name="Taller"), organisation=None, can_manage=True
    )

    resolved, errors = PlanSessionLink().resolve(
        user=coordination_world.coordinator.user,
        roster=roster,
        topic="protocols",
        values={"plan_year": 2026},
    )

    assert [e["field"] for e in errors] == ["plan_year"]
    assert resolved is not None


def test_the_plan_page_shows_the_section_in_english(
    client: Client, enter, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    _rosters(world)
    enter(world.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(PLAN_PAGE).content.decode()
    form = client.get(
        f"{SESSIONS}/new/?organisation={world.state.pk}&measure=2026"
    ).content.decode()

    assert "Protocol training" in html
    assert "Capacitación en el protocolo" not in html
    assert "No workshop counts for this plan yet." in html
    assert "Record a workshop for the staff of" in html
    assert "Counts for" in form
    assert "Work plan 2026" in form
    refused = client.post(
        f"{SESSIONS}/new/?organisation={world.state.pk}",
        _session_form(topic="worker_rights", measure="2026"),
    )
    assert "For the work plan, only workshops on" in refused.content.decode()


def test_an_action_keeps_its_workshops(coordination_world: CoordinationWorld) -> None:
    world = coordination_world
    _rosters(world)
    session = training.training_session_create(
        user=world.coordinator.user,
        audience_organisation=world.state,
        topic="protocols",
        held_on=_past(),
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        during_working_hours=False,
        trainer="OIM",
        plan_action=world.action,
    )

    assert list(Action.objects.get(pk=world.action.pk).trainings.all()) == [
        PlanTraining.objects.get(session=session)
    ]
    assert PlanTraining.objects.get(session=session).plan == world.plan
