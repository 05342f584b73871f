"""Reads of the RRM record, and what the views and the API show of a timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext_lazy as _

from remedia.accounts.permissions import Capability
from remedia.accounts.principals import is_partner
from remedia.accounts.selectors import get_scoped, organisations_for
from remedia.core.errors import NotFound
from remedia.core.geo import state_code
from remedia.core.sorting import SortKey, Sorts, choice_rank
from remedia.rrm.deadlines import (
    Step,
    StepStatus,
    business_day_on_or_after,
    is_rest_day,
)
from remedia.rrm.models import (
    RrmCase,
    RrmCaseOrigin,
    RrmDocument,
    RrmEnding,
    RrmStage,
)

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


# --- Staff petitions -------------------------------------------------------------------

# Days from a panel's constitution to its confirmation of the petition, in
# Mexican business days (secondary reporting quoting the treaty); a setting,
# because the treaty text could not be checked here.
PANEL_CONFIRMATION_BUSINESS_DAYS_DEFAULT = 5


def _staff_visible(viewer: Any) -> Q | None:
    """What a petition analyst sees: their organisations' cases, the drafts
    nobody has claimed yet, and the public record. None: nothing at all."""
    orgs = organisations_for(user=viewer, capability=Capability.PETITION_READ)
    if not orgs:
        return None
    if is_partner(viewer):
        # A partner system (scope rrm:read): its organisation's cases and the
        # public record, never the drafts staff have not claimed yet.
        return Q(organisation_id__in=orgs) | Q(is_public=True)
    return (
        Q(organisation_id__in=orgs)
        | Q(organisation__isnull=True, origin=RrmCaseOrigin.STAFF, stage=RrmStage.DRAFT)
        | Q(is_public=True)
    )


# The staff petition list's columns it sorts by (`?orden=`). Its own order,
# the next treaty step due first, is counted from the treaty's calendar, so
# the page sorts by it after reading; a key here is the database's order.
PETITION_SORTS = Sorts(
    keys={
        "centro": SortKey(
            label=_("Centro de trabajo"),
            fields=(Lower("facility_name").asc(), "-created_at"),
        ),
        "etapa": SortKey(
            label=_("Etapa"),
            fields=(
                choice_rank("stage", RrmStage.values),
                F("started_on").desc(nulls_last=True),
            ),
        ),
    },
    default_label=_("Pasos vencidos primero, luego el plazo más próximo"),
)


def rrm_case_list_staff(
    *, viewer: Any, mine_only: bool = False, order: tuple[Any, ...] | None = None
) -> QuerySet[RrmCase]:
    """The cases a petition analyst may see, newest first (or in `order`, a
    `PETITION_SORTS` order)."""
    visible = _staff_visible(viewer)
    if visible is None:
        return RrmCase.objects.none()
    cases = RrmCase.objects.filter(visible)
    if mine_only:
        cases = cases.filter(
            organisation_id__in=organisations_for(
                user=viewer, capability=Capability.PETITION_READ
            )
        )
    return (
        cases.select_related("organisation", "facility")
        .annotate(started_on=Coalesce("petition_received_on", "ilc_request_on"))
        .order_by(*(order or (F("started_on").desc(nulls_last=True), "-created_at")))
    )


def rrm_case_rows(*, viewer: Any) -> QuerySet[RrmCase]:
    """The rows of a page of `rrm_case_list_staff` for `page_rows`: its ids
    are chosen over the case table alone, then these fifty wide rows (facts,
    sources, outcomes) are read with their joins, not every skipped one."""
    visible = _staff_visible(viewer)
    if visible is None:
        return RrmCase.objects.none()
    return (
        RrmCase.objects.filter(visible)
        .select_related("organisation", "facility")
        .annotate(started_on=Coalesce("petition_received_on", "ilc_request_on"))
    )


def rrm_case_get_for_user(*, viewer: Any, case_id: Any) -> RrmCase:
    """One case a petition analyst may see; NotFound alike if missing or not theirs."""
    visible = _staff_visible(viewer)
    if visible is None:
        raise NotFound()
    return get_scoped(
        RrmCase.objects.filter(visible).select_related("organisation", "facility"),
        pk=case_id,
    )


def rrm_document_get_for_user(
    *, viewer: Any, case: RrmCase, document_id: Any
) -> RrmDocument:
    orgs = organisations_for(user=viewer, capability=Capability.PETITION_READ)
    if case.organisation_id not in orgs:
        raise NotFound()
    return get_scoped(
        RrmDocument.objects.filter(case=case).select_related("case__organisation"),
        pk=document_id,
    )


def rrm_case_can_write(*, viewer: Any, case: RrmCase) -> bool:
    return case.organisation_id is not None and case.organisation_id in (
        organisations_for(user=viewer, capability=Capability.PETITION_WRITE)
    )


def _add_business_days(start: dt.date, days: int) -> dt.date:
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if not is_rest_day(day):
            counted += 1
    return day


def _open_status(*, done: dt.date | None, due: dt.date, today: dt.date) -> StepStatus:
    if done is not None:
        return StepStatus.MET if done <= due else StepStatus.LATE
    return StepStatus.PENDING if today <= due else StepStatus.OVERDUE


def staff_steps(case: RrmCase, *, today: dt.date) -> list[Step]:
    """The engine's steps, then the two deadlines staff also track.

    ``remediation_verification``: the agreed course must be verified complete
    by its own deadline. ``panel_confirmation``: a constituted panel confirms
    the petition within ``RRM_PANEL_CONFIRMATION_BUSINESS_DAYS`` Mexican
    business days. Neither is part of the ``rrm-timeline`` contract, so the
    public API and pages keep showing the engine's steps only.
    """
    steps = case.timeline(today=today)
    if not case.is_petition:
        # The public record says nothing of verification or panels' days: an
        # extra step there would be the record's silence, called overdue.
        return steps
    if case.remediation_announced_on and case.remediation_deadline:
        due = case.remediation_deadline
        due_business = business_day_on_or_after(due)
        steps.append(
            Step(
                step="remediation_verification",
                start=case.remediation_announced_on,
                days=(due - case.remediation_announced_on).days,
                due=due,
                due_business=due_business,
                done=case.remediation_verified_on,
                status=(
                    StepStatus.DONE_UNDATED
                    if case.remediation_verified_on is None
                    and case.stage == RrmStage.CLOSED
                    and case.ending == RrmEnding.REMEDIATED
                    else _open_status(
                        done=case.remediation_verified_on,
                        due=due_business,
                        today=today,
                    )
                ),
            )
        )
    if case.panel_constituted_on:
        days = int(
            getattr(
                settings,
                "RRM_PANEL_CONFIRMATION_BUSINESS_DAYS",
                PANEL_CONFIRMATION_BUSINESS_DAYS_DEFAULT,
            )
        )
        due = _add_business_days(case.panel_constituted_on, days)
        proven = case.panel_determination_on is not None
        steps.append(
            Step(
                step="panel_confirmation",
                start=case.panel_constituted_on,
                days=days,
                due=due,
                due_business=due,
                done=case.panel_confirmed_on,
                status=(
                    StepStatus.DONE_UNDATED
                    if proven and case.panel_confirmed_on is None
                    else _open_status(
                        done=case.panel_confirmed_on, due=due, today=today
                    )
                ),
            )
        )
    if case.stage == RrmStage.CLOSED:
        # A closed case waits for nothing: an open step is no longer due.
        steps = [
            s for s in steps if s.status not in (StepStatus.PENDING, StepStatus.OVERDUE)
        ]
    return steps
