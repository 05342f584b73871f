"""Reading groups, plans and actions, and how the plan is going.

An action is overdue when its due date has passed and it is neither done
nor dropped. Progress counts actions done and actions done on time
(finished no later than due), and indicators' actuals from approved updates
only: a submitted or returned figure is nobody's word yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.coordination.models import (
    Action,
    ActionStatus,
    Indicator,
    IndicatorPeriod,
    IndicatorUnit,
    Objective,
    ProgressUpdate,
    UpdateEvidence,
    UpdateStatus,
    WorkGroup,
    WorkGroupMember,
    WorkPlan,
)
from remedia.coordination.selectors.access import coordination_readable

OPEN = (ActionStatus.PLANNED, ActionStatus.ONGOING)


def group_list(*, viewer: Any) -> QuerySet[WorkGroup]:
    if not coordination_readable(user=viewer):
        return WorkGroup.objects.none()
    return WorkGroup.objects.select_related("lead").prefetch_related(
        "members__organisation", "members__user"
    )


def group_get_for_user(*, user: Any, group_id: Any) -> WorkGroup:
    return get_scoped(group_list(viewer=user), pk=group_id)


def plan_list(*, viewer: Any) -> QuerySet[WorkPlan]:
    if not coordination_readable(user=viewer):
        return WorkPlan.objects.none()
    return WorkPlan.objects.all()


def plan_get_for_user(*, user: Any, plan_id: Any) -> WorkPlan:
    return get_scoped(plan_list(viewer=user), pk=plan_id)


def action_list(*, viewer: Any, plan: WorkPlan | None = None) -> QuerySet[Action]:
    if not coordination_readable(user=viewer):
        return Action.objects.none()
    rows = Action.objects.select_related(
        "objective", "objective__group", "objective__plan", "owner"
    ).prefetch_related("partners")
    if plan is not None:
        rows = rows.filter(objective__plan=plan)
    return rows


# How far ahead "due soon" looks: a week, so Monday's list covers the week.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class ActionFilters:
    """`mine`: owned by one of the viewer's organisations. `due`: "overdue"
    (open, past due) or "soon" (open, past due or due within a week)."""

    mine: bool = False
    due: str = ""


def action_list_filtered(
    *, viewer: Any, filters: ActionFilters, today: date | None = None
) -> QuerySet[Action]:
    """Actions of every plan, nearest due first."""
    today = today or timezone.localdate()
    rows = action_list(viewer=viewer)
    if filters.mine:
        orgs = organisations_for(user=viewer, capability=Capability.COORDINATION_READ)
        rows = rows.filter(owner_id__in=orgs)
    if filters.due == "overdue":
        rows = rows.filter(status__in=OPEN, due_on__lt=today)
    elif filters.due == "soon":
        rows = rows.filter(
            status__in=OPEN, due_on__lte=today + timedelta(days=DUE_SOON_DAYS)
        )
    return rows.order_by("due_on", "title", "id")


def action_get_for_user(*, user: Any, action_id: Any) -> Action:
    return get_scoped(action_list(viewer=user), pk=action_id)


def updates_visible(rows: QuerySet[ProgressUpdate], *, viewer: Any) -> Any:
    """Updates as `viewer` may see them: a draft is its author's alone."""
    author = getattr(viewer, "pk", None) if _signed_in(viewer) else None
    return rows.filter(~Q(status=UpdateStatus.DRAFT) | Q(submitted_by_id=author))


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def action_indicators(*, action: Action, viewer: Any = None) -> list[Indicator]:
    """The action's indicators with their periods and updates, in three queries.

    Drafts are left out, but for those `viewer` wrote (none without a viewer).
    """
    updates = updates_visible(
        ProgressUpdate.objects.select_related(
            "submitted_by", "reviewed_by"
        ).prefetch_related("evidence"),
        viewer=viewer,
    )
    return list(
        action.indicators.prefetch_related(
            Prefetch(
                "periods",
                queryset=IndicatorPeriod.objects.prefetch_related(
                    Prefetch("updates", queryset=updates)
                ),
            )
        )
    )


def indicator_get_for_user(*, user: Any, indicator_id: Any) -> Indicator:
    """One indicator, its periods and the updates `user` may see."""
    rows = Indicator.objects.none()
    if coordination_readable(user=user):
        updates = updates_visible(ProgressUpdate.objects.all(), viewer=user)
        rows = Indicator.objects.select_related(
            "action", "action__objective__group"
        ).prefetch_related(
            Prefetch(
                "periods",
                queryset=IndicatorPeriod.objects.prefetch_related(
                    Prefetch("updates", queryset=updates)
                ),
            )
        )
    return get_scoped(rows, pk=indicator_id)


def update_get_for_user(*, user: Any, update_id: Any) -> ProgressUpdate:
    """One update; someone else's draft is as missing as no update at all."""
    rows = ProgressUpdate.objects.none()
    if coordination_readable(user=user):
        rows = updates_visible(
            ProgressUpdate.objects.select_related(
                "period__indicator__action__objective__group", "submitted_by"
            ),
            viewer=user,
        )
    return get_scoped(rows, pk=update_id)


def evidence_get_for_user(*, user: Any, evidence_id: Any) -> UpdateEvidence:
    """One evidence file, for coordination readers (a draft's: its author's)."""
    rows = UpdateEvidence.objects.none()
    if coordination_readable(user=user):
        author = user.pk if _signed_in(user) else None
        rows = UpdateEvidence.objects.filter(
            ~Q(update__status=UpdateStatus.DRAFT) | Q(update__submitted_by_id=author)
        ).select_related("update__period__indicator__action")
    return get_scoped(rows, pk=evidence_id)


def period_get_for_user(*, user: Any, period_id: Any) -> IndicatorPeriod:
    rows = IndicatorPeriod.objects.none()
    if coordination_readable(user=user):
        rows = IndicatorPeriod.objects.select_related(
            "indicator", "indicator__action", "indicator__action__objective__group"
        )
    return get_scoped(rows, pk=period_id)


def objective_get_for_user(*, user: Any, objective_id: Any) -> Objective:
    rows = Objective.objects.none()
    if coordination_readable(user=user):
        rows = Objective.objects.select_related("plan", "group")
    return get_scoped(rows, pk=objective_id)


def member_get_for_user(
    *, user: Any, group: WorkGroup, member_id: Any
) -> WorkGroupMember:
    """A member of `group` (one of another group is as missing as none)."""
    rows = WorkGroupMember.objects.none()
    if coordination_readable(user=user):
        rows = group.members.select_related("organisation", "user")
    return get_scoped(rows, pk=member_id)


def action_overdue(action: Action, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status in OPEN and action.due_on < today


def period_actual(period: IndicatorPeriod, unit: str) -> Decimal | None:
    """Approved values of the period: summed for numbers, the latest for %."""
    values = [
        u.value
        for u in period.updates.all()
        if u.status == UpdateStatus.APPROVED and u.value is not None
    ]
    if not values:
        return None
    return values[-1] if unit == IndicatorUnit.PERCENT else sum(values, Decimal(0))


def indicator_totals(indicator: Indicator) -> tuple[Decimal | None, Decimal | None]:
    """(target, actual) over the indicator's periods, from approved updates only.

    Numbers add up period by period; a percentage is the latest period's
    target and the latest approved figure (shares do not add up).
    """
    periods = list(indicator.periods.all())
    if not indicator.quantitative or not periods:
        return None, None
    actuals = [period_actual(p, indicator.unit) for p in periods]
    targets = [p.target for p in periods if p.target is not None]
    if indicator.unit == IndicatorUnit.PERCENT:
        known = [a for a in actuals if a is not None]
        return (targets[-1] if targets else None), (known[-1] if known else None)
    reported = [a for a in actuals if a is not None]
    return sum(targets, Decimal(0)), (sum(reported, Decimal(0)) if reported else None)


def period_update_overdue(
    period: IndicatorPeriod, *, today: date | None = None
) -> bool:
    """The period ended and no update of it is approved."""
    today = today or timezone.localdate()
    return period.ends_on < today and not any(
        u.status == UpdateStatus.APPROVED for u in period.updates.all()
    )


@dataclass
class Progress:
    """How a set of actions goes."""

    total: int = 0
    done: int = 0
    on_time: int = 0
    dropped: int = 0
    overdue: int = 0

    @property
    def share_done(self) -> int:
        counted = self.total - self.dropped
        return round(100 * self.done / counted) if counted else 0

    @property
    def share_on_time(self) -> int:
        counted = self.total - self.dropped
        return round(100 * self.on_time / counted) if counted else 0


def actions_progress(
    actions: Iterable[Action], *, today: date | None = None
) -> Progress:
    """Counts over `actions` (dropped ones are left out of the shares)."""
    today = today or timezone.localdate()
    progress = Progress()
    for action in actions:
        progress.total += 1
        if action.status == ActionStatus.DROPPED:
            progress.dropped += 1
        elif action.status == ActionStatus.DONE:
            progress.done += 1
            if action.done_on is not None and action.done_on <= action.due_on:
                progress.on_time += 1
        elif action.due_on < today:
            progress.overdue += 1
    return progress


def plan_progress(
    *, plan: WorkPlan, by: str, viewer: Any, today: date | None = None
) -> dict[str, Progress]:
    """The plan's progress by "sector", "group" or "objective"."""
    groups: dict[str, list[Action]] = {}
    for action in action_list(viewer=viewer, plan=plan):
        if by == "sector":
            key = action.get_sector_display()
        elif by == "group":
            key = action.objective.group.name
        else:
            key = action.objective.title
        groups.setdefault(str(key), []).append(action)
    return {
        key: actions_progress(rows, today=today) for key, rows in sorted(groups.items())
    }


def overdue_actions(*, viewer: Any, today: date | None = None) -> QuerySet[Action]:
    today = today or timezone.localdate()
    return action_list(viewer=viewer).filter(status__in=OPEN, due_on__lt=today)


def overdue_periods(
    *, viewer: Any, today: date | None = None
) -> QuerySet[IndicatorPeriod]:
    """Periods ended without an approved update (of open or done actions)."""
    today = today or timezone.localdate()
    if not coordination_readable(user=viewer):
        return IndicatorPeriod.objects.none()
    return (
        IndicatorPeriod.objects.filter(ends_on__lt=today)
        .exclude(indicator__action__status=ActionStatus.DROPPED)
        .exclude(updates__status=UpdateStatus.APPROVED)
        .select_related("indicator", "indicator__action")
        .distinct()
    )
