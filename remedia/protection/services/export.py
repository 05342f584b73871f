"""The de-identified export: who may make it, its parameters, the file, the audit.

A protection lead exports the files of the organisations they supervise that
hold an active consent for de-identified reporting (`selectors.export`), as
k-anonymous rows of HTCDS / CTDC columns (`deidentify`), in CSV or XLSX with
formula-neutralised cells (`core.tables`). Consent is required and cannot be
overridden here. Every export, and every preview of its counts, is audited
with its parameters and counts, never its rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.core.tables import csv_bytes, xlsx_bytes
from remedia.protection.deidentify import (
    COLUMNS,
    Anonymised,
    export_row,
    k_anonymise,
    k_check,
)
from remedia.protection.selectors.export import (
    ExportFilters,
    export_facts,
    export_files,
    export_organisations,
)
from remedia.protection.vocabulary import TraffickingStatus

# Files are identified from this year on; an earlier year is a typing error.
MIN_YEAR = 1990


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("XLSX (Excel)")


CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.XLSX: (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
}


@dataclass(frozen=True)
class ExportParams:
    k: int
    filters: ExportFilters
    file_format: str


@dataclass(frozen=True)
class ExportSummary:
    """What an export holds, in counts: the page and the audit show these."""

    k: int
    files: int
    rows: int
    suppressed: int
    classes: int


@dataclass(frozen=True)
class Export:
    summary: ExportSummary
    content: bytes
    content_type: str
    filename: str


def _year(value: Any, *, field: str, errors: list[dict[str, Any]]) -> int | None:
    if value is None or value == "":
        return None
    high = timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = None
    if year is None or isinstance(value, bool) or not MIN_YEAR <= year <= high:
        errors.append(
            {
                "field": field,
                "reason": _("Escriba un año entre %(low)s y %(high)s.")
                % {"low": MIN_YEAR, "high": high},
            }
        )
        return None
    return year


def export_params(
    *,
    k: Any,
    year_from: Any = None,
    year_to: Any = None,
    trafficking_status: Any = "",
    file_format: Any = ExportFormat.CSV,
) -> ExportParams:
    """The export's parameters checked, every problem at once (`InvalidInput`)."""
    errors: list[dict[str, Any]] = []
    try:
        k = k_check(k)
    except InvalidInput as exc:
        errors.extend(exc.errors)
    low = _year(year_from, field="year_from", errors=errors)
    high = _year(year_to, field="year_to", errors=errors)
    if low is not None and high is not None and low > high:
        errors.append(
            {
                "field": "year_to",
                "reason": _("El año final no puede ser anterior al inicial."),
            }
        )
    status = trafficking_status or ""
    if status not in TraffickingStatus.values and status != "":
        errors.append(
            {"field": "trafficking_status", "reason": _("Situación desconocida.")}
        )
    if file_format not in ExportFormat.values:
        errors.append({"field": "format", "reason": _("Elija CSV o XLSX.")})
    if errors:
        raise InvalidInput(errors)
    return ExportParams(
        k=k,
        filters=ExportFilters(year_from=low, year_to=high, trafficking_status=status),
        file_format=str(file_format),
    )


def export_require(*, user: Any) -> set[Any]:
    """The organisations `user` exports from; only protection leads may."""
    organisations = export_organisations(user=user)
    if not organisations:
        raise PermissionDenied(
            _("Solo la supervisión de protección puede exportar expedientes.")
        )
    return organisations


def _audited(
    *, user: User, action: str, raw: dict[str, Any]
) -> tuple[ExportParams, Anonymised]:
    """Check who and what, anonymise the files, and audit: the counts, the k
    and the filters in each organisation whose files were read, never a row."""
    organisations = export_require(user=user)
    params = export_params(**raw)
    facts = export_facts(files=export_files(user=user, filters=params.filters))
    result = k_anonymise((export_row(f) for _o, f in facts), k=params.k)
    read = Counter(organisation_id for organisation_id, _f in facts)
    for organisation in Organisation.objects.filter(pk__in=organisations):
        audit_record(
            action=action,
            actor=user,
            organisation=organisation,
            object_type="protection.export",
            data={
                "format": params.file_format,
                "k": params.k,
                "filters": params.filters.as_data(),
                "files": len(facts),
                "organisation_files": read[organisation.pk],
                "rows": len(result.rows),
                "suppressed": result.suppressed,
            },
        )
    return params, result


def _summary(result: Anonymised, *, k: int) -> ExportSummary:
    return ExportSummary(
        k=k,
        files=len(result.rows) + result.suppressed,
        rows=len(result.rows),
        suppressed=result.suppressed,
        classes=result.classes,
    )


@transaction.atomic
def export_preview(*, user: User, **raw: Any) -> ExportSummary:
    """The counts an export with these parameters would give; audited.

    `raw` holds `k`, `year_from`, `year_to`, `trafficking_status` and
    `file_format` as a form or a query string gives them.
    """
    params, result = _audited(user=user, action="protection.export_previewed", raw=raw)
    return _summary(result, k=params.k)


@transaction.atomic
def export_make(*, user: User, **raw: Any) -> Export:
    """The de-identified export file (parameters as `export_preview`); audited."""
    params, result = _audited(user=user, action="protection.exported", raw=raw)
    if params.file_format == ExportFormat.XLSX:
        content = xlsx_bytes(header=COLUMNS, rows=result.rows, title="HTCDS")
    else:
        content = csv_bytes(header=COLUMNS, rows=result.rows)
    return Export(
        summary=_summary(result, k=params.k),
        content=content,
        content_type=CONTENT_TYPES[ExportFormat(params.file_format)],
        filename=f"remedia-htcds-k{params.k}.{params.file_format}",
    )
