"""SLA clocks: pure arithmetic on aware datetimes, no database.

A clock runs from the moment the first report of a case arrived towards a
target (acknowledge, first response, resolution). Time spent waiting on the
reporter does not count: a pause moves every pending due time forward by its
length. The case model stores the due times so that "overdue" is a query;
this module decides what a clock shows and what the figures count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

DUE_SOON = timedelta(hours=24)


class ClockState(StrEnum):
    RUNNING = "running"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    PAUSED = "paused"
    MET = "met"
    LATE = "late"
    # The case was resolved or closed before this step was done.
    STOPPED = "stopped"


@dataclass(frozen=True)
class Targets:
    """How long each step may take, for one organisation and urgency."""

    acknowledge: timedelta
    first_response: timedelta
    resolution: timedelta


# Defaults when an organisation has set none: urgent reports (child labour,
# forced labour, trafficking) are acknowledged within a day; others within 7
# days and answered within 3 months, as the EU whistleblowing directive and
# several national laws demand of any reporting channel.
DEFAULT_TARGETS = {
    True: Targets(
        acknowledge=timedelta(hours=24),
        first_response=timedelta(days=7),
        resolution=timedelta(days=90),
    ),
    False: Targets(
        acknowledge=timedelta(days=7),
        first_response=timedelta(days=90),
        resolution=timedelta(days=180),
    ),
}


@dataclass(frozen=True)
class Clock:
    state: ClockState
    due_at: datetime | None
    done_at: datetime | None
    # Negative once overdue; None when done or paused.
    remaining: timedelta | None


def clock(
    *,
    due_at: datetime | None,
    done_at: datetime | None,
    paused_since: datetime | None,
    now: datetime,
    soon: timedelta = DUE_SOON,
    stopped: bool = False,
) -> Clock:
    """What one clock shows at `now`; `stopped` when the case ended without the step."""
    if done_at is not None:
        late = due_at is not None and done_at > due_at
        return Clock(
            state=ClockState.LATE if late else ClockState.MET,
            due_at=due_at,
            done_at=done_at,
            remaining=None,
        )
    if stopped:
        return Clock(ClockState.STOPPED, due_at, None, None)
    if paused_since is not None:
        # Frozen: the time left is what was left when the pause began.
        left = due_at - paused_since if due_at is not None else None
        return Clock(ClockState.PAUSED, due_at, None, left)
    if due_at is None:
        return Clock(ClockState.RUNNING, None, None, None)
    remaining = due_at - now
    if remaining < timedelta(0):
        state = ClockState.OVERDUE
    elif remaining <= soon:
        state = ClockState.DUE_SOON
    else:
        state = ClockState.RUNNING
    return Clock(state=state, due_at=due_at, done_at=None, remaining=remaining)


def due(*, start: datetime, target: timedelta, paused: timedelta) -> datetime:
    return start + target + paused


def net_seconds(*, start: datetime, end: datetime, paused: timedelta) -> int:
    """Seconds from `start` to `end`, less the time the clock stood paused."""
    return max(0, int((end - start - paused).total_seconds()))


def pause_length(*, paused_since: datetime, now: datetime) -> timedelta:
    return max(timedelta(0), now - paused_since)
