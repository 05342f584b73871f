"""The Annex 31-A deadline engine: due dates, business days, statuses, order.

Every expected date here was counted by hand (start + days, then forward past
Saturdays, Sundays and LFT art. 74 rest days); weekdays are noted beside them.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from remedia.rrm.deadlines import (
    DATE_ARGUMENTS,
    Step,
    StepStatus,
    TimelineOrderError,
    business_day_on_or_after,
    is_rest_day,
    mandatory_rest_days,
    timeline_compute,
)
from tests.rrm.public_record import EXPECTED, TODAY, record_cases

D = dt.date.fromisoformat
LATER = D("2030-01-01")


def _step(steps: list[Step], name: str) -> Step:
    (found,) = [step for step in steps if step.step == name]
    return found


def _due(*, start: str, days: int) -> tuple[str, str]:
    """(due, due_business) of the one step a lone request/petition/determination
    of `days` starts, read from the engine's timeline."""
    argument, name = {
        30: ("petition", "ilc_determination"),
        10: ("request", "review_acceptance"),
        45: ("request", "review"),
    }[days]
    step = _step(timeline_compute(today=LATER, **{argument: D(start)}), name)
    return step.due.isoformat(), step.due_business.isoformat()


# --- Mexico's mandatory rest days, from the holiday library ----------------------


def _nth_monday(year: int, month: int, n: int) -> dt.date:
    mondays = [
        week[calendar.MONDAY]
        for week in calendar.monthcalendar(year, month)
        if week[calendar.MONDAY]
    ]
    return dt.date(year, month, mondays[n - 1])


def _article_74(year: int) -> set[dt.date]:
    """LFT art. 74 (fractions I-VIII) worked out independently of the library."""
    days = {
        dt.date(year, 1, 1),
        _nth_monday(year, 2, 1),
        _nth_monday(year, 3, 3),
        dt.date(year, 5, 1),
        dt.date(year, 9, 16),
        _nth_monday(year, 11, 3),
        dt.date(year, 12, 25),
    }
    if (year - 2024) % 6 == 0:  # 2012, 2018: 1 December; from 2024: 1 October
        days.add(dt.date(year, 10, 1) if year >= 2024 else dt.date(year, 12, 1))
    return days


@pytest.mark.parametrize("year", range(2007, 2041))
def test_the_library_lists_exactly_the_rest_days_of_article_74(year):
    # Given the law's rule for the year, when the library's list is read,
    # then the two agree day for day: nothing extra (no Holy Thursday, no
    # 12 December, no substitute Monday), nothing missing.
    assert mandatory_rest_days(year) == _article_74(year)


def test_the_transmission_of_the_executive_moved_from_december_to_october():
    # The reform of LFT art. 74 VII (DOF 2024-09-30) follows the Constitution's
    # new inauguration day; the library has it.
    assert dt.date(2018, 12, 1) in mandatory_rest_days(2018)
    assert dt.date(2024, 10, 1) in mandatory_rest_days(2024)  # a Tuesday
    assert dt.date(2024, 12, 1) not in mandatory_rest_days(2024)
    assert dt.date(2030, 10, 1) in mandatory_rest_days(2030)
    assert dt.date(2030, 12, 1) not in mandatory_rest_days(2030)
    assert dt.date(2025, 10, 1) not in mandatory_rest_days(2025)


@pytest.mark.parametrize(
    "day",
    [
        "2023-04-06",  # Holy Thursday
        "2023-04-07",  # Good Friday
        "2023-11-02",  # Day of the Dead
        "2023-12-12",  # Our Lady of Guadalupe
        "2025-02-05",  # Constitution Day itself (Wed); the rest day was Mon 3rd
        "2025-03-21",  # Juárez's birthday itself (Fri); the rest day was Mon 17th
        "2025-11-20",  # Revolution Day itself (Thu); the rest day was Mon 17th
        "2023-01-02",  # Monday after New Year on a Sunday: no substitute day
        "2022-05-02",  # Monday after 1 May on a Sunday: no substitute day
        "2024-12-24",
        "2024-12-31",
    ],
)
def test_days_that_are_no_mandatory_rest_days_are_business_days(day):
    assert not is_rest_day(D(day))
    assert business_day_on_or_after(D(day)) == D(day)


def test_weekends_are_no_business_days():
    assert is_rest_day(D("2023-08-05"))  # Saturday
    assert is_rest_day(D("2023-08-06"))  # Sunday
    assert not is_rest_day(D("2023-08-07"))  # Monday


# --- Due dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due", "due_business"),
    [
        # Weekends
        ("2021-05-12", 45, "2021-06-26", "2021-06-28"),  # Sat -> Mon
        ("2023-07-27", 10, "2023-08-06", "2023-08-07"),  # via request: Sun -> Mon
        ("2023-06-12", 45, "2023-07-27", "2023-07-27"),  # Thu stays
        # Year ends
        ("2022-12-29", 30, "2023-01-28", "2023-01-30"),  # across 31 Dec, Sat
        ("2023-12-02", 30, "2024-01-01", "2024-01-02"),  # 1 Jan (Mon) -> Tue 2 Jan
        ("2021-12-22", 10, "2022-01-01", "2022-01-03"),  # 1 Jan on a Sat -> Mon 3
        ("2022-12-22", 10, "2023-01-01", "2023-01-02"),  # 1 Jan on a Sun -> Mon 2
        ("2026-12-22", 10, "2027-01-01", "2027-01-04"),  # Fri 1 Jan, then weekend
        ("2024-12-20", 45, "2025-02-03", "2025-02-04"),  # across the year, then Feb
        # Holidays of LFT art. 74
        ("2023-01-27", 10, "2023-02-06", "2023-02-07"),  # first Monday of February
        ("2024-03-08", 10, "2024-03-18", "2024-03-19"),  # third Monday of March
        ("2024-04-21", 10, "2024-05-01", "2024-05-02"),  # 1 May (Wed)
        ("2025-09-06", 10, "2025-09-16", "2025-09-17"),  # 16 September (Tue)
        ("2025-11-07", 10, "2025-11-17", "2025-11-18"),  # third Monday of November
        ("2025-12-15", 10, "2025-12-25", "2025-12-26"),  # 25 December (Thu)
        ("2024-09-21", 10, "2024-10-01", "2024-10-02"),  # 1 Oct 2024, transmission
        ("2024-11-21", 10, "2024-12-01", "2024-12-02"),  # 1 Dec 2024: a plain Sun
        ("2006-11-21", 10, "2006-12-01", "2006-12-04"),  # 1 Dec 2006 (Fri), weekend
        ("2026-04-21", 10, "2026-05-01", "2026-05-04"),  # 1 May on a Fri, weekend
        ("2026-12-15", 10, "2026-12-25", "2026-12-28"),  # 25 Dec on a Fri, weekend
        ("2023-04-19", 10, "2023-04-29", "2023-05-02"),  # Sat, Sun, then 1 May
        ("2023-03-27", 10, "2023-04-06", "2023-04-06"),  # Holy Thursday: works
    ],
)
def test_due_and_due_business(start, days, due, due_business):
    assert _due(start=start, days=days) == (due, due_business)


def test_each_step_counts_from_its_own_start_and_shows_it():
    # Given every date of INISA's case (with an ILC determination and an
    # acceptance added), when the timeline is computed
    steps = timeline_compute(
        today=TODAY,
        petition=D("2023-05-12"),
        ilc_determination=D("2023-06-09"),
        request=D("2023-06-12"),
        accepted=D("2023-06-20"),
        determination=D("2023-07-27"),
        remediation_agreed=D("2023-08-09"),
    )
    # then the four steps come in the contract's order, each from its start
    assert [(s.step, s.start.isoformat(), s.days) for s in steps] == [
        ("ilc_determination", "2023-05-12", 30),
        ("review_acceptance", "2023-06-12", 10),
        ("review", "2023-06-12", 45),
        ("remediation_consultation", "2023-07-27", 10),
    ]
    assert [s.done for s in steps] == [
        D("2023-06-09"),
        D("2023-06-20"),
        D("2023-07-27"),
        D("2023-08-09"),
    ]
    assert [s.status for s in steps] == ["met", "met", "met", "late"]


def test_only_steps_whose_start_is_known_appear():
    assert timeline_compute(today=TODAY) == []
    # an acceptance or agreed course alone starts nothing
    assert (
        timeline_compute(
            today=TODAY, accepted=D("2023-06-20"), remediation_agreed=D("2023-08-09")
        )
        == []
    )
    only_determination = timeline_compute(today=TODAY, determination=D("2023-08-18"))
    assert [s.step for s in only_determination] == ["remediation_consultation"]
    only_request = timeline_compute(today=TODAY, request=D("2024-01-18"))
    assert [s.step for s in only_request] == ["review_acceptance", "review"]


def test_the_json_form_is_the_contracts():
    (step,) = timeline_compute(today=D("2024-04-01"), petition=D("2024-03-04"))
    assert step.as_json() == {
        "step": "ilc_determination",
        "from": "2024-03-04",
        "days": 30,
        "due": "2024-04-03",
        "due_business": "2024-04-03",
        "done": None,
        "status": "pending",
    }
    assert list(step.as_json()) == [
        "step",
        "from",
        "days",
        "due",
        "due_business",
        "done",
        "status",
    ]


# --- Statuses ---------------------------------------------------------------------


def test_the_inisa_case_review_met_on_its_last_day_and_consultation_late():
    # Given the INISA case of the issue
    steps = timeline_compute(
        today=TODAY,
        petition=D("2023-05-12"),
        request=D("2023-06-12"),
        determination=D("2023-07-27"),
        remediation_agreed=D("2023-08-09"),
    )
    review = _step(steps, "review")
    consultation = _step(steps, "remediation_consultation")
    # then the review was met on its very last day
    assert (review.due, review.due_business, review.done) == (
        D("2023-07-27"),
        D("2023-07-27"),
        D("2023-07-27"),
    )
    assert review.status is StepStatus.MET
    # and the consultation, due Sunday 6 August (business: Monday the 7th),
    # ended two days late, on the 9th
    assert consultation.due == D("2023-08-06")
    assert consultation.due_business == D("2023-08-07")
    assert consultation.done == D("2023-08-09")
    assert (consultation.done - consultation.due_business).days == 2
    assert consultation.status is StepStatus.LATE


@pytest.mark.parametrize(
    ("accepted", "status"),
    [
        ("2021-05-12", "met"),  # the day of the request
        ("2021-05-22", "met"),  # on the calendar due date, a Saturday
        ("2021-05-24", "met"),  # on the business due date, the Monday
        ("2021-05-25", "late"),  # one day after it
    ],
)
def test_met_up_to_and_including_due_business_then_late(accepted, status):
    steps = timeline_compute(today=TODAY, request=D("2021-05-12"), accepted=D(accepted))
    assert _step(steps, "review_acceptance").status == status


def test_late_by_one_day_with_no_weekend_in_between():
    # Unique Fabricating: request Mon 2023-03-06, due Thu the 16th, accepted Fri.
    steps = timeline_compute(
        today=TODAY, request=D("2023-03-06"), accepted=D("2023-03-17")
    )
    acceptance = _step(steps, "review_acceptance")
    assert acceptance.due_business == D("2023-03-16")
    assert acceptance.status is StepStatus.LATE


@pytest.mark.parametrize(
    ("today", "status"),
    [
        ("2021-05-12", "pending"),  # the day of the request
        ("2021-05-22", "pending"),  # the calendar due date (Saturday)
        ("2021-05-24", "pending"),  # the business due date (Monday): still time
        ("2021-05-25", "overdue"),  # the day after
    ],
)
def test_pending_through_due_business_then_overdue(today, status):
    steps = timeline_compute(today=D(today), request=D("2021-05-12"))
    assert _step(steps, "review_acceptance").status == status


def test_a_request_proves_the_ilc_determination():
    steps = timeline_compute(
        today=TODAY, petition=D("2023-05-12"), request=D("2023-06-12")
    )
    ilc = _step(steps, "ilc_determination")
    assert ilc.done is None
    assert ilc.status is StepStatus.DONE_UNDATED


def test_without_a_request_the_ilc_determination_is_overdue():
    steps = timeline_compute(today=TODAY, petition=D("2023-05-12"))
    assert _step(steps, "ilc_determination").status is StepStatus.OVERDUE


def test_a_determination_proves_the_acceptance():
    steps = timeline_compute(
        today=TODAY, request=D("2023-06-12"), determination=D("2023-07-27")
    )
    acceptance = _step(steps, "review_acceptance")
    assert acceptance.done is None
    assert acceptance.status is StepStatus.DONE_UNDATED


def test_an_agreed_course_proves_the_review_and_the_acceptance_before_it():
    steps = timeline_compute(
        today=TODAY, request=D("2022-05-18"), remediation_agreed=D("2022-07-14")
    )
    assert _step(steps, "review").status is StepStatus.DONE_UNDATED
    assert _step(steps, "review_acceptance").status is StepStatus.DONE_UNDATED


@pytest.mark.parametrize("later", ["accepted", "determination", "remediation_agreed"])
def test_any_event_after_the_request_proves_the_ilc_determination(later):
    steps = timeline_compute(
        today=TODAY, petition=D("2023-05-12"), **{later: D("2023-08-09")}
    )
    assert _step(steps, "ilc_determination").status is StepStatus.DONE_UNDATED


def test_an_acceptance_proves_no_review():
    # Mexico agreeing to review says nothing about the review being finished.
    steps = timeline_compute(
        today=TODAY, request=D("2022-07-21"), accepted=D("2022-07-29")
    )
    assert _step(steps, "review_acceptance").status is StepStatus.MET
    assert _step(steps, "review").status is StepStatus.OVERDUE


def test_an_undated_step_proven_done_is_never_overdue_nor_pending():
    # Given a request long past and an agreed course, no determination date
    for today in (D("2022-05-19"), TODAY):
        steps = timeline_compute(
            today=today, request=D("2022-05-18"), remediation_agreed=D("2022-07-14")
        )
        assert {s.status for s in steps} == {StepStatus.DONE_UNDATED}


def test_a_known_date_wins_over_proof():
    # Accepted late, and later determined: the date says late, not undated.
    steps = timeline_compute(
        today=TODAY,
        request=D("2024-01-18"),
        accepted=D("2024-01-30"),
        determination=D("2024-03-01"),
    )
    assert _step(steps, "review_acceptance").status is StepStatus.LATE
    assert _step(steps, "review").status is StepStatus.MET


def test_the_consultation_has_no_later_proof():
    steps = timeline_compute(today=TODAY, determination=D("2023-07-31"))
    assert _step(steps, "remediation_consultation").status is StepStatus.OVERDUE


# --- Order ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "argument", "earlier"),
    [
        ({"petition": "2023-05-12", "ilc_determination": "2023-05-11"},
         "ilc_determination", "petition"),
        ({"petition": "2023-05-12", "request": "2023-05-01"}, "request", "petition"),
        ({"ilc_determination": "2023-06-10", "request": "2023-06-09"},
         "request", "ilc_determination"),
        ({"request": "2023-06-12", "accepted": "2023-06-11"}, "accepted", "request"),
        ({"request": "2023-06-12", "determination": "2023-06-01"},
         "determination", "request"),
        ({"accepted": "2023-06-20", "determination": "2023-06-19"},
         "determination", "accepted"),
        ({"determination": "2023-07-27", "remediation_agreed": "2023-07-26"},
         "remediation_agreed", "determination"),
        # A gap in the record still catches the order: no determination given
        ({"request": "2023-06-12", "remediation_agreed": "2023-06-01"},
         "remediation_agreed", "request"),
        ({"petition": "2023-05-12", "determination": "2023-05-11"},
         "determination", "petition"),
        # The nearest earlier step is named when several are contradicted
        ({"petition": "2023-05-12", "request": "2023-06-12",
          "determination": "2023-05-01"}, "determination", "request"),
    ],
)  # fmt: skip
def test_an_impossible_order_is_refused_naming_the_later_date(dates, argument, earlier):
    with pytest.raises(TimelineOrderError) as caught:
        timeline_compute(today=TODAY, **{k: D(v) for k, v in dates.items()})
    assert caught.value.argument == argument
    assert caught.value.earlier == earlier
    assert str(caught.value).startswith(f"{argument} ({dates[argument]}) is before")


def test_the_same_day_twice_is_a_possible_order():
    # GM Silao: Mexico accepted the review the day it was requested.
    day = D("2021-05-12")
    steps = timeline_compute(today=TODAY, **dict.fromkeys(DATE_ARGUMENTS, day))
    assert len(steps) == 4


# --- The public record ------------------------------------------------------------


def test_the_expected_table_covers_every_case_of_the_record():
    assert set(record_cases()) == set(EXPECTED)
    assert len(EXPECTED) == 24


@pytest.mark.parametrize("case_id", sorted(EXPECTED))
def test_every_case_of_the_public_record(case_id):
    dates = record_cases()[case_id]
    steps = timeline_compute(today=TODAY, **dates)
    got = [
        (s.step, s.due.isoformat(), s.due_business.isoformat(), str(s.status))
        for s in steps
    ]
    assert got == EXPECTED[case_id]
