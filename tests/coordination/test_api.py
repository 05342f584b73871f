"""`/api/v1/coordination/`: reading the plan, changing it, reporting progress."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from remedia.coordination.models import ProgressUpdate, UpdateStatus
from remedia.coordination.services.plan import action_create
from tests.support.actors import Staff
from tests.support.coordination import CoordinationWorld, action_data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/coordination"


def _call(client: Client, method: str, path: str, who: Staff, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {"headers": who.headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(BASE + path, **kwargs)


def test_every_coordination_reader_sees_the_plan_and_an_officer_does_not(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    path = f"/actions/{world.action.pk}"

    answer = _call(client, "get", path, world.outsider)

    assert answer.status_code == 200  # noqa: PLR2004
    body = answer.json()
    assert body["title"] == "Talleres en maquilas de Tehuacán"
    assert [i["name"] for i in body["indicators"]] == [
        "Personas capacitadas",
        "Compromisos de las marcas",
    ]
    assert _call(client, "get", path, world.officer).status_code == 404  # noqa: PLR2004
    missing = _call(
        client, "get", "/actions/00000000-0000-0000-0000-000000000000", world.outsider
    )
    assert missing.status_code == 404  # noqa: PLR2004


def test_a_coordinator_adds_an_action_and_bad_dates_are_a_422(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    body = {**action_data(world), "objective_id": str(world.objective.pk)}

    bad = _call(
        client,
        "post",
        "/actions",
        world.coordinator,
        {**body, "starts_on": "2026-06-01", "due_on": "2026-05-01"},
    )
    added = _call(client, "post", "/actions", world.coordinator, body)
    refused = _call(client, "post", "/actions", world.member, body)

    assert bad.status_code == 422  # noqa: PLR2004
    assert bad.json()["errors"][0]["field"] == "due_on"
    assert added.status_code == 201  # noqa: PLR2004
    assert added.json()["version"] == 1
    assert refused.status_code == 403  # noqa: PLR2004


def test_a_change_on_a_stale_version_is_a_409(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    path = f"/actions/{world.action.pk}"
    first = _call(
        client, "patch", path, world.coordinator, {"version": 1, "status": "ongoing"}
    )

    stale = _call(
        client, "patch", path, world.coordinator, {"version": 1, "status": "done"}
    )

    assert first.status_code == 200  # noqa: PLR2004
    assert first.json()["version"] == 2  # noqa: PLR2004
    assert stale.status_code == 409  # noqa: PLR2004
    assert _call(client, "get", path, world.member).json()["status"] == "ongoing"


def test_a_member_submits_the_lead_returns_then_approves(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    not_a_number = _call(
        client,
        "post",
        "/updates",
        world.member,
        {"period_id": str(world.q1.pk), "value": "N/A"},
    )
    no_period = _call(
        client,
        "post",
        "/updates",
        world.member,
        {"period_id": "00000000-0000-0000-0000-000000000000", "value": "3"},
    )
    sent = _call(
        client,
        "post",
        "/updates",
        world.member,
        {"period_id": str(world.q1.pk), "value": 25},
    )
    update_id = sent.json()["id"]

    by_coordinator = _call(
        client, "post", f"/updates/{update_id}/approve", world.coordinator
    )
    no_note = _call(
        client, "post", f"/updates/{update_id}/return", world.lead, {"note": ""}
    )
    approved = _call(client, "post", f"/updates/{update_id}/approve", world.lead)

    assert not_a_number.status_code == 422  # noqa: PLR2004
    assert not_a_number.json()["errors"][0]["field"] == "value"
    assert no_period.status_code == 422  # noqa: PLR2004
    assert no_period.json()["errors"][0]["field"] == "period_id"
    assert sent.status_code == 201  # noqa: PLR2004
    assert by_coordinator.status_code == 403  # noqa: PLR2004
    assert no_note.status_code == 422  # noqa: PLR2004
    assert approved.status_code == 200  # noqa: PLR2004
    assert approved.json()["reviewed_by_id"] == str(world.lead.user.pk)
    assert ProgressUpdate.objects.get(pk=update_id).status == UpdateStatus.APPROVED
    detail = _call(client, "get", f"/indicators/{world.indicator.pk}", world.outsider)
    assert detail.json()["periods"][0]["actual"] == "25.00"


def test_the_action_list_takes_a_fixed_number_of_queries(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    _call(client, "get", "/actions", world.member)  # warm the membership cache
    with CaptureQueriesContext(connection) as few:
        assert _call(client, "get", "/actions", world.member).status_code == 200  # noqa: PLR2004
    for n in range(5):
        action_create(
            user=world.coordinator.user,
            objective=world.objective,
            data=action_data(
                world, title=f"Acción {n}", partner_ids=[str(world.state.pk)]
            ),
        )

    with CaptureQueriesContext(connection) as many:
        answer = _call(client, "get", "/actions", world.member)

    assert answer.json()["count"] == 6  # noqa: PLR2004
    assert len(many) == len(few)
    assert len(few) <= 10  # noqa: PLR2004


def test_the_group_list_takes_a_fixed_number_of_queries(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    _call(client, "get", "/groups", world.member)
    with CaptureQueriesContext(connection) as few:
        _call(client, "get", "/groups", world.member)
    _call(
        client,
        "post",
        "/groups",
        world.coordinator,
        {"name": "Atención", "lead_id": str(world.lead.user.pk), "sectors": ["public"]},
    )

    with CaptureQueriesContext(connection) as many:
        answer = _call(client, "get", "/groups", world.member)

    assert answer.json()["count"] == 2  # noqa: PLR2004
    assert len(many) == len(few)
    # The page's rows and prefetches, and the total (a page is 50 by default).
    assert len(few) <= 12  # noqa: PLR2004


def test_the_submitter_corrects_a_returned_update(
    client: Client, coordination_world: CoordinationWorld
) -> None:
    world = coordination_world
    sent = _call(
        client,
        "post",
        "/updates",
        world.member,
        {"period_id": str(world.q1.pk), "value": 9},
    )
    update_id = sent.json()["id"]
    _call(client, "post", f"/updates/{update_id}/return", world.lead, {"note": "¿9?"})

    by_other = _call(
        client, "post", f"/updates/{update_id}/resubmit", world.lead, {"value": 19}
    )
    again = _call(
        client, "post", f"/updates/{update_id}/resubmit", world.member, {"value": 19}
    )

    assert by_other.status_code == 403  # noqa: PLR2004
    assert again.status_code == 200  # noqa: PLR2004
    assert again.json()["status"] == "submitted"
    assert again.json()["value"] == "19.00"
