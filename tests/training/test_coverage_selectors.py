"""Training coverage as the selectors feed it: a facility's roster, a course's
training measures (``remediation/training.py``), an organisation's protocols."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from remedia.remediation import training as course_training
from remedia.remediation.models import MeasureType
from remedia.training import access as training_access
from remedia.training import selectors as training_selectors
from remedia.training.coverage import ORGANISATION_ROLES
from remedia.training.models import (
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)
from tests.support.remediation import World
from tests.training.coverage_terms import (
    GUIDE,
    RIGHTS,
    S,
    W,
    attend,
    role_of,
    session_make,
)

# --- What feeds it ---------------------------------------------------------------------


def _person(world: World, identifier: str, role: str, *, active: bool = True) -> Person:
    return Person.objects.create(
        facility=world.facility,
        identifier=identifier,
        name=f"Persona {identifier}",
        role=role,
        active=active,
    )


def test_course_coverage_counts_each_training_measure_by_its_rules(
    world: World, course, django_assert_max_num_queries
) -> None:
    w1, w2 = _person(world, "1", W), _person(world, "2", W)
    sup = _person(world, "3", S)
    _person(world, "4", W, active=False)
    guidelines = session_make(world, GUIDE)
    attend(guidelines, w1, w2, sup)
    in_hours = session_make(world, RIGHTS, working=True, day=2)
    after_hours = session_make(world, RIGHTS, working=False, day=3)
    attend(in_hours, w1)
    attend(after_hours, w2, sup)

    with django_assert_max_num_queries(4):
        items = course_training.course_coverage(course)

    by_type = {item.measure.type: item for item in items}
    assert set(by_type) == {
        MeasureType.PERSONNEL_TRAINING,
        MeasureType.WORKER_RIGHTS_TRAINING,
    }
    personnel = by_type[MeasureType.PERSONNEL_TRAINING]
    assert personnel.topic == GUIDE
    assert not personnel.working_hours_only
    assert personnel.coverage.complete
    assert personnel.coverage.total.people == 3

    rights = by_type[MeasureType.WORKER_RIGHTS_TRAINING]
    assert rights.working_hours_only
    # Only w1 attended in working hours; the evening session does not count.
    assert (rights.coverage.total.people, rights.coverage.total.trained) == (3, 1)
    assert role_of(rights.coverage, S).trained == 0
    assert not rights.coverage.complete


def test_coverage_of_another_facility_is_not_mixed_in(world: World, course) -> None:
    from tests.support.factories.facilities import FacilityFactory

    w1 = _person(world, "1", W)
    other = FacilityFactory(name="Otra planta")
    stranger = Person.objects.create(
        facility=other, identifier="1", name="Otra persona", role=W
    )
    session = session_make(world, GUIDE)
    attend(session, w1)
    elsewhere = TrainingSession.objects.create(
        organisation=world.monitor_org,
        facility=other,
        topic=GUIDE,
        held_on=dt.date(2023, 9, 1),
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        during_working_hours=True,
        trainer="X",
    )
    attend(elsewhere, stranger)

    roster = training_access.roster_for_facility(
        user=world.monitor.user, facility=world.facility
    )
    coverage = training_selectors.coverage_for(roster=roster, topics=[GUIDE])

    assert (coverage.total.people, coverage.total.trained) == (1, 1)


def test_an_organisations_protocols_training_is_counted_the_same_way(
    world: World,
) -> None:
    official = Person.objects.create(
        organisation=world.ilc,
        identifier="A1",
        name="Funcionaria",
        role=PersonnelRole.OFFICIAL,
    )
    Person.objects.create(
        organisation=world.ilc,
        identifier="A2",
        name="Funcionario",
        role=PersonnelRole.OFFICIAL,
    )
    session = TrainingSession.objects.create(
        organisation=world.ilc,
        audience_organisation=world.ilc,
        topic=TrainingTopic.PROTOCOLS,
        held_on=dt.date(2023, 9, 1),
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        during_working_hours=True,
        trainer="Coordinación",
    )
    attend(session, official)

    coverage = training_selectors.protocols_coverage(
        user=world.analyst.user, organisation=world.ilc
    )

    assert [r.role for r in coverage.roles] == list(ORGANISATION_ROLES)
    assert role_of(coverage, PersonnelRole.OFFICIAL).percent == Decimal("50.0")
    assert not coverage.complete


@pytest.mark.parametrize("who", ["stranger", "officer"])
def test_an_organisations_coverage_is_not_for_outsiders(world: World, who) -> None:
    from remedia.core.errors import NotFound

    with pytest.raises(NotFound):
        training_selectors.protocols_coverage(
            user=getattr(world, who).user, organisation=world.ilc
        )
