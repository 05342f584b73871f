"""A measure's timeline: every change to a measure, its evidence or its notes
writes one typed event; the measure page and the plan API show them, a
compliance officer never sees a monitor's note event, and no event holds a
note, a reason or a file's name."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, get_type_hints

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from remedia.core.errors import InvalidInput
from remedia.remediation import events, selectors, services
from remedia.remediation.models import (
    Course,
    Evidence,
    EvidenceStatus,
    Measure,
    MeasureEvent,
    MeasureEventKind,
    MeasureType,
)
from remedia.remediation.timeline import measure_timeline_section
from tests.intake.support import jpeg_with_gps
from tests.support.remediation import World

pytestmark = pytest.mark.django_db

NOTE = "La gerencia retiró la declaración del comedor el viernes."
FAILED = "La empresa no publicó la declaración en el plazo."
REJECTED = "La foto no muestra la declaración, solo el comedor."
K = MeasureEventKind


def _measure(course: Course, position: int = 1) -> Measure:
    return course.measures.select_related("course").get(position=position)


def _kinds(measure: Measure) -> list[str]:
    return list(
        MeasureEvent.objects.filter(measure=measure)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def _photo_submit(world: World, measure: Measure) -> Evidence:
    return services.evidence_submit(
        measure=measure,
        user=world.officer.user,
        name="declaracion-comedor.jpg",
        data=jpeg_with_gps("Canon"),
        description="Comedor",
    )


# --- The writers ---------------------------------------------------------------------


def test_every_kind_has_its_function_which_writes_that_kind(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    user = world.monitor.user
    evidence = Evidence(
        measure=measure, content_type="image/jpeg", size=10, blob="x.jpg"
    )
    evidence.status = EvidenceStatus.ACCEPTED
    calls: dict[MeasureEventKind, tuple[Any, Any]] = {
        K.CREATED: (
            lambda: events.measure_created_event(measure=measure, user=user),
            events.CreatedData,
        ),
        K.UPDATED: (
            lambda: events.measure_updated_event(
                measure=measure, user=user, fields=["due_date"]
            ),
            events.UpdatedData,
        ),
        K.STATUS_CHANGED: (
            lambda: events.measure_status_changed_event(
                measure=measure, user=user, previous="pending", status="done"
            ),
            events.StatusChangedData,
        ),
        K.NOTE_ADDED: (
            lambda: events.measure_note_added_event(
                measure=measure, user=user, note_id=uuid.uuid4()
            ),
            events.NoteAddedData,
        ),
        K.EVIDENCE_SUBMITTED: (
            lambda: events.evidence_submitted_event(
                measure=measure, user=user, evidence=evidence
            ),
            events.EvidenceSubmittedData,
        ),
        K.EVIDENCE_REVIEWED: (
            lambda: events.evidence_reviewed_event(
                measure=measure, user=user, evidence=evidence, previous="submitted"
            ),
            events.EvidenceReviewedData,
        ),
    }
    assert set(calls) == set(MeasureEventKind)

    for kind, (write, payload) in calls.items():
        event = write()
        event.refresh_from_db()
        assert event.kind == kind
        assert event.actor == user
        assert set(event.data) == set(get_type_hints(payload)), kind


# --- The services write them -------------------------------------------------------------


def test_a_measure_s_whole_life_is_on_its_timeline(
    world: World,
    course: Course,
    data_dir,  # noqa: F811
) -> None:
    monitor, officer = world.monitor.user, world.officer.user
    # Given a measure added to the course and then changed
    measure = services.measure_create(
        course=course, user=monitor, type=MeasureType.NEUTRALITY_STATEMENT
    )
    services.measure_update(
        measure=measure, user=monitor, due_date=dt.date(2030, 1, 31)
    )
    # When the officer uploads evidence (the measure starts), the monitor
    # writes a note, rejects then accepts the evidence, and verifies
    evidence = _photo_submit(world, measure)
    services.measure_note_add(measure=measure, user=monitor, body=NOTE)
    services.evidence_review(
        evidence=evidence, user=monitor, decision="rejected", reason=REJECTED
    )
    services.evidence_review(evidence=evidence, user=monitor, decision="accepted")
    services.measure_status_change(measure=measure, user=officer, to_status="done")
    services.measure_status_change(measure=measure, user=monitor, to_status="verified")

    # Then every step is an event, in order, by whoever took it
    rows = list(MeasureEvent.objects.filter(measure=measure).order_by("created_at"))
    assert [(e.kind, e.actor) for e in rows] == [
        (K.CREATED, monitor),
        (K.UPDATED, monitor),
        (K.EVIDENCE_SUBMITTED, officer),
        (K.STATUS_CHANGED, officer),
        (K.NOTE_ADDED, monitor),
        (K.EVIDENCE_REVIEWED, monitor),
        (K.EVIDENCE_REVIEWED, monitor),
        (K.STATUS_CHANGED, officer),
        (K.STATUS_CHANGED, monitor),
    ]
    assert rows[1].data == {"fields": ["due_date"]}
    assert rows[3].data == {"from": "pending", "to": "in_progress", "by_evidence": True}
    assert rows[5].data == {
        "evidence": str(evidence.pk),
        "from": "submitted",
        "to": "rejected",
    }
    assert rows[-1].data == {"from": "done", "to": "verified", "by_evidence": False}
    # And none holds the note, the rejection's reason or the file's name
    everything = str([e.data for e in rows])
    for secret in (NOTE[:20], REJECTED[:20], "declaracion-comedor"):
        assert secret not in everything


def test_failing_a_measure_writes_the_move_not_the_reason(
    world: World, course: Course
) -> None:
    measure = _measure(course)

    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="failed", reason=FAILED
    )

    event = MeasureEvent.objects.get(measure=measure)
    assert event.kind == K.STATUS_CHANGED
    assert event.data == {"from": "pending", "to": "failed", "by_evidence": False}
    assert "plazo" not in str(event.data)


def test_a_refused_change_writes_no_event(world: World, course: Course) -> None:
    # Given a measure said to be done
    measure = _measure(course)
    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="done"
    )

    # When verifying it is refused (no accepted evidence)
    with pytest.raises(InvalidInput):
        services.measure_status_change(
            measure=measure, user=world.monitor.user, to_status="verified"
        )

    # Then only the move to "done" is on the timeline
    assert _kinds(measure) == [K.STATUS_CHANGED]


def test_a_course_created_with_measures_writes_each_one_s_creation(
    world: World,
) -> None:
    course = services.course_create(
        user=world.monitor.user,
        title="Plan 2024",
        facility=world.facility,
        origin="inspection",
        deadline=dt.date(2030, 5, 1),
        measures=[
            services.MeasureSpec(type=MeasureType.NEUTRALITY_STATEMENT),
            services.MeasureSpec(type=MeasureType.PERSONNEL_TRAINING),
        ],
    )

    created = MeasureEvent.objects.filter(measure__course=course, kind=K.CREATED)
    assert sorted(e.data["position"] for e in created) == [1, 2]


# --- Who sees them -----------------------------------------------------------------------


def test_an_officer_does_not_see_that_a_note_was_written(
    world: World, course: Course
) -> None:
    measure = _measure(course)
    services.measure_note_add(measure=measure, user=world.monitor.user, body=NOTE)
    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="in_progress"
    )

    analyst = selectors.measure_timeline(viewer=world.analyst.user, measure=measure)
    officer = selectors.measure_timeline(viewer=world.officer.user, measure=measure)

    assert [e.kind for e in analyst] == [K.NOTE_ADDED, K.STATUS_CHANGED]
    assert [e.kind for e in officer] == [K.STATUS_CHANGED]


def _measure_url(measure: Measure) -> str:
    return f"/staff/remediation/{measure.course_id}/measures/{measure.pk}/"


def test_the_measure_page_shows_the_timeline_each_role_may_see(
    client, enter, world: World, course: Course
) -> None:
    measure = _measure(course)
    services.measure_note_add(measure=measure, user=world.monitor.user, body=NOTE)
    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="failed", reason=FAILED
    )

    enter(world.analyst)
    page = client.get(_measure_url(measure)).content.decode()
    assert 'id="measure-timeline"' in page
    assert 'data-kind="note_added"' in page
    assert "De «Pendiente» a «Incumplida»." in page
    assert "monica" in page

    enter(world.officer)
    page = client.get(_measure_url(measure)).content.decode()
    assert 'data-kind="status_changed"' in page
    assert 'data-kind="note_added"' not in page
    assert NOTE not in page


def test_the_measure_page_takes_the_same_queries_however_long_its_timeline(
    client, enter, world: World, course: Course
) -> None:
    measure = _measure(course)
    enter(world.monitor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_measure_url(measure)).status_code == 200
        return len(captured)

    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="in_progress"
    )
    queries()
    before = queries()
    for n in range(4):
        services.measure_note_add(
            measure=measure, user=world.monitor.user, body=f"Nota {n}"
        )
        services.measure_status_change(
            measure=measure,
            user=world.monitor.user,
            to_status="done" if n % 2 == 0 else "in_progress",
        )

    assert queries() == before


def test_the_timeline_section_reads_in_one_query(world: World, course: Course) -> None:
    measure = _measure(course)
    for status in ("in_progress", "done", "in_progress"):
        services.measure_status_change(
            measure=measure, user=world.monitor.user, to_status=status
        )
    request = RequestFactory().get("/")
    request.user = world.monitor.user
    # The parties and the viewer's organisations, as the page has read them
    selectors.measure_timeline(viewer=request.user, measure=measure)

    with CaptureQueriesContext(connection) as captured:
        html = measure_timeline_section(request, measure)

    assert html.count("<li data-kind=") == 3
    assert len(captured) == 1


# --- The API -----------------------------------------------------------------------------


def test_the_api_gives_each_measure_its_timeline(
    client, world: World, course: Course
) -> None:
    measure = _measure(course)
    services.measure_note_add(measure=measure, user=world.monitor.user, body=NOTE)
    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="in_progress"
    )
    plan_url = f"/api/v1/remediation/plans/{course.pk}"
    measure_url = f"{plan_url}/measures/{measure.pk}"

    analyst = client.get(measure_url, headers=world.analyst.headers).json()
    assert [e["kind"] for e in analyst["timeline"]] == ["note_added", "status_changed"]
    moved = analyst["timeline"][1]
    assert moved["label"] == "Cambio de estado"
    assert moved["actor"] == "monica"
    assert moved["data"] == {
        "from": "pending",
        "to": "in_progress",
        "by_evidence": False,
    }

    plan = client.get(plan_url, headers=world.officer.headers).json()
    first = next(m for m in plan["measures"] if m["id"] == str(measure.pk))
    assert [e["kind"] for e in first["timeline"]] == ["status_changed"]
    others = [m["timeline"] for m in plan["measures"] if m["id"] != str(measure.pk)]
    assert all(t == [] for t in others)


def test_the_plan_api_reads_timelines_in_one_query_however_many(
    client, world: World, course: Course
) -> None:
    plan_url = f"/api/v1/remediation/plans/{course.pk}"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(plan_url, headers=world.analyst.headers).status_code == 200
            )
        return len(captured)

    queries()  # the first request warms the token's and the cache's rows
    before = queries()
    for measure in course.measures.select_related("course"):
        services.measure_status_change(
            measure=measure, user=world.monitor.user, to_status="in_progress"
        )

    assert queries() == before


def test_another_organisation_gets_404_not_a_timeline(
    client, world: World, course: Course
) -> None:
    measure = _measure(course)
    services.measure_status_change(
        measure=measure, user=world.monitor.user, to_status="in_progress"
    )

    response = client.get(
        f"/api/v1/remediation/plans/{course.pk}/measures/{measure.pk}",
        headers=world.stranger.headers,
    )

    assert response.status_code == 404
    assert "timeline" not in response.content.decode()
