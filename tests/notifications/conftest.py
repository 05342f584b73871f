from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from remedia.accounts import services as accounts
from remedia.accounts.models import User
from remedia.notifications import registry
from remedia.notifications.registry import Email

KIND = "test_notice"


@dataclass
class TestKind:
    """A kind registered for the test; `holds` says which keys are still news."""

    value: str = KIND
    holds: set[str] = field(default_factory=set)
    composed: list[tuple[Any, str]] = field(default_factory=list)

    def compose(self, user: User, key: str, now: datetime) -> Email | None:
        self.composed.append((user.pk, key))
        if key not in self.holds:
            return None
        return Email(
            "notifications/email/digest",
            {"sections": [], "url": f"/staff/cases/{key}/"},
        )


@pytest.fixture
def test_kind() -> Iterator[TestKind]:
    kind = TestKind()
    registry.kind_register(kind=KIND, label="Aviso de prueba", composer=kind.compose)
    try:
        yield kind
    finally:
        registry._kinds.pop(KIND, None)


def with_email(user: User, address: str, language: str = "es-mx") -> User:
    user.email = address
    user.language = language
    user.save(update_fields=["email", "language"])
    return user


@pytest.fixture
def hilda(handler) -> User:
    return with_email(handler, "hilda@cla.example.org")


@pytest.fixture
def hector(handler_b) -> User:
    return with_email(handler_b, "hector@cop.example.org")


@pytest.fixture
def api_client(client):
    """A client that calls the API with a user's bearer token."""

    def for_user(user: User) -> Any:
        _token, raw = accounts.token_issue(user=user, name="pruebas", private_key=None)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user
