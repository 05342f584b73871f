"""Writes to the RRM record: importing a file of it, seeding it, linking facilities."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from remedia.core.audit import audit_record
from remedia.core.errors import ApplicationError
from remedia.facilities.models import Facility
from remedia.rrm import importing
from remedia.rrm.models import RrmCase, RrmCaseOrigin

logger = logging.getLogger(__name__)

SHIPPED_RECORD = Path(__file__).parent / "data" / "rrm-cases.csv"


class RecordRejected(ApplicationError):
    """A record file with at least one bad row: nothing of it was stored."""

    status_code = 422

    def __init__(self, errors: list[importing.RowError]) -> None:
        super().__init__(
            _("El archivo tiene errores; no se importó nada."),
            extra={
                "errors": [
                    {"row": e.row, "field": e.field, "reason": e.reason} for e in errors
                ]
            },
        )
        self.errors = errors


@dataclass(frozen=True)
class FieldChange:
    """``field`` is the record's column name, values as the report prints them."""

    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


@dataclass
class RecordImportResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
        }


def rrm_record_import(
    *, data: bytes, dry_run: bool = False, actor: Any = None
) -> RecordImportResult:
    """Create the file's new cases and update the changed ones, by case_id.

    All or nothing: a file with any bad row raises ``RecordRejected`` with every
    error and stores nothing. Cases missing from the file are left as they are
    (a file may cover part of the record), and so are the fields the file has
    no column for (the facility link, whether the case is public).
    """
    parsed = importing.record_parse(data)
    if parsed.errors:
        raise RecordRejected(parsed.errors)
    result = RecordImportResult(dry_run=dry_run)
    with transaction.atomic():
        existing = {
            case.slug: case
            for case in RrmCase.objects.select_for_update().filter(
                slug__in=[row.slug for row in parsed.rows]
            )
        }
        for row in parsed.rows:
            case = existing.get(row.slug)
            if case is None:
                result.created.append(row.slug)
                if not dry_run:
                    case = RrmCase(origin=RrmCaseOrigin.PUBLIC_RECORD, **row.values)
                    case.full_clean()
                    case.save()
                continue
            changes = [
                FieldChange(
                    field=importing.COLUMN_OF.get(name, name),
                    old=importing.display(getattr(case, name)),
                    new=importing.display(value),
                )
                for name, value in row.values.items()
                if getattr(case, name) != value
            ]
            if not changes:
                result.unchanged.append(row.slug)
                continue
            result.updated[row.slug] = changes
            if not dry_run:
                changed = [n for n, v in row.values.items() if getattr(case, n) != v]
                for name in changed:
                    setattr(case, name, row.values[name])
                case.full_clean(validate_unique=False)
                case.save(update_fields=[*changed, "updated_at"])
        if not dry_run:
            audit_record(
                action="rrm.imported",
                actor=actor,
                object_type="rrm.rrmcase",
                data=result.counts(),
            )
    logger.info(
        "rrm.imported",
        extra={f"{key}_count": n for key, n in result.counts().items()}
        | {"dry_run": dry_run},
    )
    return result


def rrm_record_seed(
    *, facility_links: Mapping[str, str] | None = None
) -> RecordImportResult | None:
    """Load the shipped record once, and link cases to registry facilities.

    Only when no case of the public record exists yet: a later run must not
    undo a newer file someone imported. ``facility_links`` maps a case_id to a
    facility's ``external_id``; a case already linked keeps its facility.
    """
    result = None
    with transaction.atomic():
        if not RrmCase.objects.filter(origin=RrmCaseOrigin.PUBLIC_RECORD).exists():
            result = rrm_record_import(data=SHIPPED_RECORD.read_bytes())
        for slug, external_id in (facility_links or {}).items():
            case = RrmCase.objects.filter(slug=slug, facility__isnull=True).first()
            facility = Facility.objects.filter(external_id=external_id).first()
            if case is not None and facility is not None:
                rrm_case_facility_link(case=case, facility=facility)
    return result


@transaction.atomic
def rrm_case_facility_link(
    *, case: RrmCase, facility: Facility | None, actor: Any = None
) -> RrmCase:
    """Say which registry facility a case is about (or none)."""
    case.facility = facility
    case.full_clean(validate_unique=False)
    case.save(update_fields=["facility", "updated_at"])
    audit_record(
        action="rrm.facility_linked",
        actor=actor,
        obj=case,
        data={"facility": str(facility.pk) if facility else None},
    )
    return case
