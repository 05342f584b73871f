"""`/api/v1/coordination/plans/{year}/…`: a plan's progress, its 4W view and
its documents (PDF, XLSX). Approved updates only, as on the pages."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from remedia.coordination.models import WorkPlan
from remedia.coordination.selectors.plan import Progress
from remedia.coordination.selectors.progress import (
    FourW,
    IndicatorFigure,
    PlanReport,
    ProgressRow,
    plan_for_year,
    plan_fourw,
    plan_report,
    share_parts,
)
from remedia.coordination.services.exports import export_filename, plan_pdf, plan_xlsx
from remedia.core.kit import request_user
from remedia.core.pdf import document_language
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (progress)"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CountsOut(AnswerSchema):
    label: str
    total: int
    done: int
    on_time: int
    late: int
    ongoing: int
    overdue: int
    dropped: int
    share_done: int
    share_on_time: int


class PeriodOut(AnswerSchema):
    id: uuid.UUID
    starts_on: date
    ends_on: date
    target: Decimal | None
    actual: Decimal | None
    percent_of_target: int | None
    approved_updates: int


class IndicatorOut(AnswerSchema):
    id: uuid.UUID
    name: str
    kind: str
    unit: str
    action_id: uuid.UUID
    action: str
    baseline_value: Decimal | None
    target: Decimal | None
    actual: Decimal | None
    percent_of_target: int | None
    approved_narratives: int
    periods: list[PeriodOut]


class ProgressReportOut(AnswerSchema):
    year: int
    title: str
    today: date
    total: CountsOut
    by_sector: list[CountsOut]
    by_group: list[CountsOut]
    by_objective: list[CountsOut]
    indicators: list[IndicatorOut]


class FourWRowOut(AnswerSchema):
    action_id: uuid.UUID
    what: str
    sector: str
    who: str
    partners: list[str]
    state: str
    state_name: str
    municipality: str
    starts_on: date
    due_on: date
    status: str
    overdue: bool


class FourWStateOut(AnswerSchema):
    state: str
    state_name: str
    actions: int
    organisations: int
    by_status: dict[str, int]
    rows: list[FourWRowOut]


class FourWOut(AnswerSchema):
    year: int
    state: str
    states: list[FourWStateOut]


def _counts(label: str, p: Progress) -> dict[str, Any]:
    parts = share_parts(p)
    return {
        "label": label,
        "total": p.total,
        "done": p.done,
        "on_time": p.on_time,
        "late": parts["late"],
        "ongoing": parts["ongoing"],
        "overdue": p.overdue,
        "dropped": p.dropped,
        "share_done": p.share_done,
        "share_on_time": p.share_on_time,
    }


def _rows(rows: list[ProgressRow]) -> list[dict[str, Any]]:
    return [_counts(r.label, r.progress) for r in rows]


def _indicator(f: IndicatorFigure) -> dict[str, Any]:
    return {
        "id": f.indicator.pk,
        "name": f.indicator.name,
        "kind": f.indicator.kind,
        "unit": f.indicator.unit,
        "action_id": f.action.pk,
        "action": f.action.title,
        "baseline_value": f.indicator.baseline_value,
        "target": f.target,
        "actual": f.actual,
        "percent_of_target": f.percent,
        "approved_narratives": f.narratives,
        "periods": [
            {
                "id": p.period.pk,
                "starts_on": p.period.starts_on,
                "ends_on": p.period.ends_on,
                "target": p.target,
                "actual": p.actual,
                "percent_of_target": p.percent,
                "approved_updates": p.approved,
            }
            for p in f.periods
        ],
    }


def report_out(report: PlanReport) -> dict[str, Any]:
    return {
        "year": report.plan.year,
        "title": report.plan.title,
        "today": report.today,
        "total": _counts(report.plan.title, report.total),
        "by_sector": _rows(report.by_sector),
        "by_group": _rows(report.by_group),
        "by_objective": _rows(report.by_objective),
        "indicators": [
            _indicator(f) for f in [*report.quantitative, *report.qualitative]
        ],
    }


def fourw_out(plan: WorkPlan, fourw: FourW) -> dict[str, Any]:
    return {
        "year": plan.year,
        "state": fourw.selected,
        "states": [
            {
                "state": s.state,
                "state_name": s.state_name,
                "actions": len(s.rows),
                "organisations": s.organisations,
                "by_status": s.by_status,
                "rows": [
                    {
                        "action_id": r.action.pk,
                        "what": r.action.title,
                        "sector": r.action.sector,
                        "who": r.who,
                        "partners": r.partners,
                        "state": r.state,
                        "state_name": r.state_name,
                        "municipality": r.municipality,
                        "starts_on": r.action.starts_on,
                        "due_on": r.action.due_on,
                        "status": r.action.status,
                        "overdue": r.overdue,
                    }
                    for r in s.rows
                ],
            }
            for s in fourw.states
        ],
    }


def _plan(request: HttpRequest, year: int) -> tuple[Any, WorkPlan]:
    user = request_user(request)
    return user, plan_for_year(viewer=user, year=year)


@router.get(
    "/plans/{year}/progress",
    response=ProgressReportOut,
    summary="A year's plan: actions by sector, group and objective; indicators "
    "against targets (approved updates only)",
)
def plan_progress_report(request: HttpRequest, year: int) -> dict[str, Any]:
    user, plan = _plan(request, year)
    return report_out(plan_report(plan=plan, viewer=user))


@router.get(
    "/plans/{year}/4w",
    response=FourWOut,
    summary="Who does what where and when, by state (state=MX-PUE, or - for "
    "actions without a state)",
)
def plan_fourw_view(request: HttpRequest, year: int, state: str = "") -> dict[str, Any]:
    user, plan = _plan(request, year)
    return fourw_out(plan, plan_fourw(plan=plan, viewer=user, state=state))


def _download(content: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/plans/{year}/plan.pdf",
    response={200: None},
    summary="The plan and its progress as a PDF (lang=es|en); audited",
)
def plan_pdf_download(
    request: HttpRequest, year: int, lang: str = "es"
) -> HttpResponse:
    user, plan = _plan(request, year)
    language = document_language(lang)
    return _download(
        plan_pdf(user=user, plan=plan, language=language),
        content_type="application/pdf",
        filename=export_filename(plan, suffix="pdf", language=language),
    )


@router.get(
    "/plans/{year}/plan.xlsx",
    response={200: None},
    summary="The plan and its progress as a workbook: Acciones, Indicadores, "
    "Avance, 4W (lang=es|en for the headers); audited",
)
def plan_xlsx_download(
    request: HttpRequest, year: int, lang: str = "es"
) -> HttpResponse:
    user, plan = _plan(request, year)
    language = document_language(lang)
    return _download(
        plan_xlsx(user=user, plan=plan, language=language),
        content_type=XLSX,
        filename=export_filename(plan, suffix="xlsx"),
    )
