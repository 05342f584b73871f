"""Facilities merged in the registry: their cases follow."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from remedia.cases import selectors
from remedia.cases.models import (
    Case,
)
from remedia.facilities.models import Facility


def cases_facility_repoint(*, source: Facility, target: Facility) -> int:
    """Cases about `source` are about `target` now (called inside the merge)."""
    moved = Case.objects.filter(facility=source).update(
        facility=target, updated_at=timezone.now()
    )
    if moved:
        transaction.on_commit(selectors.cases_changed)
    return moved
