"""Counts shown to people: small ones are suppressed, so no one is singled out.

A count of two reports about a workshop of twelve can point at the two who
spoke. Every figure Remedia shows outside the inbox goes through here: counts
from 1 to `SMALL_COUNT - 1` read "menos de 5". When a table's cells add up to a
total that is shown, one suppressed cell could be worked out by subtraction,
so a second cell (the smallest shown) is hidden with it (complementary
suppression, as statistics offices do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

SMALL_COUNT = 5


class Shown(StrEnum):
    EXACT = "exact"
    SMALL = "small"  # 1 to SMALL_COUNT - 1: "menos de 5"
    HIDDEN = "hidden"  # hidden so that a small cell cannot be worked out


@dataclass(frozen=True)
class ShownCount:
    key: str
    label: Any
    shown: Shown
    value: int | None  # None unless shown exactly

    @property
    def exact(self) -> bool:
        return self.shown == Shown.EXACT

    @property
    def small(self) -> bool:
        return self.shown == Shown.SMALL

    @property
    def hidden(self) -> bool:
        return self.shown == Shown.HIDDEN


def shown_count(count: int, *, key: str = "", label: Any = "") -> ShownCount:
    if 0 < count < SMALL_COUNT:
        return ShownCount(key=key, label=label, shown=Shown.SMALL, value=None)
    return ShownCount(key=key, label=label, shown=Shown.EXACT, value=count)


def shown_counts(
    cells: Iterable[tuple[str, Any, int]], *, total: int | None = None
) -> list[ShownCount]:
    """Cells `(key, label, count)` with zero counts left out, small ones suppressed.

    `total`: the shown total the cells add up to (or may add up to), if there
    is one. With it, a lone suppressed cell takes the smallest exact cell with
    it, so that the total minus the rest does not give the small one away.
    """
    nonzero = [(key, label, count) for key, label, count in cells if count > 0]
    shown = [shown_count(count, key=key, label=label) for key, label, count in nonzero]
    small = [s for s in shown if s.small]
    exact = [s for s in shown if s.exact]
    total_exact = total is not None and total >= SMALL_COUNT
    if total_exact and len(small) == 1 and exact:
        # The smallest exact cell, the first of equals: hidden beside the small one.
        victim = min(exact, key=lambda s: s.value or 0)
        shown = [
            ShownCount(key=s.key, label=s.label, shown=Shown.HIDDEN, value=None)
            if s is victim
            else s
            for s in shown
        ]
    return shown
