"""Training sessions and their attendance: recording, importing, ticking, refusals."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from remedia.core.errors import InvalidInput, NotFound, PermissionDenied
from remedia.remediation.models import (
    MeasureType,
)
from remedia.training import selectors as training_selectors
from remedia.training import services as training_services
from remedia.training.models import (
    Attendance,
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)
from tests.support.factories.facilities import FacilityFactory
from tests.support.remediation import World, course_make
from tests.support.uploads import csv_file

YESTERDAY = dt.date(2023, 9, 14)


@pytest.fixture
def roster(world: World, course) -> dict[str, Person]:
    rows = [
        ("1", "Ana López", PersonnelRole.WORKER),
        ("2", "Beto Ruiz", PersonnelRole.WORKER),
        ("3", "Carla Díaz", PersonnelRole.SUPERVISOR),
    ]
    return {
        identifier: Person.objects.create(
            facility=world.facility, identifier=identifier, name=name, role=role
        )
        for identifier, name, role in rows
    }


def session_make(world: World, **overrides: Any) -> TrainingSession:
    fields: dict[str, Any] = {
        "user": world.monitor.user,
        "facility": world.facility,
        "topic": TrainingTopic.WORKER_RIGHTS,
        "title": "Derechos laborales, turno matutino",
        "held_on": YESTERDAY,
        "starts_at": dt.time(9),
        "ends_at": dt.time(11),
        "during_working_hours": True,
        "trainer": "Centro de capacitación",
        "audience_roles": [PersonnelRole.WORKER],
        "location": "Comedor",
        **overrides,
    }
    return training_services.training_session_create(**fields)


def attendance(session: TrainingSession) -> set[str]:
    return set(
        Attendance.objects.filter(session=session).values_list(
            "person__identifier", flat=True
        )
    )


# --- Sessions -------------------------------------------------------------------------


def test_a_monitor_records_a_session_for_a_training_measure(world: World, course):
    measure = course.measures.get(type=MeasureType.WORKER_RIGHTS_TRAINING)

    session = session_make(world, measure=measure)

    # the measure implies the course; the link is remediation's row
    assert session.course_link.course == course
    assert session.organisation == world.monitor_org
    assert session.audience_roles == ["worker"]


def test_the_officer_records_one_under_the_company(world: World, course):
    session = session_make(world, user=world.officer.user)

    assert session.organisation == world.company


def test_no_audience_roles_means_the_whole_roster(world: World, course):
    session = session_make(world, audience_roles=[])

    session.refresh_from_db()
    assert session.audience_roles == []


def test_session_rules_are_each_named_by_field(world: World, course):
    other_course = course_make(world)
    other_course.facility = FacilityFactory(name="Otra planta")
    other_course.save()
    personnel = course.measures.get(type=MeasureType.PERSONNEL_TRAINING)

    with pytest.raises(InvalidInput) as refused:
        session_make(
            world,
            starts_at=dt.time(11),
            ends_at=dt.time(9),
            trainer="",
            audience_roles=["worker", "official", "pilot"],
            measure=personnel,  # a guidelines measure, for a rights session
        )
    fields = {e["field"] for e in refused.value.errors}
    assert fields == {"ends_at", "trainer", "audience_roles", "measure_id"}

    with pytest.raises(InvalidInput) as elsewhere:
        session_make(world, course=other_course)
    assert elsewhere.value.errors[0]["field"] == "course_id"
    assert TrainingSession.objects.count() == 0


def test_an_analyst_reads_sessions_but_records_none_and_a_stranger_sees_none(
    world: World, course
):
    session = session_make(world)

    assert (
        training_selectors.training_session_get(
            user=world.analyst.user, session_id=session.pk
        )
        == session
    )
    with pytest.raises(PermissionDenied):
        session_make(world, user=world.analyst.user)
    with pytest.raises(NotFound):
        training_selectors.training_session_get(
            user=world.stranger.user, session_id=session.pk
        )
    with pytest.raises(NotFound):
        session_make(world, user=world.stranger.user)
    assert (
        list(training_selectors.training_session_list(user=world.stranger.user)) == []
    )


# --- Attendance -----------------------------------------------------------------------


def test_attendance_imported_from_csv_with_names_checked(world: World, roster):
    session = session_make(world)

    result = training_services.attendance_import(
        user=world.officer.user,
        session=session,
        file=csv_file("numero,nombre\n1,ana lopez\n2,Beto Ruiz\n1,Ana López\n"),
    )

    assert (result.added, result.already) == (2, 0)
    assert attendance(session) == {"1", "2"}

    again = training_services.attendance_import(
        user=world.monitor.user, session=session, file=csv_file("identifier\n2\n3\n")
    )
    assert (again.added, again.already) == (1, 1)
    assert attendance(session) == {"1", "2", "3"}


def test_attendance_from_xlsx(world: World, roster):
    session = session_make(world)
    book = Workbook()
    book.active.append(["Número", "Nombre"])
    book.active.append([3, "Carla Díaz"])
    buffer = io.BytesIO()
    book.save(buffer)

    training_services.attendance_import(
        user=world.monitor.user,
        session=session,
        file=SimpleUploadedFile("asistencia.xlsx", buffer.getvalue()),
    )

    assert attendance(session) == {"3"}


def test_an_unknown_person_saves_nothing_and_names_the_row(world: World, roster):
    session = session_make(world)

    with pytest.raises(InvalidInput) as refused:
        training_services.attendance_import(
            user=world.monitor.user,
            session=session,
            file=csv_file("numero,nombre\n1,Ana López\n99,Nadie\n2,Beto Ruiz\n"),
        )

    assert attendance(session) == set()
    (error,) = refused.value.errors
    assert error["row"] == 3
    assert error["field"] == "rows.3.identifier"
    assert "Fila 3" in error["reason"]
    assert "persona desconocida" in error["reason"]
    assert "99" in error["reason"]


def test_a_name_that_does_not_match_the_roster_is_refused(world: World, roster):
    session = session_make(world)

    with pytest.raises(InvalidInput) as refused:
        training_services.attendance_import(
            user=world.monitor.user,
            session=session,
            file=csv_file("numero,nombre\n1,Beto Ruiz\n"),
        )

    assert refused.value.errors[0]["column"] == "name"
    assert "Ana López" in refused.value.errors[0]["reason"]
    assert attendance(session) == set()


def test_someone_of_another_roster_is_unknown_here(world: World, roster):
    other = FacilityFactory(name="Otra planta")
    Person.objects.create(facility=other, identifier="50", name="Ajena", role="worker")
    session = session_make(world)

    with pytest.raises(InvalidInput):
        training_services.attendance_record(
            user=world.monitor.user, session=session, identifiers=["50"]
        )
    assert attendance(session) == set()


def test_a_session_in_the_future_cannot_have_attendance(world: World, roster):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    session = session_make(world, held_on=tomorrow)

    with pytest.raises(InvalidInput) as by_file:
        training_services.attendance_import(
            user=world.monitor.user, session=session, file=csv_file("numero\n1\n")
        )
    with pytest.raises(InvalidInput):
        training_services.attendance_record(
            user=world.monitor.user, session=session, identifiers=["1"]
        )
    with pytest.raises(InvalidInput):
        training_services.attendance_set(
            user=world.monitor.user, session=session, person_ids=[roster["1"].pk]
        )

    assert by_file.value.errors[0]["field"] == "held_on"
    assert "todavía no ocurre" in by_file.value.errors[0]["reason"]
    assert attendance(session) == set()


def test_ticking_sets_attendance_within_the_people_shown(world: World, roster):
    session = session_make(world)
    training_services.attendance_record(
        user=world.monitor.user, session=session, identifiers=["1", "3"]
    )

    # The page showed only the workers (1 and 2); 2 is ticked, 1 is not.
    result = training_services.attendance_set(
        user=world.monitor.user,
        session=session,
        person_ids=[roster["2"].pk],
        within=[roster["1"].pk, roster["2"].pk],
    )

    assert (result.added, result.removed) == (1, 1)
    assert attendance(session) == {"2", "3"}  # 3 was not shown: untouched

    training_services.attendance_set(
        user=world.monitor.user, session=session, person_ids=[]
    )
    assert attendance(session) == set()


def test_ticking_someone_off_the_roster_or_as_a_reader_is_refused(world: World, roster):
    session = session_make(world)
    stranger = Person.objects.create(
        organisation=world.ilc, identifier="1", name="Funcionaria", role="official"
    )

    with pytest.raises(InvalidInput):
        training_services.attendance_set(
            user=world.monitor.user, session=session, person_ids=[stranger.pk]
        )
    with pytest.raises(InvalidInput):
        training_services.attendance_set(
            user=world.monitor.user, session=session, person_ids=["not-a-uuid"]
        )
    with pytest.raises(PermissionDenied):
        training_services.attendance_set(
            user=world.analyst.user, session=session, person_ids=[roster["1"].pk]
        )
    assert attendance(session) == set()


def test_a_session_for_an_organisation(world: World):
    from tests.support.actors import staff_member

    coordinator = staff_member(world.ilc, "coordina", role="coordinator")
    Person.objects.create(
        organisation=world.ilc, identifier="F1", name="Funcionaria", role="official"
    )
    session = training_services.training_session_create(
        user=coordinator.user,
        audience_organisation=world.ilc,
        topic=TrainingTopic.PROTOCOLS,
        held_on=YESTERDAY,
        starts_at=dt.time(10),
        ends_at=dt.time(12),
        during_working_hours=True,
        trainer="Coordinación interinstitucional",
        audience_roles=["official"],
    )
    training_services.attendance_record(
        user=coordinator.user, session=session, identifiers=["F1"]
    )

    coverage = training_selectors.protocols_coverage(
        user=world.analyst.user, organisation=world.ilc
    )
    assert coverage.complete
    assert session.organisation == world.ilc


def test_a_course_is_not_for_an_organisations_session(world: World, course):
    from tests.support.actors import staff_member

    coordinator = staff_member(world.ilc, "coordina", role="coordinator")
    with pytest.raises(InvalidInput) as refused:
        training_services.training_session_create(
            user=coordinator.user,
            audience_organisation=world.ilc,
            topic=TrainingTopic.PROTOCOLS,
            held_on=YESTERDAY,
            starts_at=dt.time(10),
            ends_at=dt.time(12),
            during_working_hours=True,
            trainer="X",
            course=course,
        )
    assert refused.value.errors[0]["field"] == "course_id"


def test_the_sessions_list_counts_attendance_in_few_queries(
    world: World, roster, django_assert_max_num_queries
):
    for day in range(1, 6):
        session = session_make(world, held_on=dt.date(2023, 9, day))
        training_services.attendance_record(
            user=world.monitor.user, session=session, identifiers=["1", "2"]
        )
    user = world.monitor.user

    with django_assert_max_num_queries(3):
        sessions = list(training_selectors.training_session_list(user=user))
        shown = [(s.facility.name, s.attendance_count) for s in sessions]

    assert len(shown) == 5
    assert all(count == 2 for _name, count in shown)
    assert sessions[0].held_on == dt.date(2023, 9, 5)
