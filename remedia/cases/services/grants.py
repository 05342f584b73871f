"""The case key: sealed to every handler of the organisation, opened through one's grant."""

from __future__ import annotations

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability, roles_with
from remedia.cases.models import (
    Case,
    CaseKeyGrant,
)
from remedia.core.sealed import (
    grant_open,
    grant_seal,
)


def _grant(*, case: Case, case_private: bytes, fresh: bool = False) -> int:
    """Seal the case key to every handler of its organisation lacking a grant."""
    org_ids = {case.organisation_id}
    return grant_seal(
        model=CaseKeyGrant,
        owner={"case": case},
        private=case_private,
        user_keys=keys.member_public_keys(
            organisation_ids=org_ids, roles=roles_with(Capability.CASE_READ)
        ),
        escrow_keys=keys.escrow_public_keys(organisation_ids=org_ids),
        fresh=fresh,
    )


def case_key(*, case: Case, user: User, user_private_key: bytes | None) -> bytes | None:
    """The case's private key through the user's grant, or None if locked."""
    return grant_open(
        model=CaseKeyGrant,
        owner={"case": case},
        user=user,
        user_private_key=user_private_key,
    )
