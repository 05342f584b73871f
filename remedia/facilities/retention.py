"""The registry's kind of personal data under retention: kept import files.

A supplier list may name people (owners, contacts). The file of an import is
kept only while the import can be retried (it failed, or stopped); a
finished import's file is deleted at once (`services.imports`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_delete,
    retention_kind_register,
)
from remedia.facilities.models import FacilityImportFile, ImportStatus


def _destroy(rows: Any) -> Destroyed:
    return Destroyed(rows=expired_delete(rows=rows, batch=20))


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="import_files",
            label=_("Archivos de importaciones fallidas del padrón"),
            clock_label=_("el fin de la importación"),
            rows=lambda: FacilityImportFile.objects.filter(
                facility_import__status=ImportStatus.FAILED
            ),
            clock="facility_import__finished_at",
            destroy=_destroy,
            order=90,
        )
    )
