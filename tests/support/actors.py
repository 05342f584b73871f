"""Staff as an administrator makes them: organisations with escrow keys, users
with keypairs from their password and an API token."""

from __future__ import annotations

from dataclasses import dataclass

from remedia.accounts import keys
from remedia.accounts import services as accounts
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Sector
from tests.support.factories.accounts import PASSWORD


def organisation_with_escrow(name: str, short_name: str) -> Organisation:
    """An organisation as an administrator sets one up: with its escrow key."""
    organisation = accounts.organisation_create(
        name=name, short_name=short_name, sector=Sector.CIVIL_SOCIETY
    )
    keys.organisation_escrow_issue(organisation=organisation)
    return organisation


@dataclass(frozen=True)
class Staff:
    """A staff member with a keypair and an API token."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def staff_member(
    organisation: Organisation,
    username: str,
    *,
    role: str = "handler",
    decrypting: bool = True,
) -> Staff:
    """A user made the way an administrator makes one (keys from the password).

    `decrypting`: the token carries the user's unlocked private key, as one
    issued by a logged-in user does; otherwise it sees metadata only.
    """
    user = accounts.user_create(
        username=username, password=PASSWORD, organisation=organisation, roles=[role]
    )
    private_key = (
        keys.user_key_unlock(user=user, password=PASSWORD) if decrypting else None
    )
    _token, raw = accounts.token_issue(
        user=user, name="pruebas", private_key=private_key
    )
    return Staff(user=user, token=raw)


def with_email(member: Staff, address: str, *, language: str = "es-mx") -> User:
    """Give a staff member an address (and a language) for the emails they are sent."""
    user = member.user
    user.email = address
    user.language = language
    user.save(update_fields=["email", "language"])
    return user
