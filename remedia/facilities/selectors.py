"""Reads of the facility registry."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from remedia.accounts.selectors import get_scoped
from remedia.facilities.models import Facility, FacilityStatus
from remedia.facilities.normalise import name_tokens


def facility_search(
    *, q: str, state: str | None = None, limit: int = 20
) -> list[Facility]:
    """Facilities whose name holds every significant word typed, best first.

    Words are compared in normalised form (accents, case, legal forms, common
    abbreviations), so "ind del interior sa de cv" finds "Industrias del
    Interior, S.A. de C.V.". Issue 4 adds typo tolerance and scale.
    """
    tokens = name_tokens(q)[:6]
    if not tokens:
        return []
    qs = Facility.objects.exclude(status=FacilityStatus.MERGED)
    if state:
        qs = qs.filter(state=state)
    condition = Q()
    for token in tokens:
        condition &= Q(name_key__contains=token)
    found = list(
        qs.filter(condition).only(
            "id", "public_id", "name", "municipality", "state", "name_key"
        )[:200]
    )
    wanted = " ".join(tokens)
    found.sort(
        key=lambda f: (not f.name_key.startswith(wanted), len(f.name_key), f.name)
    )
    return found[:limit]


def facility_get(*, facility_id: Any) -> Facility:
    return get_scoped(Facility.objects.all(), pk=facility_id)


def facility_list() -> QuerySet[Facility]:
    return Facility.objects.all()
