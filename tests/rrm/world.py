"""A staff petition for the tests, and the database-backed cache reset
(the package conftest's own is database-free for the pure engine tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache

from remedia.rrm import services
from remedia.rrm.models import RrmCase
from tests.support.actors import Staff

INISA_FACTS = "Despidos de trabajadoras que apoyaban al sindicato independiente."


@pytest.fixture(autouse=True)
def _clear_cache(db: None) -> None:
    cache.clear()


def petition(analyst: Staff, **overrides: Any) -> RrmCase:
    fields: dict[str, Any] = {
        "facility_name": "Industrial Textil de Aguascalientes",
        "state_code": "MX-AGU",
        "petitioners": "Frente Auténtico del Trabajo",
        "facts_alleged": INISA_FACTS,
        "laws_concerned": "LFT art. 133",
        "petition_received_on": dt.date(2023, 5, 12),
        **overrides,
    }
    return services.petition_create(user=analyst.user, **fields)
