"""Reads of the RRM record, and what the views and the API show of a timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from remedia.core.errors import NotFound
from remedia.core.geo import state_code
from remedia.rrm.deadlines import Step, StepStatus
from remedia.rrm.models import RrmCase

# A step still waiting for its event: the ones with a deadline that can pass.
_OPEN = (StepStatus.PENDING, StepStatus.OVERDUE)


@dataclass(frozen=True, kw_only=True)
class RrmCaseFilters:
    q: str = ""
    state: str = ""
    year: int | None = None


@dataclass(frozen=True, kw_only=True)
class NextStep:
    """The open step due soonest; ``days_left`` is negative once it is overdue."""

    step: str
    due: dt.date
    due_business: dt.date
    status: StepStatus
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.status == StepStatus.OVERDUE

    @property
    def days_past(self) -> int:
        """Days since the step fell due (0 while it has not)."""
        return max(0, -self.days_left)


def rrm_case_list_public(*, filters: RrmCaseFilters) -> QuerySet[RrmCase]:
    """Public cases, the most recent first (by petition, else by request)."""
    cases = RrmCase.objects.filter(is_public=True)
    if filters.q:
        cases = cases.filter(
            Q(facility_name__icontains=filters.q)
            | Q(company__icontains=filters.q)
            | Q(slug__icontains=filters.q)
        )
    if filters.state:
        # A code or a name, accents optional; a name the record spells its
        # own way still matches as written.
        code = state_code(filters.state)
        cases = cases.filter(
            Q(state_code=code) if code else Q(state__iexact=filters.state.strip())
        )
    if filters.year is not None:
        cases = cases.filter(
            Q(petition_received_on__year=filters.year)
            | Q(ilc_request_on__year=filters.year)
        )
    return cases.annotate(
        started_on=Coalesce("petition_received_on", "ilc_request_on")
    ).order_by(F("started_on").desc(nulls_last=True), "slug")


def rrm_case_get_public(*, key: str) -> RrmCase:
    """A public case by its id (UUID) or its slug; NotFound otherwise."""
    cases = RrmCase.objects.filter(is_public=True).select_related("facility")
    try:
        lookup = Q(pk=uuid.UUID(key))
    except ValueError:
        lookup = Q(slug=key)
    case = cases.filter(lookup).first()
    if case is None:
        raise NotFound()
    return case


def next_step(steps: list[Step], *, today: dt.date) -> NextStep | None:
    """The open step of a timeline that falls due first, or None."""
    open_steps = [step for step in steps if step.status in _OPEN]
    if not open_steps:
        return None
    step = min(open_steps, key=lambda s: s.due_business)
    return NextStep(
        step=step.step,
        due=step.due,
        due_business=step.due_business,
        status=step.status,
        days_left=(step.due_business - today).days,
    )
