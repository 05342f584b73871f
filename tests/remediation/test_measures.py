"""Measures: adding from the catalogue, the status machine, who moves what, notes."""

from __future__ import annotations

import datetime as dt

import pytest

from remedia.core.audit import AuditEntry
from remedia.core.errors import InvalidInput, PermissionDenied
from remedia.remediation import selectors, services
from remedia.remediation.catalogue import CATALOGUE
from remedia.remediation.models import (
    Course,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureNote,
    MeasureStatus,
    MeasureType,
    ResponsibleParty,
)
from tests.support.remediation import DEADLINE, World

pytestmark = pytest.mark.django_db

S = MeasureStatus


def _measure(course: Course, position: int = 1) -> Measure:
    return course.measures.select_related("course").get(position=position)


def _move(world: World, measure: Measure, to: str, **kwargs) -> Measure:
    return services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status=to, **kwargs
    )


def _evidence(measure: Measure, status: str = EvidenceStatus.ACCEPTED) -> Evidence:
    """An evidence row as a review would leave it (the file does not matter here)."""
    return Evidence.objects.create(
        measure=measure,
        name="foto.jpg",
        content_type="image/jpeg",
        size=10,
        blob=f"{measure.pk.hex}-{Evidence.objects.count()}.jpg",
        status=status,
        review_reason="borrosa" if status == EvidenceStatus.REJECTED else "",
    )


def _status_changes() -> int:
    return AuditEntry.objects.filter(
        action="remediation.measure_status_changed"
    ).count()


# --- Adding -----------------------------------------------------------------------------


def test_a_measure_is_added_last_with_the_catalogue_and_the_deadline(
    world: World, course: Course
) -> None:
    measure = services.measure_create(
        course=course, user=world.monitor.user, type=MeasureType.UNION_VOTE
    )

    entry = CATALOGUE[MeasureType.UNION_VOTE]
    assert measure.position == 8
    assert measure.description == str(entry.description)
    assert measure.required_evidence == str(entry.evidence)
    assert measure.responsible_party == ResponsibleParty.GOVERNMENT
    assert measure.due_date == DEADLINE
    assert measure.status == S.PENDING
    assert AuditEntry.objects.filter(
        action="remediation.measure_created", object_id=str(measure.pk)
    ).exists()


def test_a_measure_needs_a_known_type_and_a_monitor(
    world: World, course: Course
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.measure_create(course=course, user=world.monitor.user, type="magic")
    assert caught.value.errors[0]["field"] == "type"
    for staff in (world.analyst, world.officer):
        with pytest.raises(PermissionDenied):
            services.measure_create(
                course=course, user=staff.user, type=MeasureType.REINSTATEMENT
            )
    assert course.measures.count() == 7


def test_a_monitor_changes_the_due_date_and_nothing_else_by_mistake(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    later = DEADLINE + dt.timedelta(days=30)
    services.measure_update(measure=measure, user=world.monitor.user, due_date=later)
    measure.refresh_from_db()
    assert measure.due_date == later
    with pytest.raises(InvalidInput) as caught:
        services.measure_update(measure=measure, user=world.monitor.user, status="done")
    assert caught.value.errors[0]["field"] == "status"
    with pytest.raises(PermissionDenied):
        services.measure_update(
            measure=measure, user=world.officer.user, description="Nada."
        )


# --- The status machine ------------------------------------------------------------------


def test_moves_outside_the_machine_are_refused(world: World, course: Course) -> None:
    measure = _measure(course)
    with pytest.raises(InvalidInput) as caught:
        _move(world, measure, S.VERIFIED)
    assert caught.value.errors[0]["field"] == "status"
    assert "No se puede pasar de «Pendiente» a «Verificada»" in str(
        caught.value.errors[0]["reason"]
    )
    with pytest.raises(InvalidInput):
        _move(world, measure, S.PENDING)
    with pytest.raises(InvalidInput):
        _move(world, measure, "finished")
    measure.refresh_from_db()
    assert measure.status == S.PENDING
    assert _status_changes() == 0


def test_verifying_without_accepted_evidence_is_refused_and_nothing_saved(
    world: World, course: Course
) -> None:
    measure = _move(world, _measure(course), S.DONE)
    _evidence(measure, EvidenceStatus.SUBMITTED)
    _evidence(measure, EvidenceStatus.REJECTED)
    before = _status_changes()

    with pytest.raises(InvalidInput) as caught:
        _move(world, measure, S.VERIFIED)

    (error,) = caught.value.errors
    assert error["field"] == "evidence"
    assert "al menos una evidencia aceptada" in str(error["reason"])
    measure.refresh_from_db()
    assert measure.status == S.DONE
    assert measure.verified_at is None
    assert _status_changes() == before


def test_verifying_with_accepted_evidence_records_who_and_when(
    world: World, course: Course
) -> None:
    measure = _move(world, _measure(course), S.DONE)
    _evidence(measure)

    measure = _move(world, measure, S.VERIFIED)

    measure.refresh_from_db()
    assert measure.status == S.VERIFIED
    assert measure.verified_by == world.monitor.user
    assert measure.verified_at is not None
    entry = AuditEntry.objects.filter(
        action="remediation.measure_status_changed"
    ).latest("seq")
    assert entry.data["from"] == "done"
    assert entry.data["to"] == "verified"
    # Taken back, it is no longer verified by anyone.
    measure = _move(world, measure, S.IN_PROGRESS)
    measure.refresh_from_db()
    assert measure.verified_at is None
    assert measure.verified_by is None


def test_failing_takes_a_reason_and_taking_it_up_again_clears_it(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    with pytest.raises(InvalidInput) as caught:
        _move(world, measure, S.FAILED, reason="  ")
    assert caught.value.errors[0]["field"] == "reason"
    measure = _move(world, measure, S.FAILED, reason="No se publicó en el comedor.")
    measure.refresh_from_db()
    assert measure.failed_reason == "No se publicó en el comedor."
    measure = _move(world, measure, S.IN_PROGRESS)
    measure.refresh_from_db()
    assert measure.failed_reason == ""


# --- Who moves what ----------------------------------------------------------------------


def test_the_officer_starts_and_finishes_company_measures_only(
    world: World, course: Course
) -> None:
    officer = world.officer.user
    measure = _measure(course)  # the neutrality statement: the company's

    assert services.measure_moves(user=officer, measure=measure) == [
        S.IN_PROGRESS,
        S.DONE,
    ]
    measure = services.measure_status_change(
        measure=measure, user=officer, to_status=S.IN_PROGRESS
    )
    measure = services.measure_status_change(
        measure=measure, user=officer, to_status=S.DONE
    )
    assert services.measure_moves(user=officer, measure=measure) == []
    _evidence(measure)
    with pytest.raises(PermissionDenied):
        services.measure_status_change(
            measure=measure, user=officer, to_status=S.VERIFIED
        )
    with pytest.raises(PermissionDenied):
        services.measure_status_change(
            measure=measure, user=officer, to_status=S.FAILED, reason="no"
        )
    government = _measure(course, 7)  # sanctions proceedings: the government's
    assert government.responsible_party == ResponsibleParty.GOVERNMENT
    with pytest.raises(PermissionDenied):
        services.measure_status_change(
            measure=government, user=officer, to_status=S.IN_PROGRESS
        )
    measure.refresh_from_db()
    assert measure.status == S.DONE


def test_an_analyst_reads_but_moves_nothing(world: World, course: Course) -> None:
    measure = _measure(course)
    assert services.measure_moves(user=world.analyst.user, measure=measure) == []
    with pytest.raises(PermissionDenied):
        services.measure_status_change(
            measure=measure, user=world.analyst.user, to_status=S.IN_PROGRESS
        )
    assert services.measure_moves(user=world.monitor.user, measure=measure) == [
        S.IN_PROGRESS,
        S.DONE,
        S.FAILED,
    ]


# --- Notes -------------------------------------------------------------------------------


def test_notes_are_the_monitors_and_never_reach_the_officer(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    note = services.measure_note_add(
        measure=measure,
        user=world.monitor.user,
        body="La gerencia retiró la declaración del comedor el viernes.",
    )

    assert selectors.measure_notes(viewer=world.analyst.user, measure=measure) == [note]
    assert selectors.measure_notes(viewer=world.monitor.user, measure=measure) == [note]
    assert selectors.measure_notes(viewer=world.officer.user, measure=measure) == []
    for staff in (world.officer, world.analyst):
        with pytest.raises(PermissionDenied):
            services.measure_note_add(measure=measure, user=staff.user, body="Hola")
    with pytest.raises(InvalidInput):
        services.measure_note_add(measure=measure, user=world.monitor.user, body=" ")
    assert MeasureNote.objects.count() == 1
    entry = AuditEntry.objects.get(action="remediation.note_added")
    # The audit log has the note's id, never its words.
    assert "gerencia" not in str(entry.data)


def test_measures_come_with_their_evidence_counts_and_overdue_flag(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    _evidence(measure)
    _evidence(measure, EvidenceStatus.SUBMITTED)
    _evidence(measure, EvidenceStatus.REJECTED)
    Measure.objects.filter(pk=_measure(course, 2).pk).update(status=S.DONE)

    listed = {m.position: m.__dict__ for m in selectors.measure_list(course=course)}

    first = listed[1]
    assert (
        first["evidence_total"],
        first["evidence_accepted"],
        first["evidence_submitted"],
        first["evidence_rejected"],
    ) == (3, 1, 1, 1)
    assert listed[3]["evidence_total"] == 0
    assert first["is_overdue"]  # pending, due 2023
    assert not listed[2]["is_overdue"]  # done
    on_the_day = selectors.measure_list(course=course, today=dt.date(2023, 11, 10))
    assert not on_the_day.get(position=1).__dict__["is_overdue"]
