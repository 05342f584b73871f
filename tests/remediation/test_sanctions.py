"""Sanctions proceedings: transitions, dates and outcomes, unique numbers, who may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.remediation import sanctions
from remedia.remediation.models import (
    MeasureType,
    SanctionProceeding,
    SanctionStatus,
)
from tests.support.remediation import World

AUTHORITY = "Centro Federal de Conciliación y Registro Laboral"


def record(world: World, course: Any = None, **overrides: Any) -> SanctionProceeding:
    fields: dict[str, Any] = {
        "user": world.monitor.user,
        "course": course,
        "respondent_kind": "individual",
        "respondent_name": "Gerente de producción",
        "authority": AUTHORITY,
        "number": "CFCRL/2023/118",
        "opened_on": dt.date(2023, 9, 1),
        **overrides,
    }
    return sanctions.sanction_create(**fields)


def move(world: World, sanction: SanctionProceeding, **changes: Any) -> Any:
    return sanctions.sanction_update(
        user=world.monitor.user, sanction=sanction, **changes
    )


def test_a_proceeding_follows_its_course_to_the_end(world: World, course):
    measure = course.measures.get(type=MeasureType.SANCTIONS_PROCEEDINGS)
    sanction = record(world, measure=measure)
    assert sanction.course == course  # the measure's course
    assert sanction.organisation == world.monitor_org
    assert sanction.status == SanctionStatus.INITIATED

    sanction = move(world, sanction, status="in_progress")
    sanction = move(world, sanction, status="resolved", outcome="sanctioned")
    sanction = move(world, sanction, status="appealed")
    assert sanction.outcome == "sanctioned"  # the resolution under appeal
    sanction = move(world, sanction, status="resolved", outcome="dismissed")
    sanction = move(world, sanction, status="closed", closed_on=dt.date(2023, 11, 3))

    sanction.refresh_from_db()
    assert (sanction.status, sanction.outcome, sanction.closed_on) == (
        "closed",
        "dismissed",
        dt.date(2023, 11, 3),
    )


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "resolved"),  # initiated cannot skip to a resolution
        ([], "closed"),
        (["in_progress"], "appealed"),
        (["in_progress"], "initiated"),
    ],
)
def test_transitions_outside_the_procedure_are_refused(
    world: World, course, path, refused
):
    sanction = record(world, course)
    for status in path:
        sanction = move(world, sanction, status=status)

    with pytest.raises(InvalidInput) as error:
        move(
            world,
            sanction,
            status=refused,
            outcome="sanctioned",
            closed_on=dt.date(2023, 10, 1),
        )

    assert error.value.errors[0]["field"] == "status"
    assert "no puede pasar" in error.value.errors[0]["reason"]
    sanction.refresh_from_db()
    assert sanction.status == (path[-1] if path else "initiated")


def test_a_closed_proceeding_stays_closed(world: World, course):
    sanction = record(
        world,
        course,
        status="closed",
        outcome="settled",
        closed_on=dt.date(2023, 10, 1),
    )

    with pytest.raises(InvalidInput):
        move(world, sanction, status="appealed")


def test_resolving_needs_an_outcome_and_closing_a_date_not_before_opening(
    world: World, course
):
    sanction = record(world, course)
    sanction = move(world, sanction, status="in_progress")

    with pytest.raises(InvalidInput) as no_outcome:
        move(world, sanction, status="resolved")
    assert no_outcome.value.errors[0]["field"] == "outcome"

    sanction = move(world, sanction, status="resolved", outcome="sanctioned")
    with pytest.raises(InvalidInput) as no_date:
        move(world, sanction, status="closed")
    assert no_date.value.errors[0]["field"] == "closed_on"

    with pytest.raises(InvalidInput) as too_early:
        move(world, sanction, status="closed", closed_on=dt.date(2023, 8, 31))
    assert too_early.value.errors[0]["field"] == "closed_on"
    assert "anterior" in too_early.value.errors[0]["reason"]

    with pytest.raises(InvalidInput) as date_while_open:
        move(world, sanction, closed_on=dt.date(2023, 9, 30))
    assert date_while_open.value.errors[0]["field"] == "closed_on"

    sanction.refresh_from_db()
    assert (sanction.status, sanction.closed_on) == ("resolved", None)


def test_an_outcome_before_any_resolution_is_refused(world: World, course):
    with pytest.raises(InvalidInput) as refused:
        record(world, course, outcome="sanctioned")

    assert refused.value.errors[0]["field"] == "outcome"
    assert SanctionProceeding.objects.count() == 0


def test_the_same_number_before_the_same_authority_is_a_clear_error(
    world: World, course
):
    first = record(world, course)
    # Another authority may use the same number.
    record(world, course, authority="Secretaría del Trabajo", number=first.number)

    with pytest.raises(InvalidInput) as duplicate:
        record(world, course, number=f"  {first.number} ")
    assert duplicate.value.errors == [
        {
            "field": "number",
            "reason": "Ya hay un procedimiento con ese número ante esa autoridad.",
        }
    ]

    other = record(world, course, number="CFCRL/2023/119")
    with pytest.raises(InvalidInput) as renumbered:
        move(world, other, number=first.number)
    assert renumbered.value.errors[0]["field"] == "number"


def test_missing_fields_and_a_future_opening_are_named(world: World, course):
    with pytest.raises(InvalidInput) as refused:
        record(
            world,
            course,
            respondent_kind="alien",
            respondent_name=" ",
            authority="",
            number="",
            opened_on=dt.date(2999, 1, 1),
        )

    assert {e["field"] for e in refused.value.errors} == {
        "respondent_kind",
        "respondent_name",
        "authority",
        "number",
        "opened_on",
    }


def test_who_may_record_and_read(world: World, course):
    sanction = record(world, course)

    # Every reader of the course reads the course's proceedings.
    for staff in (world.monitor, world.analyst, world.officer):
        assert sanctions.sanction_get(user=staff.user, sanction_id=sanction.pk) == (
            sanction
        )
        assert list(sanctions.sanctions_for_course(user=staff.user, course=course)) == [
            sanction
        ]
    with pytest.raises(NotFound):
        sanctions.sanction_get(user=world.stranger.user, sanction_id=sanction.pk)
    assert list(sanctions.sanction_list(user=world.stranger.user)) == []

    # Only the owning organisation's managers change it.
    for staff in (world.analyst, world.officer):
        with pytest.raises(PermissionDenied):
            sanctions.sanction_update(
                user=staff.user, sanction=sanction, status="in_progress"
            )
    # The officer and the analyst record none; the stranger cannot name the course.
    for staff in (world.analyst, world.officer):
        with pytest.raises(PermissionDenied):
            record(world, course, user=staff.user, number="X-1")
    with pytest.raises(InvalidInput) as stranger:
        record(world, course, user=world.stranger.user, number="X-2")
    assert stranger.value.errors[0]["field"] == "course_id"
    assert SanctionProceeding.objects.count() == 1


def test_a_proceeding_without_a_course_is_read_by_its_organisation_only(
    world: World, course
):
    sanction = record(world, None, number="SIN-PLAN-1")

    assert sanctions.sanction_get(user=world.monitor.user, sanction_id=sanction.pk)
    for staff in (world.analyst, world.officer, world.stranger):
        with pytest.raises(NotFound):
            sanctions.sanction_get(user=staff.user, sanction_id=sanction.pk)


def test_a_courses_proceeding_is_listed_under_its_rrm_case(
    world: World, course_under_rrm_case
):
    course = course_under_rrm_case
    rrm_case = course.rrm_case

    sanction = record(world, course)

    assert sanction.rrm_case == rrm_case
    assert list(
        sanctions.sanction_list(user=world.analyst.user, rrm_case=rrm_case)
    ) == [sanction]


def test_a_case_the_user_cannot_read_is_not_linked(world: World, course):
    from django.utils import timezone

    from remedia.cases.models import Case

    now = timezone.now()
    case = Case.objects.create(
        organisation=world.outsider_org,
        number="C-1",
        public_key=b"k" * 32,
        received_at=now,
        acknowledge_due_at=now,
        first_response_due_at=now,
        resolution_due_at=now,
    )

    with pytest.raises(InvalidInput) as refused:
        record(world, course, case=case)

    assert refused.value.errors[0]["field"] == "case_id"


def test_allowed_statuses_lead_with_the_current_one(world: World, course):
    sanction = record(world, course)
    assert sanctions.allowed_statuses(sanction) == ["initiated", "in_progress"]
    sanction = move(world, sanction, status="in_progress")
    sanction = move(world, sanction, status="resolved", outcome="withdrawn")
    assert sanctions.allowed_statuses(sanction) == ["resolved", "appealed", "closed"]
