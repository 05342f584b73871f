"""Which sealed copies of an object's private key are missing, and making them.

Reports and cases each have a keypair; the private half is sealed to every
entitled staff member's public key and to the owning organisation's escrow key.
Apps keep those sealed copies in their own grant tables; this module decides,
without a database, which copies to add and which are dead (sealed to a key the
user no longer has, after a password reset).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from remedia.core import crypto


@dataclass
class GrantPlan:
    # (user id, recipient public key, sealed private key)
    users: list[tuple[Any, bytes, bytes]] = field(default_factory=list)
    # (organisation id, escrow public key, sealed private key)
    organisations: list[tuple[Any, bytes, bytes]] = field(default_factory=list)
    # Users whose existing grant is sealed to a key they no longer hold.
    replaced: list[Any] = field(default_factory=list)


def grant_plan(
    *,
    private: bytes,
    existing: Iterable[tuple[Any, Any, Any]],
    user_keys: dict[Any, bytes],
    escrow_keys: dict[Any, bytes],
) -> GrantPlan:
    """`existing` is (user id or None, organisation id or None, public key) rows."""
    have_users: dict[Any, bytes] = {}
    have_orgs: set[Any] = set()
    for user_id, org_id, public in existing:
        if user_id is not None:
            have_users[user_id] = bytes(public)
        else:
            have_orgs.add(org_id)
    plan = GrantPlan()
    plan.replaced = [
        u
        for u, public in have_users.items()
        if u in user_keys and user_keys[u] != public
    ]
    plan.users = [
        (user_id, public, crypto.seal(private, public_key=public))
        for user_id, public in user_keys.items()
        if have_users.get(user_id) != public
    ]
    plan.organisations = [
        (org_id, public, crypto.seal(private, public_key=public))
        for org_id, public in escrow_keys.items()
        if org_id not in have_orgs
    ]
    return plan
