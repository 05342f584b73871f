"""Coordination's kind of personal data under retention: update evidence.

A progress update's evidence (photos of a training, attendance lists) may show
or name people; the update itself (figures, narrative) stays.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.coordination.models import UpdateEvidence
from remedia.coordination.services.updates import evidence_dir
from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_destroy,
    retention_kind_register,
)


def evidence_destroy(rows: Any) -> Destroyed:
    """Destroy these evidence rows and their files (after the commit)."""
    destroyed = expired_destroy(
        rows=rows,
        action="coordination.evidence_destroyed",
        files=lambda evidence: [evidence.blob],
        directory=evidence_dir,
        audit_data=lambda evidence, blobs: {
            "update": str(evidence.update_id),
            "files": len(blobs),
        },
        event="coordination.evidence_destroyed",
    )
    return Destroyed(rows=destroyed, files=destroyed)


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="coordination_evidence",
            label=_("Evidencias de avances de coordinación"),
            clock_label=_("la carga de la evidencia"),
            rows=lambda: UpdateEvidence.objects.all(),
            clock="created_at",
            destroy=evidence_destroy,
            files=lambda rows: rows.count(),
            order=60,
        )
    )
