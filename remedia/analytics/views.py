"""The staff dashboard at /staff/cifras/: figures, charts, exports, PDF.

Readers hold ANALYTICS_READ in some organisation and see only their
organisations' figures (and, among them, the one they choose). Filters come
from a GET form; a bad one answers 400 with its message, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from remedia.accounts.permissions import Capability
from remedia.analytics import exports, selectors
from remedia.analytics.forms import FIELDS, DashboardFilterForm
from remedia.analytics.selectors import Dashboard, Filters, Table
from remedia.core.charts import (
    Bar,
    Chart,
    Part,
    ShareRow,
    bar_chart,
    line_chart,
    share_chart,
)
from remedia.core.errors import ApplicationError
from remedia.core.kit import capability_require, request_user
from remedia.core.maps import state_map
from remedia.core.pdf import document_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def chart_of(table: Table) -> Chart:
    """The drawing of a table: the map of Mexico for states (the row key ""
    is the unknown-state count), lines for months, stacked shares for the
    duration buckets, bars for the rest."""
    if table.chart == "map":
        counts = [
            (r.key, r.values[0])
            for r in table.rows
            if isinstance(r.values[0], int | float)
        ]
        return state_map(
            {key: value for key, value in counts if key},
            unknown=sum(value for key, value in counts if not key),
            key=table.key,
            title=table.title,
            description=table.description,
            state_heading=table.columns[0],
            value_heading=table.columns[1],
        )
    if table.chart == "line":
        return line_chart(
            key=table.key,
            title=table.title,
            description=table.description,
            points=[
                (r.label, r.values[0])
                for r in table.rows
                if isinstance(r.values[0], int | float)
            ],
            label_heading=table.columns[0],
            value_heading=table.columns[1],
        )
    if table.chart == "share":
        parts = [Part(key=str(i), label=c) for i, c in enumerate(table.columns[1:])]
        # One stacked bar per clock, its parts the buckets.
        return share_chart(
            key=table.key,
            title=table.title,
            description=table.description,
            parts=[Part(key=r.key, label=r.label) for r in table.rows],
            rows=[
                ShareRow(
                    label=p.label,
                    values={r.key: r.values[int(p.key)] or 0 for r in table.rows},  # type: ignore[misc]
                )
                for p in parts
            ],
            label_heading=table.columns[0],
        )
    return bar_chart(
        key=table.key,
        title=table.title,
        description=table.description,
        bars=[
            Bar(label=r.label, value=r.values[0])
            for r in table.rows
            if isinstance(r.values[0], int | float)
        ],
        label_heading=table.columns[0],
        value_heading=table.columns[1],
    )


def _form(request: HttpRequest) -> DashboardFilterForm:
    user = request_user(request)
    organisations = selectors.analytics_organisations(viewer=user)
    return DashboardFilterForm(
        request.GET if any(request.GET.get(f) for f in FIELDS) else None,
        organisations=[(str(o.pk), o.name) for o in organisations],
        facilities=selectors.facility_choices(organisations=organisations),
    )


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, Filters | None]:
    """The form and its filters; None when the filters are wrong."""
    capability_require(request, Capability.ANALYTICS_READ)
    form = _form(request)
    if not form.is_bound:
        return form, Filters()
    if not form.is_valid():
        return form, None
    return form, form.filters()


def _labels(form: DashboardFilterForm) -> list[tuple[str, str]]:
    """What each chosen filter reads as (for the PDF)."""
    shown = []
    for name in FIELDS:
        value = form.cleaned_data.get(name) if form.is_bound else None
        if not value:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", []) or [])
        shown.append((str(field.label), str(choices.get(value, value))))
    return shown


def _refused(form: DashboardFilterForm) -> HttpResponse:
    messages = [str(m) for errors in form.errors.values() for m in errors]
    return HttpResponse(
        "\n".join(messages), status=400, content_type="text/plain; charset=utf-8"
    )


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    board: Dashboard | None = None
    if filters is not None:
        board = selectors.dashboard(viewer=request_user(request), filters=filters)
    query = request.GET.urlencode() if filters is not None else ""
    return render(
        request,
        "analytics/dashboard.html",
        {
            "form": form,
            "board": board,
            "figures": [(t, chart_of(t)) for t in board.tables] if board else [],
            "query": query,
            "as_of": board.as_of if board else None,
        },
        status=200 if board is not None else 400,
    )


def _table(board: Dashboard, key: str) -> Table:
    table = board.table(key)
    if table is None:
        raise Http404
    return table


@never_cache
@login_required
@require_GET
def table_export_view(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table of the dashboard as CSV or XLSX, with the filters applied."""
    form, filters = _filters(request)
    if filters is None:
        return _refused(form)
    user = request_user(request)
    found = _table(selectors.dashboard(viewer=user, filters=filters), table)
    if fmt == "csv":
        return _download(
            exports.table_csv(user=user, table=found, filters=filters),
            content_type=CSV,
            filename=exports.filename(found.key, "csv"),
        )
    return _download(
        exports.tables_xlsx(user=user, tables=[found], filters=filters, what=found.key),
        content_type=XLSX,
        filename=exports.filename(found.key, "xlsx"),
    )


@never_cache
@login_required
@require_GET
def workbook_view(request: HttpRequest) -> HttpResponse:
    """Every table of the dashboard, a sheet each."""
    form, filters = _filters(request)
    if filters is None:
        return _refused(form)
    user = request_user(request)
    board = selectors.dashboard(viewer=user, filters=filters)
    return _download(
        exports.tables_xlsx(
            user=user, tables=board.tables, filters=filters, what="all"
        ),
        content_type=XLSX,
        filename=exports.filename("todo", "xlsx"),
    )


@never_cache
@login_required
@require_GET
def pdf_view(request: HttpRequest) -> HttpResponse:
    """The dashboard as a PDF, ``?lang=es`` (default) or ``en``."""
    form, filters = _filters(request)
    if filters is None:
        return _refused(form)
    try:
        language = document_language(request.GET.get("lang"))
    except ApplicationError as exc:
        return HttpResponse(str(exc.reasons[0]), status=400, content_type="text/plain")
    user = request_user(request)
    board = selectors.dashboard(viewer=user, filters=filters)
    content: Any = exports.dashboard_pdf(
        user=user,
        board=board,
        filters=filters,
        filter_labels=_labels(form),
        language=language,
    )
    return _download(
        content,
        content_type="application/pdf",
        filename=exports.filename("tablero", "pdf"),
    )
