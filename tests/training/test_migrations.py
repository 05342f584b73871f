"""Training left ``remediation`` for its own app: the rows stay, and what a
session counted for moves to remediation's link table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from remedia.remediation.models import CourseTrainingSession, MeasureType
from remedia.training.models import Attendance, Person, TrainingSession

BEFORE = [("remediation", "0001_initial")]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


# Migrating commits; the database is flushed afterwards, past the audit log's
# append-only triggers.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_flushable_audit_log")
def test_training_rows_survive_the_move_to_their_own_app(world, course) -> None:
    # Given a database as it was before the move (training inside remediation)
    # with a roster, a session held for the course's training measure, one
    # held for no course, and attendance
    measure = course.measures.get(type=MeasureType.WORKER_RIGHTS_TRAINING)
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    OldPerson = old.get_model("remediation", "Person")
    OldSession = old.get_model("remediation", "TrainingSession")
    OldAttendance = old.get_model("remediation", "Attendance")
    ana = OldPerson.objects.create(
        facility_id=world.facility.pk, identifier="1", name="Ana", role="worker"
    )
    beto = OldPerson.objects.create(
        facility_id=world.facility.pk, identifier="2", name="Beto", role="worker"
    )
    times = {
        "held_on": dt.date(2023, 9, 1),
        "starts_at": dt.time(9),
        "ends_at": dt.time(11),
        "during_working_hours": True,
        "trainer": "STPS",
        "facility_id": world.facility.pk,
        "organisation_id": world.monitor_org.pk,
    }
    linked = OldSession.objects.create(
        topic="worker_rights", course_id=course.pk, measure_id=measure.pk, **times
    )
    # A session recorded for a measure only: its course is the measure's.
    by_measure = OldSession.objects.create(
        topic="worker_rights", measure_id=measure.pk, **times
    )
    alone = OldSession.objects.create(topic="other", **times)
    for session, person in ((linked, ana), (linked, beto), (alone, ana)):
        OldAttendance.objects.create(session_id=session.pk, person_id=person.pk)

    # When the database is migrated to today's schema
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Then every row is there under the training app, attendance included
    assert set(Person.objects.values_list("pk", flat=True)) == {ana.pk, beto.pk}
    assert set(TrainingSession.objects.values_list("pk", flat=True)) == {
        linked.pk,
        by_measure.pk,
        alone.pk,
    }
    assert Attendance.objects.filter(session_id=linked.pk).count() == 2
    assert Attendance.objects.filter(session_id=alone.pk).count() == 1
    # and what each session counted for is remediation's link row
    links = {
        link.session_id: (link.course_id, link.measure_id)
        for link in CourseTrainingSession.objects.all()
    }
    assert links == {
        linked.pk: (course.pk, measure.pk),
        by_measure.pk: (course.pk, measure.pk),
    }
    # and the session table no longer has the columns pointing up
    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(
                cursor, "remediation_trainingsession"
            )
        }
    assert not {"course_id", "measure_id"} & columns
