"""Figures over the public RRM record: how long each stage took, and how the
treaty's deadlines fared.

Pure over a list of cases (anything with the date attributes of ``RrmCase``
and a ``timeline(today=)``), so the figures are tested without a database.
``remedia.core.figures`` suppresses small counts because a count of people can
point at the people; these count public cases and treaty steps from official
releases, so they are shown exactly.

The record has no completion date for a course of remediation (only its
announced deadline), so "course to completion" cannot be measured; the page
says so rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from remedia.rrm.deadlines import Step, StepStatus

__all__ = [
    "DURATIONS",
    "STATUS_ORDER",
    "DurationFigure",
    "StatusShare",
    "durations_compute",
    "status_shares_compute",
]


class CaseDates(Protocol):
    def timeline(self, *, today: dt.date) -> list[Step]: ...


@dataclass(frozen=True, kw_only=True)
class Duration:
    key: str
    label: Any
    start: str  # attribute of the case
    end: str


DURATIONS: tuple[Duration, ...] = (
    Duration(
        key="petition_to_request",
        label=_("Petición → solicitud de revisión"),
        start="petition_received_on",
        end="ilc_request_on",
    ),
    Duration(
        key="request_to_determination",
        label=_("Solicitud → determinación de México"),
        start="ilc_request_on",
        end="mexico_determination_on",
    ),
    Duration(
        key="determination_to_remediation",
        label=_("Determinación → curso de reparación"),
        start="mexico_determination_on",
        end="remediation_announced_on",
    ),
    Duration(
        key="remediation_to_deadline",
        label=_("Curso anunciado → su plazo"),
        start="remediation_announced_on",
        end="remediation_deadline",
    ),
)

STATUS_ORDER: tuple[StepStatus, ...] = (
    StepStatus.MET,
    StepStatus.LATE,
    StepStatus.DONE_UNDATED,
    StepStatus.PENDING,
    StepStatus.OVERDUE,
)


@dataclass(frozen=True, kw_only=True)
class DurationFigure:
    key: str
    label: Any
    days: tuple[int, ...]  # one per case with both dates, shortest first

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def minimum(self) -> int | None:
        return self.days[0] if self.days else None

    @property
    def maximum(self) -> int | None:
        return self.days[-1] if self.days else None


@dataclass(frozen=True, kw_only=True)
class StatusShare:
    status: StepStatus
    count: int
    total: int

    @property
    def percent(self) -> float:
        return 100 * self.count / self.total if self.total else 0.0


def durations_compute(*, cases: Iterable[Any]) -> list[DurationFigure]:
    """Days between two dates of the record, for every case that has both."""
    cases = list(cases)
    figures = []
    for duration in DURATIONS:
        days = []
        for case in cases:
            start = getattr(case, duration.start)
            end = getattr(case, duration.end)
            if start is not None and end is not None:
                days.append((end - start).days)
        figures.append(
            DurationFigure(
                key=duration.key, label=duration.label, days=tuple(sorted(days))
            )
        )
    return figures


def status_shares_compute(
    *, cases: Iterable[CaseDates], today: dt.date
) -> list[StatusShare]:
    """How many of all the cases' steps are met, late, done undated, pending,
    overdue on ``today``: every status, zero counts included, in a fixed order."""
    counts: Counter[StepStatus] = Counter()
    for case in cases:
        # The public timeline: a concluded case's open steps are not overdue.
        timeline = getattr(case, "public_timeline", None) or case.timeline
        counts.update(step.status for step in timeline(today=today))
    total = sum(counts.values())
    return [
        StatusShare(status=status, count=counts[status], total=total)
        for status in STATUS_ORDER
    ]


def chart_rows(
    figures: Sequence[DurationFigure],
) -> list[tuple[str, tuple[int, ...], float | None]]:
    """The durations as ``drawing.durations_svg`` takes them."""
    return [(str(f.label), f.days, f.median) for f in figures]
