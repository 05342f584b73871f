"""SLA clocks: the arithmetic of due times, pauses and states, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from remedia.cases import sla
from remedia.cases.sla import ClockState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_defaults_follow_the_law_urgent_a_day_others_a_week_feedback_three_months():
    assert sla.DEFAULT_TARGETS[True].acknowledge == timedelta(hours=24)
    assert sla.DEFAULT_TARGETS[False].acknowledge == timedelta(days=7)
    assert sla.DEFAULT_TARGETS[False].first_response == timedelta(days=90)


def test_due_adds_target_and_the_time_spent_paused():
    assert sla.due(start=T0, target=7 * DAY, paused=timedelta(0)) == T0 + 7 * DAY
    assert sla.due(start=T0, target=7 * DAY, paused=2 * DAY) == T0 + 9 * DAY


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (T0, ClockState.RUNNING),
        (T0 + 6 * DAY, ClockState.DUE_SOON),
        (T0 + 7 * DAY, ClockState.DUE_SOON),
        (T0 + 7 * DAY + timedelta(seconds=1), ClockState.OVERDUE),
    ],
)
def test_a_running_clock_is_running_then_due_soon_then_overdue(now, state):
    clock = sla.clock(due_at=T0 + 7 * DAY, done_at=None, paused_since=None, now=now)
    assert clock.state == state
    assert clock.remaining == T0 + 7 * DAY - now


def test_done_on_or_before_due_is_met_after_is_late():
    due = T0 + DAY
    met = sla.clock(due_at=due, done_at=due, paused_since=None, now=T0 + 9 * DAY)
    late = sla.clock(
        due_at=due, done_at=due + timedelta(minutes=1), paused_since=None, now=T0
    )
    assert (met.state, late.state) == (ClockState.MET, ClockState.LATE)
    assert met.remaining is None


def test_a_paused_clock_never_falls_overdue_and_keeps_the_time_it_had_left():
    due = T0 + 3 * DAY
    paused = sla.clock(
        due_at=due, done_at=None, paused_since=T0 + DAY, now=T0 + 30 * DAY
    )
    assert paused.state == ClockState.PAUSED
    assert paused.remaining == 2 * DAY


def test_net_seconds_leaves_out_the_pause_and_is_never_negative():
    assert sla.net_seconds(start=T0, end=T0 + 3 * DAY, paused=DAY) == 2 * 86400
    assert sla.net_seconds(start=T0, end=T0 + DAY, paused=3 * DAY) == 0


def test_pause_length_is_zero_for_a_clock_paused_in_the_future():
    assert sla.pause_length(paused_since=T0 + DAY, now=T0) == timedelta(0)
    assert sla.pause_length(paused_since=T0, now=T0 + DAY) == DAY


def test_a_paused_clock_without_a_due_time_still_shows_paused():
    clock = sla.clock(due_at=None, done_at=None, paused_since=T0, now=T0 + DAY)
    assert clock.state == ClockState.PAUSED
    assert clock.remaining is None
