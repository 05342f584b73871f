"""Protection's kind of personal data under retention: closed victim files.

A victim file goes with everything about the person: the sealed identity,
its key grants, notes, assignments, consents, support plan, referrals (with
their own keys) and the screenings that opened it (their sealed answers and
keys; a screening points at its file without being deleted with it, so it is
deleted first). A screening that never became a file goes on its own, once
its report and case are gone (kind "screenings"). Protection stores no file
on disk.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_destroy,
    retention_kind_register,
)
from remedia.protection.models import Screening, VictimFile
from remedia.protection.vocabulary import FileStatus

CLOSED = (FileStatus.CLOSED, FileStatus.CLOSED_REFERRED)


def files_destroy(rows: Any) -> Destroyed:
    """Destroy these (expired) victim files and all that hangs off them."""
    with transaction.atomic():
        Screening.objects.filter(file__in=rows.values("pk")).delete()
    destroyed = expired_destroy(
        rows=rows,
        action="victim_file.destroyed",
        files=lambda file: [],
        directory=None,
        audit_data=lambda file, blobs: {"closed_at": file.closed_at},
        organisation=lambda file: file.organisation,
        event="protection.files_destroyed",
    )
    return Destroyed(rows=destroyed)


def screenings_destroy(rows: Any) -> Destroyed:
    """Destroy these screenings (their sealed answers and key grants go with them)."""
    destroyed = expired_destroy(
        rows=rows,
        action="screening.destroyed",
        files=lambda screening: [],
        directory=None,
        audit_data=lambda screening, blobs: {"status": screening.status},
        organisation=lambda screening: screening.organisation,
        event="protection.screenings_destroyed",
    )
    return Destroyed(rows=destroyed)


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="victim_files",
            label=_("Expedientes de víctimas (identidad, notas, canalizaciones)"),
            clock_label=_("el cierre del expediente"),
            rows=lambda: VictimFile.objects.filter(status__in=CLOSED),
            clock="closed_at",
            destroy=files_destroy,
            order=30,
        )
    )
    # A screening that never became a victim file, once the report and the
    # case it came from are destroyed: nothing else will ever take it away.
    retention_kind_register(
        RetentionKind(
            name="screenings",
            label=_("Entrevistas de detección sin expediente"),
            clock_label=_("la creación de la entrevista (sin denuncia ni caso)"),
            rows=lambda: Screening.objects.filter(
                file__isnull=True, report__isnull=True, case__isnull=True
            ),
            clock="created_at",
            destroy=screenings_destroy,
            order=32,
        )
    )
