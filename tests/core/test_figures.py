"""Small counts are never shown, nor left to be worked out from a total."""

from __future__ import annotations

from remedia.core.figures import Shown, shown_count, shown_counts


def _shown(cells):
    return {c.key: (c.shown, c.value) for c in cells}


def test_counts_from_one_to_four_are_small_zero_and_five_are_exact():
    assert [shown_count(n).shown for n in (0, 1, 4, 5, 120)] == [
        Shown.EXACT,
        Shown.SMALL,
        Shown.SMALL,
        Shown.EXACT,
        Shown.EXACT,
    ]
    assert shown_count(3).value is None
    assert shown_count(5).value == 5


def test_zero_cells_are_left_out():
    cells = shown_counts([("a", "A", 0), ("b", "B", 7)], total=7)

    assert _shown(cells) == {"b": (Shown.EXACT, 7)}


def test_a_lone_small_cell_takes_the_smallest_exact_one_with_it():
    # Total 20 shown: 12 + 6 + 2. Showing 12 and 6 would give the 2 away.
    cells = shown_counts([("a", "A", 12), ("b", "B", 6), ("c", "C", 2)], total=20)

    assert _shown(cells) == {
        "a": (Shown.EXACT, 12),
        "b": (Shown.HIDDEN, None),
        "c": (Shown.SMALL, None),
    }


def test_two_small_cells_protect_each_other():
    cells = shown_counts([("a", "A", 12), ("b", "B", 3), ("c", "C", 2)], total=17)

    assert _shown(cells) == {
        "a": (Shown.EXACT, 12),
        "b": (Shown.SMALL, None),
        "c": (Shown.SMALL, None),
    }


def test_without_a_shown_total_nothing_more_is_hidden():
    cells = shown_counts([("a", "A", 12), ("c", "C", 2)], total=None)
    assert _shown(cells)["a"] == (Shown.EXACT, 12)

    # A small total is itself suppressed, and every cell under it is small
    cells = shown_counts([("a", "A", 3), ("c", "C", 1)], total=4)
    assert {c.shown for c in cells} == {Shown.SMALL}
