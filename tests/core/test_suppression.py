"""Suppression of small counts, proved against an attacker who has everything published.

The attacker knows every shown cell and total, that the sums hold, that counts
are whole and non-negative, and that a suppressed count is at least 1 (zeros
are always shown). For each suppressed count the test asks an exact question
of its own linear program (written here, independent of the module's flow
algorithm): can this count be `threshold` or more, given all that? The
constraint matrices of tables with margins are totally unimodular, so the
linear program answers for whole numbers too. If it can, the published data
cannot pin it inside 1..threshold-1; neither can any sum of suppressed counts
(each is at least 1, so a sum pinned below the threshold pins its members).
The usual attacks by subtraction (a total minus the cells shown, one total
minus another) are checked directly as well.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remedia.core.suppression import (
    OneWay,
    TwoWay,
    suppress_one_way,
    suppress_two_way,
)

# --- An exact feasibility oracle: phase one of the simplex method, in fractions --------


def _feasible(a: list[list[int]], b: list[int]) -> bool:
    """Whether A z = b has a solution with z >= 0 (Bland's rule, exact arithmetic)."""
    m = len(a)
    n = len(a[0]) if a else 0
    tableau: list[list[Fraction]] = []
    for i in range(m):
        sign = -1 if b[i] < 0 else 1
        tableau.append(
            [Fraction(sign * x) for x in a[i]]
            + [Fraction(1 if k == i else 0) for k in range(m)]
            + [Fraction(sign * b[i])]
        )
    basis = [n + i for i in range(m)]
    cost = [0] * n + [1] * m
    while True:
        entering = None
        for j in range(n + m):
            reduced = cost[j] - sum(cost[basis[i]] * tableau[i][j] for i in range(m))
            if reduced < 0:
                entering = j
                break
        if entering is None:
            break
        leave = None
        for i in range(m):
            if tableau[i][entering] > 0:
                ratio = tableau[i][-1] / tableau[i][entering]
                if leave is None or (ratio, basis[i]) < (leave[0], basis[leave[1]]):
                    leave = (ratio, i)
        assert leave is not None  # phase one is bounded below by zero
        r = leave[1]
        pivot = tableau[r][entering]
        tableau[r] = [x / pivot for x in tableau[r]]
        for i in range(m):
            if i != r and tableau[i][entering] != 0:
                factor = tableau[i][entering]
                tableau[i] = [
                    x - factor * y for x, y in zip(tableau[i], tableau[r], strict=True)
                ]
        basis[r] = entering
    return sum(cost[basis[i]] * tableau[i][-1] for i in range(m)) == 0


def _can_reach(
    items: list[int | None],
    equations: list[tuple[int, list[int]]],
    target: int,
    threshold: int,
) -> bool:
    """Whether the suppressed item `target` can be >= threshold.

    `items`: published values, None where suppressed; `equations`: (total,
    parts) as indexes into items. Unknowns y >= 1 are written y = 1 + z.
    """
    unknown = [i for i, v in enumerate(items) if v is None]
    col = {item: k for k, item in enumerate(unknown)}
    n = len(unknown) + 1  # + the slack of y_target - s = threshold
    rows: list[list[int]] = []
    rhs: list[int] = []
    for total, parts in equations:
        coeffs = [0] * n
        constant = 0  # sum(parts) - total = 0, known values moved right
        for item, sign in [(total, -1)] + [(p, 1) for p in parts]:
            if items[item] is None:
                coeffs[col[item]] += sign
                constant += sign  # the 1 of y = 1 + z
            else:
                constant += sign * items[item]  # type: ignore[operator]
        rows.append(coeffs)
        rhs.append(-constant)
    coeffs = [0] * n
    coeffs[col[target]] = 1
    coeffs[-1] = -1
    rows.append(coeffs)
    rhs.append(threshold - 1)
    return _feasible(rows, rhs)


# --- Tables as items and equations ----------------------------------------------------


def _two_way_items(
    grid: list[list[int]],
) -> tuple[list[int], list[tuple[int, list[int]]]]:
    r, c = len(grid), len(grid[0])
    cells = [grid[i][j] for i in range(r) for j in range(c)]
    rows = [sum(row) for row in grid]
    cols = [sum(grid[i][j] for i in range(r)) for j in range(c)]
    items = cells + rows + cols + [sum(rows)]
    k = r * c
    equations = [(k + i, [i * c + j for j in range(c)]) for i in range(r)]
    equations += [(k + r + j, [i * c + j for i in range(r)]) for j in range(c)]
    equations.append((k + r + c, [k + i for i in range(r)]))
    equations.append((k + r + c, [k + r + j for j in range(c)]))
    return items, equations


def _two_way_published(table: TwoWay) -> list[int | None]:
    return (
        [v for row in table.cells for v in row]
        + list(table.row_totals)
        + list(table.column_totals)
        + [table.total]
    )


def _one_way_items(counts: list[int]) -> tuple[list[int], list[tuple[int, list[int]]]]:
    return counts + [sum(counts)], [(len(counts), list(range(len(counts))))]


def _one_way_published(table: OneWay) -> list[int | None]:
    return list(table.cells) + [table.total]


def _assert_safe(
    truth: list[int],
    shown: list[int | None],
    equations: list[tuple[int, list[int]]],
    threshold: int,
) -> None:
    small = range(1, threshold)
    assert len(truth) == len(shown)
    for value, published in zip(truth, shown, strict=True):
        # What is shown is true, zeros are shown, nothing small is shown.
        if published is not None:
            assert published == value
            assert published not in small
        else:
            assert value > 0
    # Subtraction: a shown total minus its shown parts is the sum of its
    # suppressed parts; it must not be small (and is 0 only if none is hidden).
    for total, parts in equations:
        if shown[total] is None:
            continue
        rest = shown[total] - sum(shown[p] or 0 for p in parts)  # type: ignore[operator]
        hidden = [p for p in parts if shown[p] is None]
        assert rest not in small, (total, parts, rest)
        assert (rest == 0) == (not hidden)
    # One shown total minus another it contains (G - a row total, a row total
    # minus a shown cell ...), when what is left is all suppressed.
    members = _members(truth, equations)
    for a, set_a in members.items():
        for b, set_b in members.items():
            if a == b or shown[a] is None or shown[b] is None or not set_b < set_a:
                continue
            left = set_a - set_b
            if all(shown[c] is None for c in left):
                assert shown[a] - shown[b] not in small  # type: ignore[operator]
    # The exact question, for every suppressed count.
    for item, published in enumerate(shown):
        if published is not None:
            continue
        if truth[item] >= threshold:
            continue  # the true table itself shows it can reach the threshold
        assert _can_reach(shown, equations, item, threshold), (
            f"item {item} (true {truth[item]}) is pinned below {threshold}: {shown}"
        )


def _members(
    truth: list[int], equations: list[tuple[int, list[int]]]
) -> dict[int, frozenset[int]]:
    """Each item as the set of innermost cells it adds up."""
    totals = {total for total, _ in equations}
    members: dict[int, frozenset[int]] = {
        i: frozenset({i}) for i in range(len(truth)) if i not in totals
    }
    while len(members) < len(truth):
        for total, parts in equations:
            if total not in members and all(p in members for p in parts):
                members[total] = frozenset().union(*(members[p] for p in parts))
    return members


# --- Generated tables -----------------------------------------------------------------


@st.composite
def _count(draw: st.DrawFn, threshold: int) -> int:
    return draw(
        st.one_of(
            st.just(0),
            st.integers(1, max(1, threshold - 1)),
            st.integers(threshold, 3 * threshold),
            st.integers(0, 2 * threshold),
        )
    )


@st.composite
def _two_way_case(draw: st.DrawFn) -> tuple[int, list[list[int]]]:
    threshold = draw(st.sampled_from([2, 3, 5, 11]))
    r = draw(st.integers(1, 4))
    c = draw(st.integers(1, 4))
    grid = [[draw(_count(threshold)) for _ in range(c)] for _ in range(r)]
    return threshold, grid


@st.composite
def _one_way_case(draw: st.DrawFn) -> tuple[int, list[int]]:
    threshold = draw(st.sampled_from([2, 3, 5, 11]))
    counts = draw(st.lists(_count(threshold), min_size=1, max_size=8))
    return threshold, counts


PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


@PROPERTY
@given(_two_way_case())
def test_two_way_tables_reveal_no_small_count(
    case: tuple[int, list[list[int]]],
) -> None:
    threshold, grid = case
    table = suppress_two_way(grid, threshold=threshold)
    truth, equations = _two_way_items(grid)
    _assert_safe(truth, _two_way_published(table), equations, threshold)


@PROPERTY
@given(_one_way_case())
def test_one_way_tables_reveal_no_small_count(case: tuple[int, list[int]]) -> None:
    threshold, counts = case
    table = suppress_one_way(counts, threshold=threshold)
    truth, equations = _one_way_items(counts)
    _assert_safe(truth, _one_way_published(table), equations, threshold)


# --- The oracle itself, and tables worked by hand --------------------------------------


def test_the_oracle_sees_a_cell_given_away_by_its_total() -> None:
    # 3 + 40 = 43 with only the 3 hidden: the 3 cannot reach 11.
    truth, equations = _one_way_items([3, 40])
    assert not _can_reach([None, 40, 43], equations, 0, 11)
    # Both hidden: 43 - 1 = 42 is the most the 3 could be.
    assert _can_reach([None, None, 43], equations, 0, 11)
    # Both hidden but they sum to 12: each is at most 11.
    assert _can_reach([None, None, 12], equations, 0, 11)
    assert not _can_reach([None, None, 11], equations, 0, 11)


def test_the_oracle_sees_a_two_way_cell_pinned_by_rows_and_columns() -> None:
    # [[3, 20], [30, 40]]: hiding only 3 and 20 leaves the column total 33 - 30.
    truth, equations = _two_way_items([[3, 20], [30, 40]])
    shown = [None, None, 30, 40, None, 70, 33, 60, 93]
    assert not _can_reach(shown, equations, 0, 11)


def test_a_lone_small_count_takes_the_smallest_other_with_it() -> None:
    table = suppress_one_way([3, 50, 20, 0], threshold=11)
    assert table == OneWay(cells=(None, 50, None, 0), total=73)


def test_two_small_counts_summing_below_the_threshold_take_a_third() -> None:
    # 2 + 3 = 5 with a total of 105: the pair is pinned to 5; one more goes.
    table = suppress_one_way([2, 3, 100], threshold=11)
    assert table.cells == (None, None, None)
    assert table.total == 105


def test_a_small_total_is_suppressed_and_so_is_everything_that_gives_it() -> None:
    assert suppress_one_way([4, 0, 3], threshold=11) == OneWay(
        cells=(None, 0, None), total=None
    )
    assert suppress_one_way([0, 0], threshold=11) == OneWay(cells=(0, 0), total=0)


def test_large_counts_are_all_shown() -> None:
    table = suppress_two_way([[11, 20], [0, 30]], threshold=11)
    assert table == TwoWay(
        cells=((11, 20), (0, 30)),
        row_totals=(31, 30),
        column_totals=(11, 50),
        total=61,
    )


def test_a_small_cell_in_a_two_way_table_hides_a_rectangle() -> None:
    table = suppress_two_way([[3, 20], [30, 40]], threshold=11)
    # The 3 with its smallest row and column neighbours, and the opposite corner.
    assert table.cells == ((None, None), (None, None))
    assert table.row_totals == (23, 70)
    assert table.column_totals == (33, 60)
    assert table.total == 93
    truth, equations = _two_way_items([[3, 20], [30, 40]])
    _assert_safe(truth, _two_way_published(table), equations, 11)


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        suppress_one_way([-1], threshold=11)
    with pytest.raises(ValueError, match="same length"):
        suppress_two_way([[1, 2], [3]], threshold=11)
    with pytest.raises(ValueError, match="threshold"):
        suppress_one_way([1], threshold=0)
