"""`/api/v1/protection/files`: victim files and their support plan over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.core.audit import AuditEntry
from remedia.protection.models import FileKeyGrant, FileNote, SupportAction, VictimFile
from tests.support.actors import Staff, staff_member
from tests.support.protection import (
    IDENTITY,
    NOTE,
    OBJECTIVE,
    ProtectionWorld,
    api_file_url,
    assign,
    support_action_of,
    victim_file_open,
)

pytestmark = pytest.mark.django_db

FILES = "/api/v1/protection/files"


def call(client: Any, member: Staff, method: str, path: str, body: Any = None) -> Any:
    send = getattr(client, method)
    if body is None and method == "get":
        return send(path, headers=member.headers)
    return send(
        path,
        data=body if body is not None else {},
        content_type="application/json",
        headers=member.headers,
    )


def errors(response: Any) -> dict[str, str]:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


def stored(file: VictimFile) -> VictimFile:
    return VictimFile.objects.get(pk=file.pk)


# --- Listing and opening ----------------------------------------------------------------


def test_the_list_holds_only_the_files_the_token_may_read(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    mine = victim_file_open(world, age_at_identification=15)
    victim_file_open(world, by=world.worker2)

    answer = call(client, world.worker, "get", FILES).json()
    assert [f["number"] for f in answer["items"]] == [mine.number]
    assert answer["items"][0]["age_at_identification"] == 15
    assert call(client, world.lead, "get", FILES).json()["count"] == 2
    assert call(client, world.lead, "get", FILES + "?mine=true").json()["count"] == 0
    assert call(client, world.handler, "get", FILES).json() == {"items": [], "count": 0}
    response = call(client, world.worker, "get", FILES + "?status=sideways")
    assert response.status_code == 422
    assert "status" in errors(response)


def test_every_list_shown_is_audited_with_the_files_it_named(
    client, protection_world: ProtectionWorld
) -> None:
    # Given two files the lead reads and one the worker reads
    world = protection_world
    mine = victim_file_open(world, age_at_identification=15)
    other = victim_file_open(world, by=world.worker2)

    # When each lists them through the API, and a handler lists nothing
    call(client, world.worker, "get", FILES)
    call(client, world.lead, "get", FILES)
    call(client, world.handler, "get", FILES)

    # Then each list is one entry naming exactly the files it showed
    entries = AuditEntry.objects.filter(action="protection.files_listed")
    shown = {e.actor_label: set(e.data["files"]) for e in entries}
    assert shown == {
        world.worker.user.username: {str(mine.pk)},
        world.lead.user.username: {str(mine.pk), str(other.pk)},
    }
    assert {e.data["via"] for e in entries} == {"api"}


def test_the_list_takes_the_same_queries_for_few_or_many_files(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    for _ in range(2):
        victim_file_open(world)
    call(client, world.lead, "get", FILES)  # the token's lookups, cached after
    with CaptureQueriesContext(connection) as few:
        assert call(client, world.lead, "get", FILES).json()["count"] == 2
    for _ in range(5):
        file = victim_file_open(world)
        assign(world, file, world.worker2)
        support_action_of(world, file)
    with CaptureQueriesContext(connection) as many:
        assert call(client, world.lead, "get", FILES).json()["count"] == 7
    assert len(many) == len(few), [q["sql"][:80] for q in many.captured_queries]


def test_a_worker_opens_a_file_and_reads_it_back(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    response = call(
        client,
        world.worker,
        "post",
        FILES,
        {
            "identity": {"given_names": "Lucía", "story": IDENTITY["story"]},
            "age_at_identification": 15,
            "gender": "feminine",
            "citizenship": "mx",
            "exploitation_types": ["child_labour"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["identity"]["given_names"] == "Lucía"
    assert (body["citizenship"], body["version"], body["locked"]) == ("MX", 1, False)
    assert [a["username"] for a in body["assigned"]] == ["paula"]
    assert body["number"].startswith("EXP-")


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"identity": {"family_names": "Pérez"}}, "identity.given_names", "nombre"),
        (
            {"identity": {"given_names": "Ana"}, "age_at_identification": 140},
            "age_at_identification",
            "entre 0 y 110",
        ),
        (
            {"identity": {"given_names": "Ana", "date_of_birth": "2099-01-01"}},
            "identity.date_of_birth",
            "futuro",
        ),
        (
            {"identity": {"given_names": "Ana"}, "citizenship": "QQ"},
            "citizenship",
            "ISO 3166-1",
        ),
        (
            {"identity": {"given_names": "Ana"}, "control_methods": ["magic"]},
            "control_methods.0",
            "Valores admitidos",
        ),
        (
            {"identity": {"given_names": "Ana", "nickname": "x"}},
            "identity.nickname",
            "no se admite",
        ),
    ],
)
def test_bad_input_when_opening_is_422_with_the_field_and_nothing_stored(
    client, protection_world: ProtectionWorld, body: dict, field: str, reason: str
) -> None:
    response = call(client, protection_world.worker, "post", FILES, body)
    assert response.status_code == 422, response.content
    assert reason in errors(response)[field]
    assert not VictimFile.objects.exists()


def test_a_handler_cannot_open_a_file(
    client, protection_world: ProtectionWorld
) -> None:
    response = call(
        client,
        protection_world.handler,
        "post",
        FILES,
        {"identity": {"given_names": "Ana"}},
    )
    assert response.status_code == 403
    assert not VictimFile.objects.exists()


# --- One file -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["handler", "worker2", "dif_worker", "outsider"])
def test_everyone_but_its_readers_gets_the_404_of_a_missing_file(
    client, protection_world: ProtectionWorld, who: str
) -> None:
    world = protection_world
    file = victim_file_open(world)
    action = support_action_of(world, file)
    member = getattr(world, who)
    missing = "/api/v1/protection/files/00000000-0000-0000-0000-000000000000"
    for method, suffix, body in (
        ("get", "", None),
        ("patch", "", {"version": 1, "gender": "feminine"}),
        ("post", "/notes", {"body": "x"}),
        ("post", "/assignments", {"user_id": str(member.user.pk)}),
        ("delete", f"/assignments?user_id={member.user.pk}", None),
        ("get", "/support", None),
        ("post", "/support", {"support_type": "health", "objective": "x"}),
        ("patch", f"/support/{action.pk}", {"version": 1, "status": "done"}),
    ):
        got = call(client, member, method, api_file_url(file, suffix), body)
        alike = call(client, member, method, missing + suffix, body)
        assert got.status_code == alike.status_code == 404, (method, suffix)
        assert got.json() == alike.json()
    assert stored(file).version == 1
    assert not FileNote.objects.exists()


def test_the_detail_decrypts_for_a_keyed_reader_and_is_audited(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    body = call(client, world.lead, "get", api_file_url(file)).json()
    assert body["identity"]["contact"] == IDENTITY["contact"]
    entry = AuditEntry.objects.filter(action="protection.file_read").latest("seq")
    assert (entry.actor_label, entry.data) == (
        "lidia",
        {"decrypted": True, "via": "api"},
    )

    # A token without the key reads the coded fields only, and says so
    keyless = staff_member(world.team, "lena", role="protection_lead", decrypting=False)
    body = call(client, keyless, "get", api_file_url(file)).json()
    assert (body["locked"], body["identity"], body["notes"]) == (True, None, None)
    entry = AuditEntry.objects.filter(action="protection.file_read").latest("seq")
    assert entry.data["decrypted"] is False


def test_patch_changes_against_the_version_and_all_or_nothing(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    url = api_file_url(file)

    # A valid change and an invalid one together store nothing
    response = call(
        client,
        world.worker,
        "patch",
        url,
        {"version": 1, "citizenship": "GT", "status": "closed"},
    )
    assert response.status_code == 422
    assert "Diga por qué se cierra" in errors(response)["closure_reason"]
    assert (stored(file).citizenship, stored(file).version) == ("", 1)

    # Together valid: stored, the version moves once per change
    response = call(
        client,
        world.worker,
        "patch",
        url,
        {
            "version": 1,
            "citizenship": "GT",
            "identity": {"alias": "Lu"},
            "trafficking_status": "actual",
            "trafficking_decided_by": "court_or_prosecution",
            "risk_level": "high",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["citizenship"] == "GT"
    assert body["identity"]["alias"] == "Lu"
    assert body["trafficking_decided_by_user"] == "paula"
    assert body["risk_assessed_at"] is not None
    assert body["version"] == 5

    # The version seen before is stale now: 409, nothing stored
    response = call(
        client, world.lead, "patch", url, {"version": 1, "gender": "masculine"}
    )
    assert response.status_code == 409
    assert "Otra persona cambió" in errors(response)["version"]
    assert stored(file).gender == "unknown"

    # Clearing with null, and a version that is missing
    response = call(
        client, world.lead, "patch", url, {"version": 5, "citizenship": None}
    )
    assert response.json()["citizenship"] == ""
    response = call(client, world.lead, "patch", url, {"gender": "masculine"})
    assert response.status_code == 422
    assert "version" in errors(response)


def test_the_identity_cannot_change_through_a_keyless_token(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    keyless = staff_member(world.team, "lena", role="protection_lead", decrypting=False)
    response = call(
        client,
        keyless,
        "patch",
        api_file_url(file),
        {"version": 1, "identity": {"alias": "Lu"}},
    )
    assert response.status_code == 403
    assert "llave no está desbloqueada" in response.json()["detail"]
    assert stored(file).version == 1


def test_notes_are_added_sealed(client, protection_world: ProtectionWorld) -> None:
    world = protection_world
    file = victim_file_open(world)
    response = call(
        client, world.worker, "post", api_file_url(file, "/notes"), {"body": NOTE}
    )
    assert response.status_code == 201
    assert response.json()["body"] == NOTE
    response = call(
        client, world.worker, "post", api_file_url(file, "/notes"), {"body": " "}
    )
    assert response.status_code == 422
    assert errors(response) == {"body": "Escriba la nota."}
    body = call(client, world.lead, "get", api_file_url(file)).json()
    assert [n["body"] for n in body["notes"]] == [NOTE]
    assert FileNote.objects.count() == 1


def test_leads_assign_and_unassign_and_the_grant_follows(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    url = api_file_url(file, "/assignments")
    body = {"user_id": str(world.worker2.user.pk)}

    response = call(client, world.worker, "post", url, body)
    assert response.status_code == 403
    assert "Solo la supervisión" in response.json()["detail"]

    response = call(client, world.lead, "post", url, body)
    assert response.status_code == 201
    assert [u["username"] for u in response.json()] == ["paula", "pedro"]
    detail = call(client, world.worker2, "get", api_file_url(file)).json()
    assert detail["identity"]["given_names"] == IDENTITY["given_names"]

    response = call(
        client, world.lead, "post", url, {"user_id": str(world.handler.user.pk)}
    )
    assert response.status_code == 422
    assert "equipo de protección" in errors(response)["user_id"]

    response = call(
        client, world.lead, "delete", url + f"?user_id={world.worker2.user.pk}"
    )
    assert response.status_code == 200
    assert [u["username"] for u in response.json()] == ["paula"]
    assert not FileKeyGrant.objects.filter(file=file, user=world.worker2.user).exists()
    assert call(client, world.worker2, "get", api_file_url(file)).status_code == 404


# --- The support plan -----------------------------------------------------------------------


def test_the_plan_is_read_added_to_and_changed(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    url = api_file_url(file, "/support")
    today = timezone.localdate()

    response = call(
        client,
        world.worker,
        "post",
        url,
        {
            "support_type": "education",
            "objective": OBJECTIVE,
            "starts_on": today.isoformat(),
            "due_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "anterior al inicio" in errors(response)["due_on"]

    response = call(
        client,
        world.worker,
        "post",
        url,
        {
            "support_type": "education",
            "objective": OBJECTIVE,
            "owner_id": str(world.worker2.user.pk),
        },
    )
    assert response.status_code == 201, response.content
    action = response.json()
    assert (action["objective"], action["owner"]["username"]) == (OBJECTIVE, "pedro")
    listed = call(client, world.lead, "get", url).json()
    assert listed["count"] == 1
    assert listed["items"][0]["objective"] == OBJECTIVE

    one = f"{url}/{action['id']}"
    response = call(
        client,
        world.worker,
        "patch",
        one,
        {"version": 1, "status": "done", "action": "Hecho"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["done_on"], body["action"]) == (
        "done",
        today.isoformat(),
        "Hecho",
    )
    assert body["version"] == 3

    response = call(
        client, world.lead, "patch", one, {"version": 1, "support_type": "legal"}
    )
    assert response.status_code == 409
    assert "esta acción del plan" in errors(response)["version"]
    assert SupportAction.objects.get().support_type == "education"


def test_an_action_under_another_file_is_404(
    client, protection_world: ProtectionWorld
) -> None:
    world = protection_world
    file = victim_file_open(world)
    other = victim_file_open(world)
    action = support_action_of(world, file)
    response = call(
        client,
        world.worker,
        "patch",
        api_file_url(other, f"/support/{action.pk}"),
        {"version": 1, "status": "done"},
    )
    assert response.status_code == 404
    assert SupportAction.objects.get().status == "planned"


@pytest.mark.parametrize(
    "body",
    [
        {"version": "uno"},
        {"version": 10**30, "gender": "feminine"},
        {"version": 1, "age_at_identification": "quince"},
        {"version": 1, "age_at_identification": True},
        {"version": 1, "identity": "Lucía"},
        {"version": 1, "identity": {"story": "x" * 9000}},
        {"version": 1, "exploitation_types": "forced_labour"},
        {"version": 1, "facility_id": "no-es-un-id"},
        {"version": 1, "identified_on": "2026-13-45"},
        {"version": 1, "recruitment_state": "\x00"},
        {"version": 1, "citizenship": "é"},
        {"version": 1, "status": "closed", "closure_reason": "tired"},
        {"version": 1, "trafficking_decided_by": "court_or_prosecution"},
        [],
        "texto",
    ],
)
def test_malformed_edits_are_refused_without_a_server_error(
    client, protection_world: ProtectionWorld, body: Any
) -> None:
    world = protection_world
    file = victim_file_open(world)
    response = call(client, world.worker, "patch", api_file_url(file), body)
    assert 400 <= response.status_code < 500, response.content
    assert stored(file).version == 1


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "owner_id": "nadie"},
        {"version": 1, "status": "done", "done_on": "2999-01-01"},
        {"version": 1, "done_on": "2020-01-01"},
        {"version": 1, "starts_on": "1900-01-01"},
        {"version": 1, "objective": ""},
        {"version": 1, "support_type": None},
        {"version": "x"},
    ],
)
def test_malformed_plan_edits_are_refused_without_a_server_error(
    client, protection_world: ProtectionWorld, body: Any
) -> None:
    world = protection_world
    file = victim_file_open(world)
    action = support_action_of(world, file)
    response = call(
        client, world.worker, "patch", api_file_url(file, f"/support/{action.pk}"), body
    )
    assert 400 <= response.status_code < 500, response.content
    assert SupportAction.objects.get().version == 1
