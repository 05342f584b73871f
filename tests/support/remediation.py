"""The remediation tests' world: the INISA course's parties and its people.

A monitoring organisation owns the course; the ILC (government) and the
company are parties. `monitor` manages it, `analyst` reads it, `officer` (the
company's compliance officer) uploads evidence; `stranger` is a monitor of an
organisation that is no party. The course is built with models directly so
that every area's tests start from the same rows whatever the services do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Sector
from remedia.facilities.models import Facility
from remedia.remediation import sanctions
from remedia.remediation.catalogue import CATALOGUE
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    CourseParty,
    Measure,
    MeasureType,
    PartyRole,
)
from remedia.training import services as training_services
from tests.support.actors import Staff, organisation_with_escrow, staff_member
from tests.support.factories.facilities import FacilityFactory
from tests.support.uploads import csv_file

DEADLINE = dt.date(2023, 11, 10)

# The seven measures of the 2023 INISA course, in the agreement's order.
INISA_MEASURES = [
    MeasureType.NEUTRALITY_STATEMENT,
    MeasureType.CONDUCT_GUIDELINES,
    MeasureType.ZERO_TOLERANCE_POLICY,
    MeasureType.PERSONNEL_TRAINING,
    MeasureType.ANONYMOUS_REPORTING_CHANNEL,
    MeasureType.WORKER_RIGHTS_TRAINING,
    MeasureType.SANCTIONS_PROCEEDINGS,
]


@dataclass(frozen=True)
class World:
    monitor_org: Organisation
    ilc: Organisation
    company: Organisation
    outsider_org: Organisation
    facility: Facility
    monitor: Staff
    analyst: Staff
    officer: Staff
    stranger: Staff


@pytest.fixture
def world(db) -> World:
    monitor_org = organisation_with_escrow("Observatorio de Remediación", "OIRL")
    ilc = organisation_with_escrow("Interagency Labor Committee", "ILC")
    company = organisation_with_escrow("Industrias del Interior", "INISA")
    company.sector = Sector.PRIVATE
    company.save(update_fields=["sector"])
    outsider_org = organisation_with_escrow("Otro Observatorio", "OTRO")
    facility = FacilityFactory(
        name="INISA planta Rincón de Romos", municipality="Rincón de Romos"
    )
    return World(
        monitor_org=monitor_org,
        ilc=ilc,
        company=company,
        outsider_org=outsider_org,
        facility=facility,
        monitor=staff_member(monitor_org, "monica", role="monitor"),
        analyst=staff_member(ilc, "ana", role="analyst"),
        officer=staff_member(company, "fernando", role="facility_officer"),
        stranger=staff_member(outsider_org, "otra", role="monitor"),
    )


def course_make(world: World, *, deadline: dt.date = DEADLINE) -> Course:
    course = Course.objects.create(
        title="Curso de remediación INISA",
        organisation=world.monitor_org,
        facility=world.facility,
        origin=CourseOrigin.RRM,
        agreed_on=dt.date(2023, 8, 9),
        deadline=deadline,
    )
    CourseParty.objects.create(
        course=course,
        organisation=world.monitor_org,
        name="OIRL",
        role=PartyRole.MONITOR,
    )
    CourseParty.objects.create(
        course=course, organisation=world.ilc, name="ILC", role=PartyRole.GOVERNMENT
    )
    CourseParty.objects.create(
        course=course, organisation=world.company, name="INISA", role=PartyRole.COMPANY
    )
    for position, measure_type in enumerate(INISA_MEASURES, start=1):
        entry = CATALOGUE[measure_type]
        Measure.objects.create(
            course=course,
            position=position,
            type=measure_type,
            description=str(entry.description),
            responsible_party=entry.responsible,
            due_date=deadline,
            required_evidence=str(entry.evidence),
        )
    return course


@pytest.fixture
def course(world: World) -> Course:
    return course_make(world)


@pytest.fixture
def course_under_rrm_case(course: Course) -> Course:
    """The INISA course, following a case of the public RRM record."""
    from remedia.rrm.models import RrmCase, RrmCaseOrigin

    course.rrm_case = RrmCase.objects.create(
        slug="MEX-2023-0009",
        origin=RrmCaseOrigin.PUBLIC_RECORD,
        facility_name="INISA",
        is_public=True,
    )
    course.save(update_fields=["rrm_case"])
    return course


ROSTER = "numero,nombre,papel\n1,Ana López,worker\n2,Beto Ruiz,supervisor\n"


@pytest.fixture
def filled(world: World, course: Course) -> dict[str, Any]:
    """A roster, a session with one person present, and a proceeding."""
    training_services.roster_import(
        user=world.monitor.user, facility=world.facility, file=csv_file(ROSTER)
    )
    session = training_services.training_session_create(
        user=world.monitor.user,
        facility=world.facility,
        topic="worker_rights",
        held_on=dt.date(2023, 9, 14),
        starts_at=dt.time(9),
        ends_at=dt.time(11),
        during_working_hours=True,
        trainer="Centro de capacitación",
        measure=course.measures.get(type=MeasureType.WORKER_RIGHTS_TRAINING),
    )
    training_services.attendance_record(
        user=world.monitor.user, session=session, identifiers=["1"]
    )
    sanction = sanctions.sanction_create(
        user=world.monitor.user,
        course=course,
        respondent_kind="individual",
        respondent_name="Gerente de producción",
        authority="CFCRL",
        number="CFCRL/2023/1",
        opened_on=dt.date(2023, 9, 1),
    )
    return {"session": session, "sanction": sanction, "course": course}
