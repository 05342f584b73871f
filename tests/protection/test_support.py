"""The support plan: actions by HTCDS type, sealed texts, owners, dates, status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound
from remedia.protection.models import SupportAction
from remedia.protection.selectors.files import FileFilters, file_list
from remedia.protection.selectors.support import support_action_get, support_actions
from remedia.protection.services import support as services
from remedia.protection.services.files import KeyLocked, StaleVersion
from remedia.protection.services.grants import file_key
from tests.support.actors import staff_member
from tests.support.protection import (
    ACTION,
    OBJECTIVE,
    ProtectionWorld,
    private_key_of,
    rows_holding,
    support_action_of,
    victim_file_open,
)

pytestmark = pytest.mark.django_db


def reasons(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {e["field"]: str(e["reason"]) for e in exc.value.errors}


def opened(world: ProtectionWorld, file, member=None):  # noqa: ANN001, ANN201
    user = (member or world.worker).user
    private = file_key(file=file, user=user, user_private_key=private_key_of(user))
    return support_actions(file=file, file_private=private)


def test_an_action_is_added_sealed_with_its_owner_and_dates(
    protection_world: ProtectionWorld,
) -> None:
    # Given a file
    world = protection_world
    file = victim_file_open(world)
    today = timezone.localdate()

    # When its worker adds an education objective owned by worker2
    row = support_action_of(
        world,
        file,
        owner_id=world.worker2.user.pk,
        due_on=today + timedelta(days=30),
    )

    # Then type, owner, dates and status are plain, the texts open with the
    # file's key only, and the database holds no plaintext of them
    assert row.support_type == "education"
    assert row.owner == world.worker2.user
    assert row.owner_organisation == world.team
    assert (row.starts_on, row.status, row.version) == (today, "planned", 1)
    [item] = opened(world, file)
    assert (item.objective, item.action_text, item.overdue) == (
        OBJECTIVE,
        ACTION,
        False,
    )
    assert rows_holding(SupportAction, [OBJECTIVE, ACTION]) == []
    assert rows_holding(AuditEntry, [OBJECTIVE, ACTION]) == []
    assert AuditEntry.objects.filter(action="protection.support_added").count() == 1


def test_another_institution_may_own_an_action_with_one_of_its_people(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    row = support_action_of(
        world,
        file,
        owner_organisation_id=world.dif.pk,
        owner_id=world.dif_worker.user.pk,
    )
    assert (row.owner_organisation, row.owner) == (world.dif, world.dif_worker.user)
    with pytest.raises(InvalidInput) as exc:
        support_action_of(
            world,
            file,
            owner_organisation_id=world.dif.pk,
            owner_id=world.worker.user.pk,
        )
    assert "institución responsable" in reasons(exc)["owner_id"]


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"support_type": "housing"}, "support_type", "Elija un tipo"),
        ({"objective": "  "}, "objective", "obligatorio"),
        ({"objective": "x" * 501}, "objective", "máximo 500"),
        ({"starts_on": date(1999, 5, 1)}, "starts_on", "anterior a 2000"),
        ({"starts_on": "mañana"}, "starts_on", "AAAA-MM-DD"),
        ({"starts_on": date(2099, 1, 1)}, "starts_on", "más de cinco años"),
        (
            {"starts_on": date(2026, 3, 1), "due_on": date(2026, 2, 1)},
            "due_on",
            "anterior al inicio",
        ),
        (
            {"starts_on": date(2026, 3, 1), "due_on": date(2040, 2, 1)},
            "due_on",
            "cinco años del inicio",
        ),
        ({"owner_organisation_id": "nada"}, "owner_organisation_id", "No encontrado"),
        ({"owner_id": "00000000-0000-0000-0000-000000000000"}, "owner_id", ""),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_stored(
    protection_world: ProtectionWorld, fields: dict, field: str, reason: str
) -> None:
    file = victim_file_open(protection_world)
    with pytest.raises(InvalidInput) as exc:
        support_action_of(protection_world, file, **fields)
    assert reason in reasons(exc)[field]
    assert not SupportAction.objects.exists()


def test_editing_needs_the_version_seen_and_the_key_for_the_texts(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    row = support_action_of(world, file)
    key = private_key_of(world.worker.user)

    # When the worker changes the objective only
    services.support_action_update(
        action=row,
        user=world.worker.user,
        version=1,
        user_private_key=key,
        changes={"objective": "Terminar la secundaria abierta"},
    )

    # Then the action keeps its other text and its version moved
    [item] = opened(world, file)
    assert (item.objective, item.action_text) == (
        "Terminar la secundaria abierta",
        ACTION,
    )
    assert item.action.version == 2

    # And a stale version, or a text change without the key, stores nothing
    with pytest.raises(StaleVersion) as stale:
        services.support_action_update(
            action=row,
            user=world.lead.user,
            version=1,
            user_private_key=private_key_of(world.lead.user),
            changes={"support_type": "legal"},
        )
    assert "esta acción del plan" in str(stale.value.message)
    with pytest.raises(KeyLocked):
        services.support_action_update(
            action=row,
            user=world.worker.user,
            version=2,
            changes={"action": "Otra"},
        )
    assert SupportAction.objects.get(pk=row.pk).support_type == "education"
    # Changing plain fields needs no key
    services.support_action_update(
        action=row, user=world.worker.user, version=2, changes={"support_type": "legal"}
    )
    assert SupportAction.objects.get(pk=row.pk).support_type == "legal"


def test_the_status_moves_with_the_day_it_closed(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    user = world.worker.user
    file = victim_file_open(world)
    row = support_action_of(world, file)
    today = timezone.localdate()

    services.support_action_status(action=row, user=user, version=1, status="ongoing")
    with pytest.raises(InvalidInput) as exc:
        services.support_action_status(
            action=row,
            user=user,
            version=2,
            status="done",
            done_on=today + timedelta(days=1),
        )
    assert reasons(exc) == {"done_on": "La fecha no puede estar en el futuro."}
    services.support_action_status(action=row, user=user, version=2, status="done")
    row = SupportAction.objects.get(pk=row.pk)
    assert (row.status, row.done_on) == ("done", today)

    with pytest.raises(InvalidInput) as exc:
        services.support_action_status(
            action=row, user=user, version=3, status="dropped"
        )
    assert "no puede pasar" in reasons(exc)["status"]
    services.support_action_status(action=row, user=user, version=3, status="ongoing")
    row = SupportAction.objects.get(pk=row.pk)
    assert (row.status, row.done_on) == ("ongoing", None)
    assert (
        AuditEntry.objects.filter(action="protection.support_status_changed").count()
        == 3
    )


def test_overdue_actions_are_flagged_on_the_plan_and_the_list(
    protection_world: ProtectionWorld,
) -> None:
    # Given an action due yesterday and another due tomorrow
    world = protection_world
    file = victim_file_open(world)
    today = timezone.localdate()
    late = support_action_of(
        world,
        file,
        starts_on=today - timedelta(days=10),
        due_on=today - timedelta(days=1),
    )
    support_action_of(world, file, due_on=today + timedelta(days=1))

    # Then the late one is overdue, on the plan and on the file list
    assert [a.overdue for a in opened(world, file)] == [True, False]
    [row] = file_list(viewer=world.worker.user, filters=FileFilters())
    assert row.support_overdue is True

    # And once it is done it no longer is
    services.support_action_status(
        action=late, user=world.worker.user, version=1, status="done"
    )
    assert [a.overdue for a in opened(world, file)] == [False, False]
    [row] = file_list(viewer=world.worker.user, filters=FileFilters())
    assert row.support_overdue is False


def test_an_action_is_found_only_under_its_own_file(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    other = victim_file_open(world)
    row = support_action_of(world, file)
    assert support_action_get(file=file, action_id=row.pk) == row
    with pytest.raises(NotFound):
        support_action_get(file=other, action_id=row.pk)


def test_only_the_files_readers_write_its_plan(
    protection_world: ProtectionWorld,
) -> None:
    world = protection_world
    file = victim_file_open(world)
    for member in (world.worker2, world.handler, world.dif_worker):
        with pytest.raises(NotFound):
            services.support_action_add(
                file=file, user=member.user, support_type="health", objective="x"
            )
    # A member who left protection is refused too
    former = staff_member(world.team, "fermin", role="handler")
    with pytest.raises(NotFound):
        services.support_action_add(
            file=file, user=former.user, support_type="health", objective="x"
        )
    assert not SupportAction.objects.exists()
