"""Courses of remediation: creating, sharing with parties, progress, closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.remediation import access, selectors, services
from remedia.remediation.catalogue import CATALOGUE
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    CourseParty,
    CourseStatus,
    Measure,
    MeasureStatus,
    MeasureType,
    PartyRole,
    ResponsibleParty,
)
from tests.support.factories.facilities import FacilityFactory
from tests.support.remediation import INISA_MEASURES, World, course_make

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _create(world: World, **overrides) -> Course:
    fields = {
        "user": world.monitor.user,
        "title": "Plan de acción correctiva de la marca",
        "facility": world.facility,
        "origin": CourseOrigin.BRAND,
        "deadline": TODAY() + dt.timedelta(days=90),
        "agreed_on": TODAY() - dt.timedelta(days=3),
        "parties": [
            services.PartySpec(role=PartyRole.COMPANY, organisation=world.company),
            services.PartySpec(role=PartyRole.GOVERNMENT, organisation=world.ilc),
        ],
        "measures": [services.MeasureSpec(type=t) for t in INISA_MEASURES[:3]],
        **overrides,
    }
    return services.course_create(**fields)


def _set_statuses(course: Course, statuses: list[str]) -> None:
    for measure, status in zip(
        course.measures.order_by("position"), statuses, strict=False
    ):
        Measure.objects.filter(pk=measure.pk).update(
            status=status, failed_reason="no" if status == "failed" else ""
        )


# --- Creating ------------------------------------------------------------------------------


def test_a_monitor_creates_a_course_owned_by_their_organisation(world: World) -> None:
    course = _create(world)

    assert course.organisation == world.monitor_org
    assert course.status == CourseStatus.ACTIVE
    assert course.created_by == world.monitor.user
    parties = {(p.organisation_id, p.role) for p in course.parties.all()}
    assert parties == {
        (world.monitor_org.pk, PartyRole.MONITOR),
        (world.company.pk, PartyRole.COMPANY),
        (world.ilc.pk, PartyRole.GOVERNMENT),
    }
    measures = list(course.measures.order_by("position"))
    assert [m.position for m in measures] == [1, 2, 3]
    assert [m.type for m in measures] == INISA_MEASURES[:3]
    first = CATALOGUE[MeasureType.NEUTRALITY_STATEMENT]
    assert measures[0].description == str(first.description)
    assert measures[0].required_evidence == str(first.evidence)
    assert measures[0].responsible_party == ResponsibleParty.COMPANY
    assert all(m.due_date == course.deadline for m in measures)
    entry = AuditEntry.objects.get(action="remediation.course_created")
    assert entry.object_id == str(course.pk)
    assert entry.data["measures"] == 3
    # The parties now read it, by their roles.
    assert access.course_get(user=world.officer.user, course_id=course.pk) == course
    assert access.course_get(user=world.analyst.user, course_id=course.pk) == course


def test_only_a_monitor_creates_courses(world: World) -> None:
    for staff in (world.analyst, world.officer):
        with pytest.raises(PermissionDenied):
            _create(world, user=staff.user)
    assert not Course.objects.exists()


def test_bad_input_names_every_field_and_stores_nothing(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        _create(
            world,
            title="   ",
            origin="gossip",
            agreed_on=TODAY() - dt.timedelta(days=3),
            deadline=TODAY() - dt.timedelta(days=10),
        )
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"title", "origin", "deadline"}
    assert not Course.objects.exists()


def test_a_bad_measure_or_party_refuses_the_whole_course(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        _create(
            world,
            measures=[
                services.MeasureSpec(type=MeasureType.NEUTRALITY_STATEMENT),
                services.MeasureSpec(type="paint_the_walls"),
            ],
        )
    assert caught.value.errors[0]["field"] == "measures.1.type"
    with pytest.raises(InvalidInput) as caught:
        _create(
            world,
            parties=[
                services.PartySpec(role=PartyRole.COMPANY, organisation=world.company),
                services.PartySpec(role=PartyRole.UNION, organisation=world.company),
            ],
        )
    assert caught.value.errors[0]["field"] == "parties.1.organisation_id"
    assert "ya es parte" in str(caught.value.errors[0]["reason"])
    assert not Course.objects.exists()
    assert not CourseParty.objects.exists()
    assert not Measure.objects.exists()


def test_a_measure_keeps_what_the_plan_says_and_takes_the_rest_from_the_catalogue(
    world: World,
) -> None:
    due = TODAY() + dt.timedelta(days=30)
    course = _create(
        world,
        measures=[
            services.MeasureSpec(
                type=MeasureType.OTHER,
                description="Pintar un mural sobre libertad sindical.",
                responsible_party=ResponsibleParty.UNION,
                due_date=due,
            )
        ],
    )
    (measure,) = course.measures.all()
    assert measure.description == "Pintar un mural sobre libertad sindical."
    assert measure.responsible_party == ResponsibleParty.UNION
    assert measure.due_date == due
    # A free measure has no catalogue text: its description is required.
    with pytest.raises(InvalidInput) as caught:
        _create(world, measures=[services.MeasureSpec(type=MeasureType.OTHER)])
    assert caught.value.errors[0]["field"] == "measures.0.description"


# --- Updating and parties --------------------------------------------------------------------


def test_a_monitor_updates_what_was_agreed(world: World, course: Course) -> None:
    services.course_update(
        course=course, user=world.monitor.user, title="INISA, plan revisado"
    )
    course.refresh_from_db()
    assert course.title == "INISA, plan revisado"
    entry = AuditEntry.objects.get(action="remediation.course_updated")
    assert entry.data["fields"] == ["title"]

    with pytest.raises(InvalidInput) as caught:
        services.course_update(course=course, user=world.monitor.user, status="x")
    assert caught.value.errors[0]["field"] == "status"
    with pytest.raises(InvalidInput):
        services.course_update(
            course=course, user=world.monitor.user, deadline=dt.date(2023, 1, 1)
        )
    with pytest.raises(PermissionDenied):
        services.course_update(course=course, user=world.analyst.user, title="Otro")


def test_a_party_shares_the_course_and_the_owner_cannot_be_removed(
    world: World, course: Course
) -> None:
    with pytest.raises(NotFound):
        access.course_get(user=world.stranger.user, course_id=course.pk)

    party = services.party_add(
        course=course,
        user=world.monitor.user,
        role=PartyRole.MONITOR,
        organisation=world.outsider_org,
    )

    assert party.name == world.outsider_org.name
    assert access.can_manage(user=world.stranger.user, course=course)
    with pytest.raises(InvalidInput):
        services.party_add(
            course=course,
            user=world.monitor.user,
            role=PartyRole.UNION,
            organisation=world.outsider_org,
        )
    services.party_remove(course=course, user=world.monitor.user, party=party)
    with pytest.raises(NotFound):
        access.course_get(user=world.stranger.user, course_id=course.pk)

    owner = course.parties.get(organisation=world.monitor_org)
    with pytest.raises(InvalidInput):
        services.party_remove(course=course, user=world.monitor.user, party=owner)
    assert course.parties.filter(pk=owner.pk).exists()


# --- Progress --------------------------------------------------------------------------------


def test_progress_counts_each_status_and_the_overdue(
    world: World, course: Course
) -> None:
    _set_statuses(
        course,
        ["verified", "verified", "done", "in_progress", "failed", "pending", "pending"],
    )
    # The INISA deadline (2023) is past: all but the done and verified are overdue.
    progress = selectors.course_progress(course)

    assert progress.total == 7
    assert progress.verified == 2
    assert progress.done == 1
    assert progress.in_progress == 1
    assert progress.failed == 1
    assert progress.pending == 2
    assert progress.overdue == 4
    assert progress.percent_verified == 28  # 2/7, rounded down
    (listed,) = selectors.course_list(viewer=world.monitor.user)
    assert selectors.course_progress(listed) == progress


def test_progress_reaches_100_only_when_every_measure_is_verified(
    world: World,
) -> None:
    course = course_make(world, deadline=TODAY() + dt.timedelta(days=5))
    _set_statuses(course, ["verified"] * 6 + ["done"])
    progress = selectors.course_progress(course)
    assert progress.percent_verified == 85
    assert progress.overdue == 0
    _set_statuses(course, ["verified"] * 7)
    assert selectors.course_progress(course).percent_verified == 100
    empty = _create(world, measures=[])
    assert selectors.course_progress(empty).percent_verified == 0


def test_the_list_filters_by_status_facility_origin_and_overdue(
    world: World, course: Course
) -> None:
    other_facility = FacilityFactory(name="Maquila del Sur")
    fresh = _create(world, facility=other_facility)
    viewer = world.monitor.user

    def listed(**filters) -> set:
        return {
            c.pk
            for c in selectors.course_list(
                viewer=viewer, filters=selectors.CourseFilters(**filters)
            )
        }

    assert listed() == {course.pk, fresh.pk}
    assert listed(overdue=True) == {course.pk}
    assert listed(overdue=False) == {fresh.pk}
    assert listed(origin=CourseOrigin.BRAND) == {fresh.pk}
    assert listed(facility_id=world.facility.pk) == {course.pk}
    assert listed(status=CourseStatus.COMPLETED) == set()
    with pytest.raises(InvalidInput):
        listed(status="archived")
    assert list(selectors.course_list(viewer=world.stranger.user)) == []


def test_the_list_costs_the_same_queries_for_more_courses(world: World) -> None:
    course_make(world)

    def queries() -> int:
        viewer = type(world.monitor.user).objects.get(pk=world.monitor.user.pk)
        with CaptureQueriesContext(connection) as captured:
            page = list(selectors.course_list(viewer=viewer))
            selectors.progress_attach(page)
            for c in page:
                selectors.course_progress(c)
                selectors.reads_all(viewer=viewer, course=c)
                list(c.parties.all())
        return len(captured)

    one = queries()
    for _ in range(4):
        course_make(world)
    assert queries() == one


def test_overdue_measures_are_listed_for_their_readers(
    world: World, course: Course
) -> None:
    _set_statuses(course, ["verified", "done", "pending", "pending", "pending"])
    overdue = list(selectors.measures_overdue(viewer=world.officer.user))
    assert [m.position for m in overdue] == [3, 4, 5, 6, 7]
    assert list(selectors.measures_overdue(viewer=world.stranger.user)) == []


# --- Closing ---------------------------------------------------------------------------------


def test_a_course_is_completed_only_with_every_measure_verified(
    world: World, course: Course
) -> None:
    today = TODAY()
    with pytest.raises(InvalidInput) as caught:
        services.course_close(
            course=course,
            user=world.monitor.user,
            outcome=CourseStatus.COMPLETED,
            closed_on=today,
        )
    assert caught.value.errors[0]["field"] == "outcome"
    _set_statuses(course, ["verified"] * 7)

    closed = services.course_close(
        course=course,
        user=world.monitor.user,
        outcome=CourseStatus.COMPLETED,
        closed_on=today,
    )

    assert closed.status == CourseStatus.COMPLETED
    assert closed.closed_on == today
    assert AuditEntry.objects.filter(action="remediation.course_closed").exists()


def test_a_closed_course_takes_no_more_changes(world: World, course: Course) -> None:
    services.course_close(
        course=course,
        user=world.monitor.user,
        outcome=CourseStatus.INCOMPLETE,
        closed_on=TODAY(),
    )
    with pytest.raises(services.CourseClosed):
        services.measure_create(
            course=course, user=world.monitor.user, type=MeasureType.REINSTATEMENT
        )
    measure = course.measures.get(position=1)
    with pytest.raises(services.CourseClosed):
        services.measure_status_change(
            measure=measure, user=world.monitor.user, to_status="in_progress"
        )
    assert course.measures.count() == 7
    with pytest.raises(services.CourseClosed):
        services.course_close(
            course=course,
            user=world.monitor.user,
            outcome=CourseStatus.INCOMPLETE,
            closed_on=TODAY(),
        )


def test_closing_takes_a_day_not_in_the_future(world: World, course: Course) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.course_close(
            course=course,
            user=world.monitor.user,
            outcome=CourseStatus.INCOMPLETE,
            closed_on=TODAY() + dt.timedelta(days=1),
        )
    assert caught.value.errors[0]["field"] == "closed_on"
    with pytest.raises(PermissionDenied):
        services.course_close(
            course=course,
            user=world.officer.user,
            outcome=CourseStatus.INCOMPLETE,
            closed_on=TODAY(),
        )
    course.refresh_from_db()
    assert course.status == CourseStatus.ACTIVE
    assert MeasureStatus.PENDING in set(
        course.measures.values_list("status", flat=True)
    )
