"""Annex 31-A deadlines: due dates and statuses from the dates known of a case.

Pure: no database and no Django, so the command, the views, the API and the
figures all compute a timeline the same way, and the rules are tested on their
own. The rules are those of ``domain/rrm.md``:

* Periods run in calendar days from the day after the starting event, so a
  step is ``due`` on ``start + days``.
* ``due_business`` moves ``due`` forward to the next Mexican business day when
  it falls on a Saturday, a Sunday or a federal mandatory rest day. This
  follows practice (a review deadline fell on a Saturday and Mexico answered on
  the Monday), not a treaty text; both dates are shown so a reader can judge.
* A step is met, late, done without a date, pending or overdue; a step whose
  own date is unknown but that a later event proves done is never overdue,
  because the public record leaves most intermediate dates blank.

Mandatory rest days are those of the Ley Federal del Trabajo, art. 74, as the
maintained ``holidays`` package lists them for Mexico: 1 January; the first
Monday of February; the third Monday of March; 1 May; 16 September; the third
Monday of November; 25 December; and, every six years with the transmission of
the federal executive, 1 December up to 2018 and 1 October from 2024 (fraction
VII as reformed in the DOF of 30 September 2024, to match the Constitution's
art. 83). Art. 74 moves no day that falls on a weekend to another day, and the
package adds none (``observed=False`` says so). Fraction IX, the day of an
ordinary election, is left out: federal and local election days are Sundays
(LGIPE art. 22), already no business day.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import holidays

__all__ = [
    "DATE_ARGUMENTS",
    "RULES",
    "Rule",
    "Step",
    "StepStatus",
    "TimelineOrderError",
    "business_day_on_or_after",
    "date_from_iso",
    "is_rest_day",
    "mandatory_rest_days",
    "timeline_compute",
]

# The dates a timeline is computed from, in the order the procedure makes them.
# Each must fall on or after every earlier one that is known.
DATE_ARGUMENTS: tuple[str, ...] = (
    "petition",
    "ilc_determination",
    "request",
    "accepted",
    "determination",
    "remediation_agreed",
)


class StepStatus(StrEnum):
    MET = "met"
    LATE = "late"
    DONE_UNDATED = "done_undated"
    PENDING = "pending"
    OVERDUE = "overdue"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One deadline of the procedure: ``days`` from ``start`` until ``done_by``."""

    step: str
    start: str
    days: int
    done_by: str
    # Later events that cannot have happened unless this step was done: the
    # request follows an affirmative ILC determination; a determination, or a
    # course agreed on one, follows an accepted and completed review.
    proven_by: tuple[str, ...]
    basis: str


RULES: tuple[Rule, ...] = (
    Rule(
        step="ilc_determination",
        start="petition",
        days=30,
        done_by="ilc_determination",
        proven_by=("request", "accepted", "determination", "remediation_agreed"),
        basis="US implementing statute: the ILC decides within 30 days of a petition.",
    ),
    Rule(
        step="review_acceptance",
        start="request",
        days=10,
        done_by="accepted",
        proven_by=("determination", "remediation_agreed"),
        basis="Annex 31-A (secondary reporting): 10 days to accept the review.",
    ),
    Rule(
        step="review",
        start="request",
        days=45,
        done_by="determination",
        proven_by=("remediation_agreed",),
        basis="Annex 31-A (secondary reporting): 45 days from the request.",
    ),
    Rule(
        step="remediation_consultation",
        start="determination",
        days=10,
        done_by="remediation_agreed",
        proven_by=(),
        basis="Annex 31-A (secondary reporting): 10 days to agree a remedy.",
    ),
)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One step of a timeline, as ``remedia rrm-timeline`` prints it."""

    step: str
    start: dt.date
    days: int
    due: dt.date
    due_business: dt.date
    done: dt.date | None
    status: StepStatus

    def as_json(self) -> dict[str, str | int | None]:
        """The step in the contract's form and key order (``from``, not ``start``)."""
        return {
            "step": self.step,
            "from": self.start.isoformat(),
            "days": self.days,
            "due": self.due.isoformat(),
            "due_business": self.due_business.isoformat(),
            "done": self.done.isoformat() if self.done else None,
            "status": str(self.status),
        }


class TimelineOrderError(ValueError):
    """A date falls before one the procedure must have made first.

    ``argument`` is the later date of the two, the one that cannot be right
    given the other (``earlier``); both are names from ``DATE_ARGUMENTS``.
    """

    def __init__(
        self, *, argument: str, value: dt.date, earlier: str, earlier_value: dt.date
    ) -> None:
        self.argument = argument
        self.value = value
        self.earlier = earlier
        self.earlier_value = earlier_value
        super().__init__(
            f"{argument} ({value.isoformat()}) is before {earlier} "
            f"({earlier_value.isoformat()}); the {earlier} comes first"
        )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_from_iso(text: str) -> dt.date:
    """An extended-form ISO date (YYYY-MM-DD), the only form the record and the
    command take; ``ValueError`` names the text otherwise."""
    # date.fromisoformat alone would also take 20230512 or 2023-W19-5.
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date") from None


@functools.cache
def mandatory_rest_days(year: int) -> frozenset[dt.date]:
    """Mexico's federal mandatory rest days (LFT art. 74) in ``year``."""
    calendar = holidays.country_holidays(
        "MX", years=year, categories=(holidays.PUBLIC,), observed=False
    )
    return frozenset(calendar.keys())


def is_rest_day(day: dt.date) -> bool:
    """A Saturday, a Sunday or a mandatory rest day: no business day in Mexico."""
    return day.weekday() >= 5 or day in mandatory_rest_days(day.year)


def business_day_on_or_after(day: dt.date) -> dt.date:
    """``day`` itself if Mexican offices work on it, else the next day they do."""
    while is_rest_day(day):
        day += dt.timedelta(days=1)
    return day


def _check_order(known: Mapping[str, dt.date]) -> None:
    """Refuse a date that falls before a step the procedure makes earlier.

    Each date is compared with every known earlier one, nearest first, so that
    a gap in the record (no determination, say) still catches a course agreed
    before the request, and the message names the closest step it contradicts.
    Equal dates are allowed: Mexico accepted GM Silao's review the day the
    request arrived.
    """
    for index, argument in enumerate(DATE_ARGUMENTS):
        value = known.get(argument)
        if value is None:
            continue
        for earlier in reversed(DATE_ARGUMENTS[:index]):
            earlier_value = known.get(earlier)
            if earlier_value is not None and value < earlier_value:
                raise TimelineOrderError(
                    argument=argument,
                    value=value,
                    earlier=earlier,
                    earlier_value=earlier_value,
                )


def _status(
    *, done: dt.date | None, proven: bool, due_business: dt.date, today: dt.date
) -> StepStatus:
    if done is not None:
        return StepStatus.MET if done <= due_business else StepStatus.LATE
    if proven:
        return StepStatus.DONE_UNDATED
    return StepStatus.PENDING if today <= due_business else StepStatus.OVERDUE


def timeline_compute(
    *,
    today: dt.date,
    petition: dt.date | None = None,
    ilc_determination: dt.date | None = None,
    request: dt.date | None = None,
    accepted: dt.date | None = None,
    determination: dt.date | None = None,
    remediation_agreed: dt.date | None = None,
) -> list[Step]:
    """The steps of ``RULES`` whose starting date is known, in that order.

    Raises ``TimelineOrderError`` when the dates given cannot all be true.
    """
    given = {
        "petition": petition,
        "ilc_determination": ilc_determination,
        "request": request,
        "accepted": accepted,
        "determination": determination,
        "remediation_agreed": remediation_agreed,
    }
    known = {name: value for name, value in given.items() if value is not None}
    _check_order(known)
    steps = []
    for rule in RULES:
        start = known.get(rule.start)
        if start is None:
            continue
        due = start + dt.timedelta(days=rule.days)
        due_business = business_day_on_or_after(due)
        done = known.get(rule.done_by)
        steps.append(
            Step(
                step=rule.step,
                start=start,
                days=rule.days,
                due=due,
                due_business=due_business,
                done=done,
                status=_status(
                    done=done,
                    proven=any(name in known for name in rule.proven_by),
                    due_business=due_business,
                    today=today,
                ),
            )
        )
    return steps
