"""Imports and the review queue (staff with FACILITY_WRITE)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, user_can
from remedia.core.errors import NotFound
from remedia.facilities.models import (
    CandidateStatus,
    FacilityImport,
    FacilityMatchCandidate,
)

#
# The registry is shared by every organisation, and so are the lists imported
# into it and the questions they raise: whoever may edit the registry sees every
# import and the whole queue. Anyone else gets "not found".

# Rows of an import's outcome shown on its page, and how long they are kept.
IMPORT_PREVIEW_ROWS = 200
IMPORT_PREVIEW_SECONDS = 24 * 60 * 60


def _require_write(viewer: Any) -> None:
    if not user_can(user=viewer, capability=Capability.FACILITY_WRITE):
        raise NotFound()


def facility_import_get_for_user(*, viewer: Any, import_id: Any) -> FacilityImport:
    _require_write(viewer)
    return get_scoped(FacilityImport.objects.select_related("created_by"), pk=import_id)


def facility_import_recent(*, viewer: Any, limit: int = 10) -> list[FacilityImport]:
    _require_write(viewer)
    return list(
        FacilityImport.objects.select_related("created_by").order_by("-created_at")[
            :limit
        ]
    )


def facility_import_preview_key(import_id: Any) -> str:
    return f"facilities:import:{import_id}:rows"


def facility_import_preview(*, facility_import: FacilityImport) -> list[dict[str, Any]]:
    """What happened (or would) to the first rows, kept a day after the import."""
    rows = cache.get(facility_import_preview_key(facility_import.pk))
    return list(rows) if isinstance(rows, list) else []


def candidate_queue(*, viewer: Any) -> QuerySet[FacilityMatchCandidate]:
    """Pending questions, oldest record first, its candidates best first."""
    _require_write(viewer)
    return (
        FacilityMatchCandidate.objects.filter(status=CandidateStatus.PENDING)
        .select_related("facility", "facility_import")
        .order_by("created_at", "facility_import_id", "row_number", "-score")
    )


def candidate_pending_count(*, viewer: Any) -> int:
    return candidate_queue(viewer=viewer).count()


def candidate_get_for_user(*, viewer: Any, candidate_id: Any) -> FacilityMatchCandidate:
    _require_write(viewer)
    return get_scoped(
        FacilityMatchCandidate.objects.select_related("facility", "facility_import"),
        pk=candidate_id,
    )
