from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.factories import OrganisationFactory, member, totp_device


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    # Throttle counters live in the shared cache; each test starts with none.
    cache.clear()


@pytest.fixture
def org_a():
    return OrganisationFactory(name="Centro Laboral Aguascalientes")


@pytest.fixture
def org_b():
    return OrganisationFactory(name="Colectivo Obrero Puebla")


@pytest.fixture
def handler(org_a):
    """A case handler of organisation A, with a confirmed TOTP device."""
    user = member("handler", org_a, username="hilda")
    totp_device(user)
    return user


@pytest.fixture
def handler_b(org_b):
    user = member("handler", org_b, username="hector")
    totp_device(user)
    return user
