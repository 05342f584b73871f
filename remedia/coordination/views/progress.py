"""Staff pages of a plan's progress: by sector, group and objective with
charts, the 4W view by state, and the plan as PDF or XLSX."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from remedia.coordination.models import WorkPlan
from remedia.coordination.selectors.progress import (
    NO_STATE,
    plan_for_year,
    plan_fourw,
    plan_report,
    report_charts,
    states_chart,
)
from remedia.coordination.services.exports import export_filename, plan_pdf, plan_xlsx
from remedia.core.errors import ApplicationError, NotFound
from remedia.core.kit import request_user
from remedia.core.pdf import document_language

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan(request: HttpRequest, year: int) -> tuple[Any, WorkPlan]:
    user = request_user(request)
    try:
        return user, plan_for_year(viewer=user, year=year)
    except NotFound:
        raise Http404 from None


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def progress_view(request: HttpRequest, year: int) -> HttpResponse:
    user, plan = _plan(request, year)
    report = plan_report(plan=plan, viewer=user)
    return render(
        request,
        "coordination/progress.html",
        {"plan": plan, "report": report, "charts": report_charts(report)},
    )


@login_required
@require_GET
def fourw_view(request: HttpRequest, year: int) -> HttpResponse:
    user, plan = _plan(request, year)
    state = request.GET.get("estado", "")
    error = ""
    status = 200
    try:
        fourw = plan_fourw(plan=plan, viewer=user, state=state)
    except ApplicationError as exc:
        error = str(exc.reasons[0])
        status = 400
        fourw = plan_fourw(plan=plan, viewer=user)
    return render(
        request,
        "coordination/fourw.html",
        {
            "plan": plan,
            "fourw": fourw,
            "chart": states_chart(fourw),
            "state_error": error,
            "no_state": NO_STATE,
        },
        status=status,
    )


@login_required
@require_GET
@never_cache
def plan_pdf_view(request: HttpRequest, year: int) -> HttpResponse:
    """The plan and its progress as a PDF: ``?lang=es`` (default) or ``en``."""
    user, plan = _plan(request, year)
    try:
        language = document_language(request.GET.get("lang"))
    except ApplicationError as exc:
        return HttpResponse(str(exc.reasons[0]), status=400, content_type="text/plain")
    return _download(
        plan_pdf(user=user, plan=plan, language=language),
        content_type="application/pdf",
        filename=export_filename(plan, suffix="pdf", language=language),
    )


@login_required
@require_GET
@never_cache
def plan_xlsx_view(request: HttpRequest, year: int) -> HttpResponse:
    """The plan and its progress as a workbook (headers in ``?lang=``)."""
    user, plan = _plan(request, year)
    try:
        language = document_language(request.GET.get("lang"))
    except ApplicationError as exc:
        return HttpResponse(str(exc.reasons[0]), status=400, content_type="text/plain")
    return _download(
        plan_xlsx(user=user, plan=plan, language=language),
        content_type=XLSX,
        filename=export_filename(plan, suffix="xlsx"),
    )
