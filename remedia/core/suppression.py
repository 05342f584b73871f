"""Published tables where no small count can be read, worked out or narrowed down.

The rule (CMS cell-suppression policy, CTDC's public map): a count from 1 to
`threshold - 1` is never shown; 0 is. Hiding the small cells alone is not
enough when totals are shown: a row total minus the cells shown gives the
hidden one back. So, as statistics offices do (WA DOH's appendix D, SSB's
GaussSuppression), cells are suppressed in two rounds:

1. primary: every count 1..threshold-1, cells and totals alike;
2. secondary (complementary): until nothing changes,
   - every sum (a row, a column, the row of column totals, ...) with one
     suppressed member gets a second one: its smallest non-zero member shown,
     a cell before a total;
   - every suppressed count still below the threshold is audited against what
     an attacker can do with everything published (each sum, every cell
     non-negative, every suppressed cell at least 1 since zeros are shown):
     the largest value it can take must reach the threshold, or one more
     neighbour (again the smallest, cells first) is suppressed.

The audit is exact. A table with its margins is a circulation: rows and
columns are nodes, a cell is an arc from its row to its column, a row total an
arc from the source to the row, a column total from the column to the sink,
the grand total from the sink back to the source (a one-way table: cells from
the source to the sink, the total back). The largest value a suppressed arc
can take is its value plus the maximum flow that can come back around it
through the suppressed arcs (shown ones are fixed; a suppressed one may grow
without limit or shrink down to 1). Network matrices are totally unimodular,
so this bound is reached by whole numbers: it is what the attacker gets, not
an approximation.

Zeros are never suppressed, so the attacker's "at least 1" holds; suppressing
every non-zero count always ends the loop safely (the grand total hidden lets
every cell grow), so the loop ends.

Pure functions, no database: `remedia.analytics` calls them before anything
is stored. (`remedia.core.figures` is the older, single-list version the RRM
pages use.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_THRESHOLD",
    "OneWay",
    "TwoWay",
    "suppress_one_way",
    "suppress_two_way",
]

DEFAULT_THRESHOLD = 11

_SOURCE, _SINK = 0, 1


@dataclass(frozen=True)
class OneWay:
    """A list of counts and their total, None where suppressed."""

    cells: tuple[int | None, ...]
    total: int | None


@dataclass(frozen=True)
class TwoWay:
    """Rows × columns with row totals, column totals and the grand total,
    None where suppressed."""

    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    total: int | None


@dataclass(frozen=True)
class _Arc:
    tail: int
    head: int
    value: int
    margin: bool  # a total: suppressed only after the cells


def _check(counts: Sequence[int], threshold: int) -> None:
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    if any(c < 0 for c in counts):
        raise ValueError("counts cannot be negative")


def suppress_one_way(counts: Sequence[int], *, threshold: int) -> OneWay:
    """The counts and their total as they may be published."""
    counts = [int(c) for c in counts]
    _check(counts, threshold)
    arcs = [_Arc(_SOURCE, _SINK, c, False) for c in counts]
    arcs.append(_Arc(_SINK, _SOURCE, sum(counts), True))
    shown = _published(arcs, threshold)
    return OneWay(cells=tuple(shown[: len(counts)]), total=shown[-1])


def suppress_two_way(rows: Sequence[Sequence[int]], *, threshold: int) -> TwoWay:
    """The cells (rows of equal length) with their margins, as they may be published."""
    grid = [[int(c) for c in row] for row in rows]
    n_rows = len(grid)
    n_cols = len(grid[0]) if grid else 0
    if any(len(row) != n_cols for row in grid):
        raise ValueError("rows must have the same length")
    _check([c for row in grid for c in row], threshold)

    def row_node(i: int) -> int:
        return 2 + i

    def col_node(j: int) -> int:
        return 2 + n_rows + j

    arcs = [
        _Arc(row_node(i), col_node(j), grid[i][j], False)
        for i in range(n_rows)
        for j in range(n_cols)
    ]
    arcs += [_Arc(_SOURCE, row_node(i), sum(grid[i]), True) for i in range(n_rows)]
    arcs += [
        _Arc(col_node(j), _SINK, sum(grid[i][j] for i in range(n_rows)), True)
        for j in range(n_cols)
    ]
    arcs.append(_Arc(_SINK, _SOURCE, sum(map(sum, grid)), True))
    shown = _published(arcs, threshold)
    k = n_rows * n_cols
    return TwoWay(
        cells=tuple(
            tuple(shown[i * n_cols + j] for j in range(n_cols)) for i in range(n_rows)
        ),
        row_totals=tuple(shown[k : k + n_rows]),
        column_totals=tuple(shown[k + n_rows : k + n_rows + n_cols]),
        total=shown[-1],
    )


# --- The loop -------------------------------------------------------------------------


def _published(arcs: list[_Arc], threshold: int) -> list[int | None]:
    suppressed = {i for i, a in enumerate(arcs) if 0 < a.value < threshold}
    incident: dict[int, list[int]] = {}
    for i, a in enumerate(arcs):
        incident.setdefault(a.tail, []).append(i)
        incident.setdefault(a.head, []).append(i)

    def cheapest(candidates: list[int]) -> int | None:
        shown = [i for i in candidates if i not in suppressed and arcs[i].value > 0]
        if not shown:
            return None
        return min(shown, key=lambda i: (arcs[i].margin, arcs[i].value, i))

    while True:
        # Each sum with exactly one suppressed member gets a second.
        added = False
        for node in sorted(incident):
            members = incident[node]
            if sum(1 for i in members if i in suppressed) == 1:
                pick = cheapest(members)
                if pick is not None:
                    suppressed.add(pick)
                    added = True
        if added:
            continue
        # The exact audit: every suppressed small count must be able to reach
        # the threshold given everything published.
        exposed = next(
            (
                i
                for i in sorted(suppressed)
                if arcs[i].value < threshold
                and _largest(arcs, suppressed, i, threshold) < threshold
            ),
            None,
        )
        if exposed is None:
            break
        arc = arcs[exposed]
        pick = cheapest(incident[arc.tail] + incident[arc.head])
        if pick is None:
            pick = cheapest(list(range(len(arcs))))
        if pick is None:  # pragma: no cover - every non-zero count is suppressed
            break
        suppressed.add(pick)
    return [None if i in suppressed else a.value for i, a in enumerate(arcs)]


def _largest(arcs: list[_Arc], suppressed: set[int], target: int, enough: int) -> int:
    """The largest value arc `target` can take given the shown arcs, counting
    no further than `enough` (the caller asks only whether it gets there)."""
    unbounded = sum(a.value for a in arcs) + enough + 1
    capacity: dict[int, dict[int, int]] = {}

    def add(u: int, v: int, c: int) -> None:
        if c > 0:
            capacity.setdefault(u, {})
            capacity[u][v] = capacity[u].get(v, 0) + c
            capacity.setdefault(v, {}).setdefault(u, 0)

    for i in suppressed:
        if i == target:
            continue
        a = arcs[i]
        add(a.tail, a.head, unbounded)  # may grow
        add(a.head, a.tail, a.value - 1)  # may shrink down to 1
    arc = arcs[target]
    need = enough - arc.value
    flow = _max_flow(capacity, arc.head, arc.tail, limit=need)
    return arc.value + flow


def _max_flow(
    cap: dict[int, dict[int, int]], source: int, sink: int, limit: int
) -> int:
    """Edmonds–Karp from `source` to `sink`, stopping once `limit` is reached."""
    if source == sink:
        return limit
    flow = 0
    while flow < limit:
        parent: dict[int, int] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            u = queue.popleft()
            for v, c in cap.get(u, {}).items():
                if c > 0 and v not in parent:
                    parent[v] = u
                    queue.append(v)
        if sink not in parent:
            break
        push = limit - flow
        v = sink
        while v != source:
            u = parent[v]
            push = min(push, cap[u][v])
            v = u
        v = sink
        while v != source:
            u = parent[v]
            cap[u][v] -= push
            cap[v][u] += push
            v = u
        flow += push
    return flow
