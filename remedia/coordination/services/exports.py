"""The plan and its progress as a PDF (WeasyPrint) and an XLSX workbook.

Both hold the same figures as the progress page (`selectors.progress`:
approved updates only) and are audited as reads of the plan: who took which
document, in which language. The PDF carries the charts as inline SVG,
drawn by `core.charts`; the workbook has one sheet per table (Acciones,
Indicadores, Avance, 4W, Capacitación, Talleres), every text cell
neutralised by `core.tables`.

Both also carry the protocol-training coverage (selectors/training.py): per
organisation and role, people trained in the workshops that count for the
plan against the people on their roster, and the workshops themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from remedia.accounts.models import User
from remedia.coordination.models import WorkPlan
from remedia.coordination.selectors.progress import (
    FourW,
    PlanReport,
    ProgressRow,
    plan_fourw,
    plan_report,
    report_charts,
    share_parts,
)
from remedia.coordination.selectors.training import plan_coverage
from remedia.coordination.services._common import audit
from remedia.core.pdf import render_pdf
from remedia.core.tables import Cell, Sheet, xlsx_sheets_bytes


def _yes(value: bool) -> str:
    return _("Sí") if value else _("No")


def plan_pdf(*, user: User, plan: WorkPlan, language: str) -> bytes:
    """The plan and its progress as a PDF in `language` ("es" or "en")."""
    with translation.override(language):
        report = plan_report(plan=plan, viewer=user)
        fourw = plan_fourw(plan=plan, viewer=user)
        context = {
            "plan": plan,
            "report": report,
            "charts": report_charts(report, fourw=fourw),
            "fourw": fourw,
            "generated_on": timezone.localdate(),
            "language": language,
            "coverage": plan_coverage(plan=plan),
        }
    pdf = render_pdf(
        "coordination/plan_pdf.html",
        context,
        language=language,
        identifier=f"plan-{plan.year}",
    )
    audit("plan_exported", user=user, obj=plan, format="pdf", language=language)
    return pdf


def _progress_rows(kind: str, rows: list[ProgressRow]) -> Iterable[list[Cell]]:
    for row in rows:
        p = row.progress
        parts = share_parts(p)
        yield [
            kind,
            row.label,
            p.total,
            p.done,
            p.on_time,
            parts["late"],
            parts["ongoing"],
            p.overdue,
            p.dropped,
            p.share_done,
            p.share_on_time,
        ]


def _actions_sheet(report: PlanReport) -> Sheet:
    header = [
        _("Objetivo"),
        _("Grupo"),
        _("Acción"),
        _("Sector"),
        _("Responsable"),
        _("Aliadas"),
        pgettext("lugar", "Estado"),
        _("Municipio"),
        _("Fecha de inicio"),
        _("Fecha límite"),
        _("Situación"),
        _("Terminada el"),
        _("Vencida"),
        _("Motivo del descarte"),
    ]
    rows: list[list[Cell]] = [
        [
            a.objective.title,
            a.objective.group.name,
            a.title,
            str(a.get_sector_display()),
            a.owner.name,
            ", ".join(sorted(p.name for p in a.partners.all())),
            str(a.get_state_display()) if a.state else "",
            a.municipality,
            a.starts_on.isoformat(),
            a.due_on.isoformat(),
            str(a.get_status_display()),
            a.done_on.isoformat() if a.done_on else "",
            _yes(getattr(a, "overdue", False)),
            a.dropped_reason,
        ]
        for a in report.actions
    ]
    return Sheet(title=_("Acciones"), header=header, rows=rows)


def _indicators_sheet(report: PlanReport) -> Sheet:
    header = [
        _("Objetivo"),
        _("Acción"),
        _("Indicador"),
        _("Tipo"),
        _("Unidad"),
        _("Línea base"),
        _("Periodo"),
        _("Meta"),
        _("Logrado (aprobado)"),
        _("Avance sobre la meta"),
        _("Avances aprobados"),
    ]
    rows: list[list[Cell]] = []
    for figure in [*report.quantitative, *report.qualitative]:
        indicator = figure.indicator
        lead: list[Cell] = [
            figure.action.objective.title,
            figure.action.title,
            indicator.name,
            str(indicator.get_kind_display()),
            str(indicator.get_unit_display()) if indicator.quantitative else "",
            indicator.baseline_value,
        ]
        for period in figure.periods:
            rows.append(
                [
                    *lead,
                    f"{period.period.starts_on.isoformat()} – "
                    f"{period.period.ends_on.isoformat()}",
                    period.target,
                    period.actual,
                    period.percent,
                    period.approved,
                ]
            )
        rows.append(
            [
                *lead,
                _("Año %(year)s") % {"year": report.plan.year},
                figure.target,
                figure.actual,
                figure.percent,
                sum(p.approved for p in figure.periods),
            ]
        )
    return Sheet(title=_("Indicadores"), header=header, rows=rows)


def _progress_sheet(report: PlanReport) -> Sheet:
    header = [
        _("Desglose"),
        _("Nombre"),
        _("Acciones"),
        _("Hechas"),
        _("Hechas a tiempo"),
        _("Hechas tarde"),
        _("Planeadas o en curso"),
        _("Vencidas"),
        _("Descartadas"),
        _("Hechas (%)"),
        _("A tiempo (%)"),
    ]
    rows: list[list[Cell]] = [
        *_progress_rows(
            _("Plan"), [ProgressRow(label=report.plan.title, progress=report.total)]
        ),
        *_progress_rows(_("Sector"), report.by_sector),
        *_progress_rows(_("Grupo"), report.by_group),
        *_progress_rows(_("Objetivo"), report.by_objective),
    ]
    return Sheet(title=_("Avance"), header=header, rows=rows)


def _fourw_sheet(fourw: FourW) -> Sheet:
    header = [
        pgettext("lugar", "Estado"),
        _("Municipio"),
        _("Quién (responsable)"),
        _("Aliadas"),
        _("Qué (acción)"),
        _("Sector"),
        _("Fecha de inicio"),
        _("Fecha límite"),
        _("Situación"),
        _("Vencida"),
    ]
    rows: list[list[Cell]] = [
        [
            row.state_name,
            row.municipality,
            row.who,
            ", ".join(row.partners),
            row.action.title,
            str(row.action.get_sector_display()),
            row.action.starts_on.isoformat(),
            row.action.due_on.isoformat(),
            str(row.action.get_status_display()),
            _yes(row.overdue),
        ]
        for state in fourw.states
        for row in state.rows
    ]
    return Sheet(title="4W", header=header, rows=rows)


def _coverage_sheets(*, plan: WorkPlan) -> list[Sheet]:
    """Protocol training: coverage per organisation and role, and the workshops."""
    coverage = plan_coverage(plan=plan)
    rows: list[list[Cell]] = []
    for org in coverage.organisations:
        for role in org.coverage.roles:
            rows.append(
                [
                    org.name,
                    _yes(org.in_groups),
                    role.label,
                    role.people,
                    role.trained,
                    float(role.percent) if role.percent is not None else None,
                ]
            )
    total = coverage.total.total
    rows.append(
        [
            _("Total"),
            "",
            "",
            total.people,
            total.trained,
            float(total.percent) if total.percent is not None else None,
        ]
    )
    covered = Sheet(
        title=_("Capacitación"),
        header=[
            _("Organización"),
            _("En los grupos"),
            _("Papel"),
            _("Personas en la lista"),
            _("Capacitadas"),
            _("Porcentaje capacitado"),
        ],
        rows=rows,
    )
    workshops = Sheet(
        title=_("Talleres"),
        header=[
            _("Fecha"),
            _("Taller"),
            _("Organización capacitada"),
            _("Asistentes"),
            _("Acción del plan"),
        ],
        rows=[
            [
                s.held_on.isoformat(),
                s.title or s.topic_label,
                s.audience,
                s.attended,
                s.action,
            ]
            for s in coverage.sessions
        ],
    )
    return [covered, workshops]


def plan_xlsx(*, user: User, plan: WorkPlan, language: str = "es") -> bytes:
    """The plan and its progress as a workbook: Acciones, Indicadores, Avance,
    4W, and the protocol training (Capacitación, Talleres)."""
    with translation.override(language):
        report = plan_report(plan=plan, viewer=user)
        fourw = plan_fourw(plan=plan, viewer=user)
        sheets = [
            _actions_sheet(report),
            _indicators_sheet(report),
            _progress_sheet(report),
            _fourw_sheet(fourw),
            *_coverage_sheets(plan=plan),
        ]
        data = xlsx_sheets_bytes(sheets)
    audit("plan_exported", user=user, obj=plan, format="xlsx", language=language)
    return data


def export_filename(plan: WorkPlan, *, suffix: str, language: str = "") -> str:
    tail = f"-{language}" if language else ""
    return f"plan-{plan.year}{tail}.{suffix}"
