"""Retention: destroying cases closed longer ago than the intake's period."""

from __future__ import annotations

from datetime import datetime

from remedia.cases import selectors
from remedia.cases.models import (
    Case,
    CaseStatus,
)
from remedia.cases.services.documents import document_dir
from remedia.core.retention import expired_destroy
from remedia.intake import services as intake


def cases_destroy_expired(*, now: datetime | None = None) -> int:
    """Destroy cases closed longer ago than the intake's retention period.

    The same period as reports: a case outliving its reports would keep notes
    about them. Rows go with their sealed keys, notes, tasks, timeline and
    check-ins; document files are unlinked after the commit.
    """
    destroyed = expired_destroy(
        rows=Case.objects.filter(
            status=CaseStatus.CLOSED, closed_at__lt=intake.retention_cutoff(now=now)
        ),
        action="case.destroyed",
        files=lambda case: list(case.documents.values_list("blob", flat=True)),
        directory=document_dir,
        audit_data=lambda case, blobs: {
            "closed_at": case.closed_at,
            "documents": len(blobs),
        },
        organisation=lambda case: case.organisation,
        event="cases.destroyed",
    )
    if destroyed:
        selectors.cases_changed()
    return destroyed
