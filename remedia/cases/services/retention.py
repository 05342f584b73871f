"""Retention: destroying cases closed longer ago than their period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from remedia.cases import selectors
from remedia.cases.models import (
    Case,
    CaseDocument,
    CaseStatus,
)
from remedia.cases.services.documents import document_dir
from remedia.core.retention import Destroyed, expired_destroy
from remedia.intake import services as intake


def case_retention_days() -> int | None:
    """Days a closed case is kept: ``REMEDIA_RETENTION_CASES_DAYS`` when set,
    else the reports' period (a case outliving its reports would keep notes
    about them); None when kept."""
    value = settings.REMEDIA_RETENTION.get("cases")
    if value == "never":
        return None
    if value is not None:
        return int(value)
    return intake.report_retention_days()


def cases_destroy_expired(*, now: datetime | None = None) -> int:
    """Destroy cases closed longer ago than their retention period."""
    days = case_retention_days()
    if days is None:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return cases_destroy(
        Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff)
    ).rows


def cases_destroy(rows: Any) -> Destroyed:
    """Destroy these (expired) cases; the retention kind "cases".

    Rows go with their sealed keys, notes, tasks, timeline and check-ins;
    document files are unlinked after the commit.
    """
    files = CaseDocument.objects.filter(case__in=rows).count()
    destroyed = expired_destroy(
        rows=rows,
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
    return Destroyed(rows=destroyed, files=files if destroyed else 0)
