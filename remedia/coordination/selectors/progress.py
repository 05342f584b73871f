"""How a year's plan goes: actions by sector, group and objective, indicators
against their targets, and who does what where and when (OCHA's 4W).

Everything counts approved updates only (an update submitted or returned is
nobody's word yet), and the rules of `selectors.plan` hold: an action is
overdue when its due date passed and it is neither done nor dropped; done on
time when it was finished no later than due; dropped actions are counted but
left out of the shares. One report is read in a handful of queries, whatever
the plan's size, and serves the page, the API, the PDF and the XLSX alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from remedia.coordination.models import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorPeriod,
    IndicatorUnit,
    ProgressUpdate,
    UpdateStatus,
    WorkPlan,
)
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.plan import (
    Progress,
    action_list,
    action_overdue,
    actions_progress,
    indicator_totals,
    period_actual,
)
from remedia.core.charts import (
    Bar,
    Chart,
    Part,
    ShareRow,
    TargetBar,
    bar_chart,
    number,
    percent_of,
    share_chart,
    target_chart,
)
from remedia.core.errors import InvalidInput, NotFound
from remedia.core.geo import MX_STATES

# The parts of a stacked share bar: disjoint, they add up to the total.
SHARE_PARTS = ("on_time", "late", "ongoing", "overdue", "dropped")
YEAR_MIN, YEAR_MAX = 2000, 2100  # the years a plan may have (services.plan)
NO_STATE = "-"  # the 4W filter's value for actions without a state


def share_parts(progress: Progress) -> dict[str, int]:
    """The progress split into disjoint parts (done on time, done late, ongoing
    but not overdue, overdue, dropped), which add up to the total."""
    return {
        "on_time": progress.on_time,
        "late": progress.done - progress.on_time,
        "ongoing": progress.total - progress.done - progress.dropped - progress.overdue,
        "overdue": progress.overdue,
        "dropped": progress.dropped,
    }


def share_labels() -> dict[str, str]:
    return {
        "on_time": _("Hechas a tiempo"),
        "late": _("Hechas tarde"),
        "ongoing": _("Planeadas o en curso"),
        "overdue": _("Vencidas"),
        "dropped": _("Descartadas"),
    }


@dataclass(frozen=True)
class ProgressRow:
    label: str
    progress: Progress

    @property
    def parts(self) -> dict[str, int]:
        return share_parts(self.progress)


@dataclass(frozen=True)
class PeriodFigure:
    period: IndicatorPeriod
    target: Decimal | None
    actual: Decimal | None
    percent: int | None
    approved: int  # approved updates of the period
    unit: str = ""  # "%" or ""

    @property
    def shown_target(self) -> str:
        return number(self.target, self.unit)

    @property
    def shown_actual(self) -> str:
        return number(self.actual, self.unit)

    @property
    def shown_percent(self) -> str:
        return "—" if self.percent is None else f"{self.percent} %"


@dataclass(frozen=True)
class IndicatorFigure:
    indicator: Indicator
    action: Action
    periods: list[PeriodFigure]
    target: Decimal | None  # the year's: summed numbers, the latest percentage
    actual: Decimal | None
    percent: int | None
    narratives: int  # approved updates with a narrative (qualitative indicators)

    @property
    def unit_sign(self) -> str:
        return "%" if self.indicator.unit == IndicatorUnit.PERCENT else ""

    @property
    def shown_target(self) -> str:
        return number(self.target, self.unit_sign)

    @property
    def shown_actual(self) -> str:
        return number(self.actual, self.unit_sign)

    @property
    def shown_percent(self) -> str:
        return "—" if self.percent is None else f"{self.percent} %"


@dataclass(frozen=True)
class FourWRow:
    action: Action
    who: str  # the owner
    partners: list[str]
    state: str  # ISO code or ""
    state_name: str
    municipality: str
    overdue: bool


@dataclass(frozen=True)
class FourWState:
    state: str
    state_name: str
    rows: list[FourWRow]
    organisations: int  # owners and partners that work there
    by_status: dict[str, int]


@dataclass(frozen=True)
class FourW:
    states: list[FourWState]
    choices: list[tuple[str, str]]  # the states the plan works in, for the filter
    selected: str


@dataclass(frozen=True)
class PlanReport:
    plan: WorkPlan
    today: date
    total: Progress
    by_sector: list[ProgressRow]
    by_group: list[ProgressRow]
    by_objective: list[ProgressRow]
    quantitative: list[IndicatorFigure]
    qualitative: list[IndicatorFigure]
    actions: list[Action] = field(default_factory=list)


def plan_for_year(*, viewer: Any, year: Any) -> WorkPlan:
    """The plan of `year`, for a reader of coordination; NotFound otherwise."""
    if not coordination_readable(user=viewer):
        raise NotFound()
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not YEAR_MIN <= number <= YEAR_MAX:
        raise NotFound()  # no plan, and no out-of-range number for the database
    plan = WorkPlan.objects.filter(year=number).first()
    if plan is None:
        raise NotFound()
    return plan


def _rows(
    groups: dict[Any, tuple[str, list[Action]]], today: date
) -> list[ProgressRow]:
    return [
        ProgressRow(label=label, progress=actions_progress(rows, today=today))
        for label, rows in groups.values()
    ]


def plan_indicators(*, plan: WorkPlan, viewer: Any) -> list[Indicator]:
    """The plan's indicators with their periods and approved updates only."""
    if not coordination_readable(user=viewer):
        return []
    approved = ProgressUpdate.objects.filter(status=UpdateStatus.APPROVED).order_by(
        "period", "reviewed_at", "created_at"
    )
    return list(
        Indicator.objects.filter(action__objective__plan=plan)
        .select_related("action", "action__objective")
        .prefetch_related(
            Prefetch(
                "periods",
                queryset=IndicatorPeriod.objects.order_by("starts_on").prefetch_related(
                    Prefetch("updates", queryset=approved)
                ),
            )
        )
        .order_by(
            "action__objective__order",
            "action__objective__title",
            "action__due_on",
            "action__title",
            "created_at",
        )
    )


def indicator_figure(indicator: Indicator) -> IndicatorFigure:
    """Targets and approved actuals of an indicator, period by period and for
    the year (its periods and their approved updates prefetched)."""
    periods = []
    for period in indicator.periods.all():
        approved = [
            u for u in period.updates.all() if u.status == UpdateStatus.APPROVED
        ]
        actual = (
            period_actual(period, indicator.unit) if indicator.quantitative else None
        )
        periods.append(
            PeriodFigure(
                period=period,
                target=period.target,
                actual=actual,
                percent=percent_of(actual, period.target),
                approved=len(approved),
                unit="%" if indicator.unit == IndicatorUnit.PERCENT else "",
            )
        )
    target, actual = indicator_totals(indicator)
    narratives = sum(
        1
        for period in indicator.periods.all()
        for u in period.updates.all()
        if u.status == UpdateStatus.APPROVED and u.narrative.strip()
    )
    return IndicatorFigure(
        indicator=indicator,
        action=indicator.action,
        periods=periods,
        target=target,
        actual=actual,
        percent=percent_of(actual, target),
        narratives=narratives,
    )


def plan_report(
    *, plan: WorkPlan, viewer: Any, today: date | None = None
) -> PlanReport:
    """The plan's progress by sector, group and objective, and its indicators."""
    today = today or timezone.localdate()
    actions = list(
        action_list(viewer=viewer, plan=plan).order_by(
            "objective__order", "objective__title", "due_on", "title"
        )
    )
    for action in actions:
        action.overdue = action_overdue(action, today=today)  # type: ignore[attr-defined]
    sectors: dict[Any, tuple[str, list[Action]]] = {}
    groups: dict[Any, tuple[str, list[Action]]] = {}
    objectives: dict[Any, tuple[str, list[Action]]] = {}
    if coordination_readable(user=viewer):
        # Every objective is shown, even one without actions yet.
        for objective in plan.objectives.order_by("order", "title"):
            objectives[objective.pk] = (objective.title, [])
    for action in actions:
        sectors.setdefault(action.sector, (str(action.get_sector_display()), []))[
            1
        ].append(action)
        group = action.objective.group
        groups.setdefault(group.pk, (group.name, []))[1].append(action)
        objectives.setdefault(action.objective_id, (action.objective.title, []))[
            1
        ].append(action)
    figures = [indicator_figure(i) for i in plan_indicators(plan=plan, viewer=viewer)]
    return PlanReport(
        plan=plan,
        today=today,
        total=actions_progress(actions, today=today),
        by_sector=sorted(_rows(sectors, today), key=lambda r: r.label),
        by_group=sorted(_rows(groups, today), key=lambda r: r.label),
        by_objective=_rows(objectives, today),
        quantitative=[f for f in figures if f.indicator.quantitative],
        qualitative=[f for f in figures if not f.indicator.quantitative],
        actions=actions,
    )


def plan_fourw(
    *,
    plan: WorkPlan,
    viewer: Any,
    state: str | None = None,
    today: date | None = None,
) -> FourW:
    """Who (owner, partners) does what (the action) where (state, municipality)
    and when (start, due, status), grouped by state; `state` keeps one state
    (an ISO code, or "-" for actions without a state). An unknown state is
    refused."""
    today = today or timezone.localdate()
    selected = (state or "").strip()
    if selected and selected != NO_STATE and selected not in MX_STATES:
        raise InvalidInput(
            [{"field": "state", "reason": _("Elija un estado de la lista.")}]
        )
    actions = list(
        action_list(viewer=viewer, plan=plan).order_by(
            "state", "municipality", "due_on"
        )
    )
    present = sorted(
        {a.state for a in actions if a.state},
        key=lambda code: MX_STATES.get(code, code),
    )
    choices = [(code, MX_STATES.get(code, code)) for code in present]
    if any(not a.state for a in actions):
        choices.append((NO_STATE, _("Sin estado")))
    by_state: dict[str, list[FourWRow]] = {}
    for action in actions:
        code = action.state or NO_STATE
        if selected and code != selected:
            continue
        by_state.setdefault(code, []).append(
            FourWRow(
                action=action,
                who=action.owner.name,
                partners=sorted(p.name for p in action.partners.all()),
                state=action.state,
                state_name=MX_STATES.get(action.state, "") or _("Sin estado"),
                municipality=action.municipality,
                overdue=action_overdue(action, today=today),
            )
        )
    states = []
    for code, rows in sorted(
        by_state.items(),
        key=lambda item: (item[0] == NO_STATE, MX_STATES.get(item[0], item[0])),
    ):
        organisations = {r.action.owner_id for r in rows} | {
            p.pk for r in rows for p in r.action.partners.all()
        }
        by_status = {value: 0 for value in ActionStatus.values}
        for row in rows:
            by_status[row.action.status] += 1
        states.append(
            FourWState(
                state="" if code == NO_STATE else code,
                state_name=rows[0].state_name,
                rows=rows,
                organisations=len(organisations),
                by_status=by_status,
            )
        )
    return FourW(states=states, choices=choices, selected=selected)


def _share(key: str, title: str, rows: list[ProgressRow], heading: str) -> Chart:
    labels = share_labels()
    return share_chart(
        key=key,
        title=title,
        description=_(
            "Cada barra reparte las acciones en hechas a tiempo, hechas tarde, "
            "planeadas o en curso, vencidas y descartadas; la tabla tiene las "
            "mismas cifras."
        ),
        parts=[Part(k, labels[k]) for k in SHARE_PARTS],
        rows=[ShareRow(r.label, dict(share_parts(r.progress))) for r in rows],
        label_heading=heading,
    )


def report_charts(
    report: PlanReport, *, fourw: FourW | None = None
) -> dict[str, Chart]:
    """The report's charts, in the active language: actions by sector, group
    and objective, indicators against their targets for the year and (with
    `fourw`) actions per state."""
    out = {
        "sector": _share(
            "avance-sector", _("Acciones por sector"), report.by_sector, _("Sector")
        ),
        "group": _share(
            "avance-grupo", _("Acciones por grupo"), report.by_group, _("Grupo")
        ),
        "objective": _share(
            "avance-objetivo",
            _("Acciones por objetivo"),
            report.by_objective,
            _("Objetivo"),
        ),
        "targets": target_chart(
            key="metas",
            title=_("Indicadores contra sus metas del año"),
            description=_(
                "Lo logrado según los avances aprobados frente a la meta del año "
                "de cada indicador cuantitativo; la tabla tiene las mismas cifras."
            ),
            items=[
                TargetBar(
                    label=f"{f.indicator.name} · {f.action.title}",
                    target=f.target,
                    actual=f.actual,
                    unit=f.unit_sign,
                )
                for f in report.quantitative
            ],
            label_heading=_("Indicador"),
            actual_label=_("Logrado (avances aprobados)"),
        ),
    }
    if fourw is not None:
        out["states"] = states_chart(fourw)
    return out


def states_chart(fourw: FourW) -> Chart:
    """Actions per state of the 4W view, as bars."""
    return bar_chart(
        key="acciones-estado",
        title=_("Acciones por estado"),
        description=_("Cuántas acciones del plan ocurren en cada estado."),
        bars=[Bar(s.state_name, len(s.rows)) for s in fourw.states],
        label_heading=pgettext("lugar", "Estado"),
        value_heading=_("Acciones"),
    )
