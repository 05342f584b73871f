"""Training coverage: the arithmetic on plain rows (``training/coverage.py``), with
no database."""

from __future__ import annotations

from decimal import Decimal

from remedia.training.coverage import (
    FACILITY_ROLES,
    coverage_count,
    percent_floor,
)
from remedia.training.models import PersonnelRole
from tests.training.coverage_terms import GUIDE, RIGHTS, S, U, W, role_of

# --- The arithmetic --------------------------------------------------------------------


def test_percent_is_rounded_down_to_one_decimal_and_100_only_when_all() -> None:
    assert percent_floor(199, 200) == Decimal("99.5")
    assert percent_floor(1999, 2000) == Decimal("99.9")
    assert percent_floor(19999, 20000) == Decimal("99.9")
    assert percent_floor(2, 3) == Decimal("66.6")  # not 66.7
    assert percent_floor(1, 3) == Decimal("33.3")
    assert percent_floor(200, 200) == Decimal("100.0")
    assert percent_floor(0, 7) == Decimal("0.0")
    assert percent_floor(0, 0) is None


def test_an_empty_roster_has_no_coverage_and_is_not_complete() -> None:
    coverage = coverage_count(roster=[], attendance=[], topics=[RIGHTS])

    assert coverage.total.people == 0
    assert coverage.total.percent is None
    assert coverage.total.percent_text == "—"
    assert not coverage.complete
    # Every facility role is listed, with nobody in it.
    assert [r.role for r in coverage.roles] == list(FACILITY_ROLES)
    assert all(r.people == 0 and r.percent is None for r in coverage.roles)


def test_partial_coverage_per_role_and_in_total() -> None:
    roster = [(f"w{i}", W, True) for i in range(4)] + [("s1", S, True)]
    attendance = [("w0", RIGHTS, True), ("w1", RIGHTS, True), ("s1", RIGHTS, True)]

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])

    workers = role_of(coverage, W)
    assert (workers.people, workers.trained, workers.percent) == (4, 2, Decimal("50.0"))
    assert role_of(coverage, S).complete
    assert (coverage.total.people, coverage.total.trained) == (5, 3)
    assert coverage.total.percent == Decimal("60.0")
    assert not coverage.complete


def test_199_of_200_shows_99_5_not_100_and_is_not_complete() -> None:
    roster = [(i, W, True) for i in range(200)]
    attendance = [(i, RIGHTS, True) for i in range(199)]

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])

    workers = role_of(coverage, W)
    assert workers.percent == Decimal("99.5")
    assert workers.percent_text == "99.5"
    assert not workers.complete
    assert not coverage.complete


def test_everyone_trained_is_100_and_complete_even_with_empty_roles() -> None:
    roster = [("w1", W, True), ("u1", U, True)]
    attendance = [("w1", GUIDE, False), ("u1", GUIDE, True)]

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[GUIDE])

    assert coverage.total.percent == Decimal("100.0")
    assert coverage.total.percent_text == "100"
    # Management, supervision and HR have nobody: they do not hold it back.
    assert role_of(coverage, PersonnelRole.MANAGEMENT).people == 0
    assert coverage.complete


def test_inactive_people_are_not_counted_at_all() -> None:
    roster = [("w1", W, True), ("w2", W, False)]
    attendance = [("w1", RIGHTS, True), ("w2", RIGHTS, True)]

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])

    assert (coverage.total.people, coverage.total.trained) == (1, 1)
    assert coverage.complete


def test_someone_trained_twice_counts_once() -> None:
    roster = [("w1", W, True), ("w2", W, True)]
    attendance = [("w1", RIGHTS, True)] * 3

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])

    assert role_of(coverage, W).trained == 1
    assert role_of(coverage, W).percent == Decimal("50.0")


def test_sessions_on_another_topic_do_not_count() -> None:
    roster = [("w1", W, True)]

    coverage = coverage_count(
        roster=roster, attendance=[("w1", GUIDE, True)], topics=[RIGHTS]
    )

    assert coverage.total.trained == 0


def test_outside_working_hours_counts_only_when_not_required() -> None:
    roster = [("w1", W, True), ("w2", W, True)]
    attendance = [("w1", RIGHTS, True), ("w2", RIGHTS, False)]

    anytime = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])
    working = coverage_count(
        roster=roster, attendance=attendance, topics=[RIGHTS], working_hours_only=True
    )

    assert anytime.total.trained == 2
    assert working.total.trained == 1
    assert not working.complete


def test_with_several_topics_a_person_needs_each_of_them() -> None:
    roster = [("w1", W, True), ("w2", W, True)]
    attendance = [("w1", RIGHTS, True), ("w1", GUIDE, True), ("w2", RIGHTS, True)]

    coverage = coverage_count(
        roster=roster, attendance=attendance, topics=[RIGHTS, GUIDE]
    )

    assert coverage.total.trained == 1


def test_attendance_of_someone_not_on_the_roster_or_outside_the_roles_is_ignored() -> (
    None
):
    roster = [("w1", W, True), ("o1", PersonnelRole.OFFICIAL, True)]
    attendance = [("ghost", RIGHTS, True), ("o1", RIGHTS, True)]

    coverage = coverage_count(roster=roster, attendance=attendance, topics=[RIGHTS])

    assert (coverage.total.people, coverage.total.trained) == (1, 0)


def test_json_form_gives_numbers() -> None:
    coverage = coverage_count(
        roster=[(1, W, True), (2, W, True), (3, W, True)],
        attendance=[(1, RIGHTS, True)],
        topics=[RIGHTS],
    )

    body = coverage.as_json()

    worker = next(r for r in body["roles"] if r["role"] == W)
    assert worker["percent"] == 33.3
    assert body["total"] == {
        "role": "total",
        "label": "total",
        "people": 3,
        "trained": 1,
        "percent": 33.3,
        "complete": False,
    }
    assert body["complete"] is False
