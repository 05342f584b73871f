"""The case timeline's writers: one function per kind, each writing its kind
with the payload its TypedDict states, and never what anyone wrote."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, get_type_hints

import pytest

from remedia.cases import events, services
from remedia.cases.models import Case, CaseEvent, EventKind
from tests.intake.support import NARRATIVE


@pytest.fixture
def case(report_in, agu_handler) -> Case:
    submitted = report_in()
    return services.case_open(report_ids=[submitted.report.pk], user=agu_handler.user)


def _calls(case: Case, user: Any) -> dict[EventKind, tuple[Callable[..., Any], Any]]:
    """Every kind, the function that writes it, and its payload's TypedDict."""
    report = case.links.select_related("report").get().report
    some = uuid.uuid4()
    return {
        EventKind.OPENED: (
            lambda: events.case_opened_event(
                case=case, user=user, reports=2, urgent=True
            ),
            events.OpenedData,
        ),
        EventKind.REPORT_ADDED: (
            lambda: events.report_added_event(case=case, user=user, report=report),
            events.ReportAddedData,
        ),
        EventKind.STATUS_CHANGED: (
            lambda: events.status_changed_event(
                case=case,
                user=user,
                previous="open",
                status="closed",
                reason="resolved",
            ),
            events.StatusChangedData,
        ),
        EventKind.ASSIGNED: (
            lambda: events.case_assigned_event(case=case, user=user, assignee=user),
            events.AssignedData,
        ),
        EventKind.SEVERITY_CHANGED: (
            lambda: events.severity_changed_event(
                case=case, user=user, previous="low", severity="high"
            ),
            events.SeverityChangedData,
        ),
        EventKind.CATEGORIES_CHANGED: (
            lambda: events.categories_changed_event(
                case=case, user=user, previous=["wages"], categories=["threats"]
            ),
            events.CategoriesChangedData,
        ),
        EventKind.FACILITY_CHANGED: (
            lambda: events.facility_changed_event(
                case=case, user=user, previous_id=None, facility_id=some
            ),
            events.FacilityChangedData,
        ),
        EventKind.NOTE_ADDED: (
            lambda: events.note_added_event(case=case, user=user, note_id=some),
            events.NoteAddedData,
        ),
        EventKind.TASK_ADDED: (
            lambda: events.task_added_event(
                case=case,
                user=user,
                task_id=some,
                owner=user,
                due_on=dt.date(2030, 1, 2),
            ),
            events.TaskAddedData,
        ),
        EventKind.TASK_DONE: (
            lambda: events.task_done_event(case=case, user=user, task_id=some),
            events.TaskDoneData,
        ),
        EventKind.DOCUMENT_ADDED: (
            lambda: events.document_added_event(
                case=case, user=user, document_id=some, content_type="image/jpeg"
            ),
            events.DocumentAddedData,
        ),
        EventKind.MESSAGE_SENT: (
            lambda: events.message_sent_event(case=case, user=user, reporters=3),
            events.MessageSentData,
        ),
        EventKind.REPORTER_REPLIED: (
            lambda: events.reporter_replied_event(case=case, report=report),
            events.ReporterRepliedData,
        ),
        EventKind.CLOCK_PAUSED: (
            lambda: events.clock_paused_event(case=case, user=user),
            events.NoData,
        ),
        EventKind.CLOCK_RESUMED: (
            lambda: events.clock_resumed_event(case=case, user=None),
            events.NoData,
        ),
        EventKind.ESCALATED: (
            lambda: events.case_escalated_event(
                case=case, user=user, escalation_id=some, documents=1
            ),
            events.EscalatedData,
        ),
        EventKind.CHECKIN_SENT: (
            lambda: events.checkin_sent_event(case=case, days_after=30),
            events.CheckinSentData,
        ),
        EventKind.CHECKIN_ANSWERED: (
            lambda: events.checkin_answered_event(
                case=case, days_after=30, answer="no"
            ),
            events.CheckinAnsweredData,
        ),
        EventKind.REOPENED: (
            lambda: events.case_reopened_event(case=case, why="retaliation"),
            events.ReopenedData,
        ),
    }


def test_every_kind_has_its_function_which_writes_that_kind_and_its_payload(
    case: Case, agu_handler
) -> None:
    # Given an open case and a writer for every kind of the timeline
    calls = _calls(case, agu_handler.user)
    assert set(calls) == set(EventKind)

    for kind, (write, payload) in calls.items():
        before = CaseEvent.objects.filter(case=case, kind=kind).count()
        # When the function runs
        event = write()
        # Then it wrote one row of its own kind, with the payload's keys only
        event.refresh_from_db()
        assert event.kind == kind
        assert CaseEvent.objects.filter(case=case, kind=kind).count() == before + 1
        assert set(event.data) == set(get_type_hints(payload)), kind
        assert NARRATIVE[:20] not in str(event.data)


def test_system_events_name_no_actor(case: Case) -> None:
    event = events.checkin_answered_event(case=case, days_after=90, answer="yes")

    assert event.actor is None
    assert event.data == {"days_after": 90, "answer": "yes"}


def test_a_note_event_names_the_note_and_keeps_its_text_out(
    case: Case, agu_handler
) -> None:
    # Given a note written on the case
    text = "La testigo pidió que no se le llame al trabajo."
    note = services.case_note_add(case=case, user=agu_handler.user, body=text)

    # Then its event holds the note's id and nothing of what it says
    event = CaseEvent.objects.get(case=case, kind=EventKind.NOTE_ADDED)
    assert event.data == {"note": str(note.pk)}
    assert event.actor == agu_handler.user
    assert "testigo" not in str(event.data)
