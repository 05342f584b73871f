"""Who sees a course: its parties by role, nobody else (404 like a missing one)."""

from __future__ import annotations

import uuid

import pytest

from remedia.core.errors import NotFound
from remedia.remediation import access
from tests.support.remediation import World


def test_parties_read_and_strangers_do_not(world: World, course) -> None:
    for staff in (world.monitor, world.analyst, world.officer):
        assert access.course_get(user=staff.user, course_id=course.pk) == course
    with pytest.raises(NotFound):
        access.course_get(user=world.stranger.user, course_id=course.pk)
    with pytest.raises(NotFound):
        access.course_get(user=world.monitor.user, course_id=uuid.uuid4())
    with pytest.raises(NotFound):
        access.course_get(user=world.monitor.user, course_id="not-a-uuid")


def test_each_role_does_its_part(world: World, course) -> None:
    assert access.can_manage(user=world.monitor.user, course=course)
    assert not access.can_manage(user=world.analyst.user, course=course)
    assert not access.can_manage(user=world.officer.user, course=course)
    assert access.can_submit_evidence(user=world.officer.user, course=course)
    assert not access.can_submit_evidence(user=world.analyst.user, course=course)
    assert access.can_read_all(user=world.analyst.user, course=course)
    assert not access.can_read_all(user=world.officer.user, course=course)


def test_a_list_holds_each_course_once(world: World, course) -> None:
    # The monitor's organisation is both owner and a party: still one row.
    assert list(access.courses_visible(user=world.monitor.user)) == [course]
    assert list(access.courses_visible(user=world.stranger.user)) == []


def test_the_parties_are_read_once_per_course_and_again_after_a_change(
    world: World, course, django_assert_num_queries
) -> None:
    from remedia.remediation import services
    from remedia.remediation.models import (
        PartyRole,
    )

    user = world.analyst.user  # a party, not the owner: the parties are read
    access.can_read_all(user=user, course=course)
    with django_assert_num_queries(0):
        access.can_read_all(user=user, course=course)
        access.can_manage(user=user, course=course)
        access.can_submit_evidence(user=user, course=course)
    # A new party counts at once for the course it was added to.
    assert not access.can_read_all(user=world.stranger.user, course=course)
    services.party_add(
        course=course,
        user=world.monitor.user,
        role=PartyRole.OTHER,
        name="Otro Observatorio",
        organisation=world.outsider_org,
    )
    assert access.can_read_all(user=world.stranger.user, course=course)
