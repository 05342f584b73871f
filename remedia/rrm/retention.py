"""The RRM's kind of personal data under retention: petition documents.

A petition and its annexes (releases, lists of workers) may name people; the
case record itself (dates, stages, ending) is the public record and stays.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_destroy,
    retention_kind_register,
)
from remedia.rrm.models import RrmDocument
from remedia.rrm.services import rrm_document_dir


def documents_destroy(rows: Any) -> Destroyed:
    """Destroy these documents and their files (after the commit)."""
    destroyed = expired_destroy(
        rows=rows.select_related("case"),
        action="rrm.document_destroyed",
        files=lambda document: [document.blob],
        directory=rrm_document_dir,
        audit_data=lambda document, blobs: {
            "case": str(document.case_id),
            "files": len(blobs),
        },
        organisation=lambda document: document.case.organisation,
        event="rrm.documents_destroyed",
    )
    return Destroyed(rows=destroyed, files=destroyed)


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="rrm_documents",
            label=_("Documentos de peticiones del Mecanismo"),
            clock_label=_("el cierre del caso del Mecanismo"),
            rows=lambda: RrmDocument.objects.filter(case__closed_on__isnull=False),
            clock="case__closed_on",
            date_clock=True,
            destroy=documents_destroy,
            files=lambda rows: rows.count(),
            order=35,
        )
    )
