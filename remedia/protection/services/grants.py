"""The file key: sealed to the file's readers and the escrow, opened by a grant."""

from __future__ import annotations

from typing import Any

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.core.sealed import grant_open, grant_seal
from remedia.protection.models import FileKeyGrant, VictimFile
from remedia.protection.selectors.files import file_reader_ids


def file_grants_sync(
    *, file: VictimFile, file_private: bytes, fresh: bool = False
) -> int:
    """Seal the file key to every current reader lacking a grant, and drop the
    grants of anyone who may no longer read it (unassigned, left the team).

    Only someone holding the file key can add grants; removing needs no key,
    so `file_grants_prune` runs on every unassignment even without it.
    """
    readers = file_reader_ids(file=file)
    file_grants_prune(file=file, readers=readers)
    org_ids = {file.organisation_id}
    user_keys = keys.user_public_keys(user_ids=readers)
    return grant_seal(
        model=FileKeyGrant,
        owner={"file": file},
        private=file_private,
        user_keys=user_keys,
        escrow_keys=keys.escrow_public_keys(organisation_ids=org_ids),
        fresh=fresh,
    )


def file_grants_prune(*, file: VictimFile, readers: set[Any] | None = None) -> int:
    """Delete the user grants of people who may no longer read the file."""
    if readers is None:
        readers = file_reader_ids(file=file)
    deleted, _ = (
        FileKeyGrant.objects.filter(file=file, user__isnull=False)
        .exclude(user_id__in=readers)
        .delete()
    )
    return deleted


def file_key(
    *, file: VictimFile, user: User, user_private_key: bytes | None
) -> bytes | None:
    """The file's private key through the user's grant, or None if locked."""
    return grant_open(
        model=FileKeyGrant,
        owner={"file": file},
        user=user,
        user_private_key=user_private_key,
    )
