"""Who may open a victim file: its assigned workers and their leads, nobody else."""

from __future__ import annotations

import pytest

from remedia.core.errors import NotFound, PermissionDenied
from remedia.core.sealed import json_open
from remedia.protection.models import FileKeyGrant
from remedia.protection.selectors.files import file_get_for_user, files_visible_to
from remedia.protection.services.grants import file_key
from tests.support.protection import (
    IDENTITY,
    ProtectionWorld,
    private_key_of,
    victim_file_open,
)

pytestmark = pytest.mark.django_db


def test_the_opener_and_the_lead_read_the_file_and_its_sealed_identity(
    protection_world: ProtectionWorld,
) -> None:
    # Given a file opened by a protection worker
    file = victim_file_open(protection_world, age_at_identification=15)

    # Then the opener and the lead find it and open its identity with their keys
    for member in (protection_world.worker, protection_world.lead):
        found = file_get_for_user(user=member.user, file_id=file.pk)
        private = file_key(
            file=found, user=member.user, user_private_key=private_key_of(member.user)
        )
        assert private is not None
        assert (
            json_open(bytes(found.identity), private_key=private)["given_names"]
            == (IDENTITY["given_names"])
        )
    assert file.number.startswith("EXP-")


@pytest.mark.parametrize("who", ["worker2", "handler", "dif_worker", "outsider"])
def test_everyone_else_gets_the_same_not_found_as_for_a_missing_file(
    protection_world: ProtectionWorld, who: str
) -> None:
    # Given a file of worker's
    file = victim_file_open(protection_world)
    member = getattr(protection_world, who)

    # Then another worker of the team, a handler of the same organisation, the
    # receiving institution and an outsider all get NotFound, and hold no grant
    with pytest.raises(NotFound):
        file_get_for_user(user=member.user, file_id=file.pk)
    assert not files_visible_to(user=member.user).exists()
    assert not FileKeyGrant.objects.filter(file=file, user=member.user).exists()


def test_the_stored_file_holds_no_plaintext_of_the_identity(
    protection_world: ProtectionWorld,
) -> None:
    file = victim_file_open(protection_world)
    stored = bytes(file.identity)
    for value in IDENTITY.values():
        assert value.encode() not in stored


def test_a_handler_cannot_open_a_file(protection_world: ProtectionWorld) -> None:
    with pytest.raises(PermissionDenied):
        victim_file_open(protection_world, by=protection_world.handler)
