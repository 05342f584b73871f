"""The dashboard's tables as CSV, XLSX (one table or all, a sheet each) and
the whole dashboard as PDF, with the viewer's filters applied. Every export
is audited with the filters it carried (never a figure: they are counts)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from remedia.analytics.selectors import Dashboard, Filters, Table
from remedia.core.audit import audit_record
from remedia.core.pdf import render_pdf
from remedia.core.tables import Cell, Sheet, csv_bytes, xlsx_sheets_bytes


def _cells(table: Table) -> list[list[Cell]]:
    return [[row.label, *row.values] for row in table.rows]


def _audit(*, user: Any, what: str, fmt: str, filters: Filters) -> None:
    audit_record(
        action="analytics.export",
        actor=user,
        object_type="analytics.dashboard",
        data={"table": what, "format": fmt, "filters": filters.as_query()},
    )


def table_csv(*, user: Any, table: Table, filters: Filters) -> bytes:
    _audit(user=user, what=table.key, fmt="csv", filters=filters)
    return csv_bytes(header=table.columns, rows=_cells(table))


def tables_xlsx(
    *, user: Any, tables: list[Table], filters: Filters, what: str
) -> bytes:
    _audit(user=user, what=what, fmt="xlsx", filters=filters)
    return xlsx_sheets_bytes(
        Sheet(title=t.title, header=t.columns, rows=_cells(t)) for t in tables
    )


def dashboard_pdf(
    *,
    user: Any,
    board: Dashboard,
    filters: Filters,
    filter_labels: list[tuple[str, str]],
    language: str,
) -> bytes:
    _audit(user=user, what="dashboard", fmt="pdf", filters=filters)
    return render_pdf(
        "analytics/dashboard_pdf.html",
        {
            "board": board,
            "filter_labels": filter_labels,
            "printed_at": timezone.now(),
            "language": language,
        },
        language=language,
        identifier="remedia-cifras",
    )


def filename(stem: str, suffix: str) -> str:
    return f"{_('cifras')}-{stem}-{timezone.localdate():%Y%m%d}.{suffix}"
