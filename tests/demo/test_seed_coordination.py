"""The coordination demo: the Puebla plan of the current year with its three
groups, a year of actions of every sector, indicators and updates, the
workshop on the protocol with its coverage, and two meetings that decided."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    ActionStatus,
    AgendaItem,
    IndicatorPeriod,
    Meeting,
    MeetingParticipant,
    Outcome,
    PlanTraining,
    ProgressUpdate,
    UpdateStatus,
    WorkGroup,
    WorkPlan,
)
from remedia.coordination.selectors.training import plan_coverage
from remedia.demo.coordination import MATRIX_YEAR, plan_year
from remedia.training.models import TrainingSession, TrainingTopic

pytestmark = pytest.mark.django_db


def test_the_demo_holds_the_puebla_plan_of_this_year() -> None:
    # Given the demo, seeded twice (idempotent)
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    year = timezone.localdate().year
    assert plan_year() == (year if year != MATRIX_YEAR else year - 1)
    plan = WorkPlan.objects.get()
    assert plan.year == plan_year() != MATRIX_YEAR
    # Three inter-agency groups led by the demo coordinator, IOM in each
    groups = WorkGroup.objects.filter(objectives__plan=plan).distinct()
    assert groups.count() == 3  # noqa: PLR2004
    for group in groups:
        assert group.lead.username == "coordinator"
        sectors = set(group.members.values_list("organisation__sector", flat=True))
        assert Sector.INTERNATIONAL in sectors
        assert group.members.filter(organisation__short_name="OIM México").exists()
    # A year of actions of every sector, where they happen
    actions = Action.objects.filter(objective__plan=plan)
    assert set(actions.values_list("sector", flat=True)) >= {
        Sector.PUBLIC,
        Sector.PRIVATE,
        Sector.CIVIL_SOCIETY,
        Sector.INTERNATIONAL,
    }
    assert all(a.state and a.municipality for a in actions)
    assert {"MX-PUE", "MX-TLA"} <= set(actions.values_list("state", flat=True))
    done = actions.filter(status=ActionStatus.DONE)
    assert any(a.done_on <= a.due_on for a in done)  # on time
    assert any(a.done_on > a.due_on for a in done)  # late
    assert actions.filter(status=ActionStatus.DROPPED).exclude(dropped_reason="")
    assert actions.filter(status=ActionStatus.ONGOING).exists()
    # Indicators with baselines and targets per period, updates reviewed
    periods = IndicatorPeriod.objects.filter(indicator__action__objective__plan=plan)
    assert periods.filter(target__isnull=False).count() >= 4  # noqa: PLR2004
    assert periods.filter(indicator__baseline_value__isnull=False).exists()
    updates = ProgressUpdate.objects.filter(period__in=periods)
    assert updates.filter(status=UpdateStatus.APPROVED).count() == 2  # noqa: PLR2004
    returned = updates.get(status=UpdateStatus.RETURNED)
    assert returned.review_note


def test_the_demo_workshop_counts_in_the_plans_coverage() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    plan = WorkPlan.objects.get(year=plan_year())

    link = PlanTraining.objects.get(plan=plan)
    assert link.session.topic == TrainingTopic.PROTOCOLS
    assert link.action is not None
    assert TrainingSession.objects.filter(coordination_plan__plan=plan).count() == 1

    coverage = plan_coverage(plan=plan)

    rows = {o.short_name: o for o in coverage.organisations}
    staff = {r.role: (r.trained, r.people) for r in rows["STyC Puebla"].coverage.roles}
    assert staff == {"official": (5, 6), "partner": (3, 4)}
    assert (coverage.total.total.trained, coverage.total.total.people) == (8, 10)
    # Every organisation of the three groups is listed, trained or not
    assert {"PPNNA Puebla", "RAV Puebla", "SIIVP", "CANAIVE Puebla", "OIM México"} <= (
        set(rows)
    )


def test_the_demo_holds_two_meetings_that_decided() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    plan = WorkPlan.objects.get(year=plan_year())

    meetings = Meeting.objects.filter(group__objectives__plan=plan).distinct()

    assert meetings.count() == 2  # noqa: PLR2004
    for meeting in meetings:
        attended = MeetingParticipant.objects.filter(meeting=meeting, attended=True)
        assert attended.count() >= 2  # noqa: PLR2004
        assert meeting.items.filter(outcome=Outcome.DECISION).exists()
    decided = AgendaItem.objects.filter(
        meeting__in=meetings, outcome=Outcome.DECISION, action__isnull=False
    )
    assert decided.exists()
    assert all(item.action.objective.plan_id == plan.pk for item in decided)
