"""The case timeline: one function per kind of change (Saleor's `order/events.py`).

Each function writes one `CaseEvent` with its `EventKind` and a `data` payload
of the shape its `TypedDict` states. A payload carries ids and small facts (a
status, a username, a count), never what anyone wrote: a note's event names the
note, the note itself stays sealed; a message's event counts the reporters it
reached. The case page (`views._event_text`), the API (`api._event`) and the
notification composers (`notify`) read these keys, so a key changes in all of
them or in none.

Services call these inside their transaction; nothing here checks rights.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from django.utils import timezone

from remedia.accounts.models import User
from remedia.cases.models import Case, CaseEvent, EventKind
from remedia.intake.models import Report

# --- Payloads --------------------------------------------------------------------
# "from" is a Python keyword, hence the functional form where a payload has one.


class OpenedData(TypedDict):
    reports: int
    urgent: bool


class ReportAddedData(TypedDict):
    report: str
    channel: str


StatusChangedData = TypedDict(
    "StatusChangedData", {"from": str, "to": str, "reason": str | None}
)


class AssignedData(TypedDict):
    to: str | None
    username: str | None


SeverityChangedData = TypedDict("SeverityChangedData", {"from": str, "to": str})
CategoriesChangedData = TypedDict(
    "CategoriesChangedData", {"from": list[str], "to": list[str]}
)
FacilityChangedData = TypedDict(
    "FacilityChangedData", {"from": str | None, "to": str | None}
)


class NoteAddedData(TypedDict):
    note: str


class TaskAddedData(TypedDict):
    task: str
    owner: str
    due_on: str


class TaskDoneData(TypedDict):
    task: str


class DocumentAddedData(TypedDict):
    document: str
    type: str


class MessageSentData(TypedDict):
    reporters: int


class ReporterRepliedData(TypedDict):
    report: str


class NoData(TypedDict):
    pass


class EscalatedData(TypedDict):
    escalation: str
    documents: int


class CheckinSentData(TypedDict):
    days_after: int


class CheckinAnsweredData(TypedDict):
    days_after: int
    answer: str


ReopenReason = Literal["retaliation"]


class ReopenedData(TypedDict):
    why: ReopenReason


def _write(*, case: Case, kind: EventKind, actor: User | None, data: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, at=timezone.now(), data=dict(data)
    )


# --- One function per kind ---------------------------------------------------------


def case_opened_event(
    *, case: Case, user: User, reports: int, urgent: bool
) -> CaseEvent:
    """A case opened from ``reports`` reports; ``urgent`` if any of them was."""
    data: OpenedData = {"reports": reports, "urgent": urgent}
    return _write(case=case, kind=EventKind.OPENED, actor=user, data=data)


def report_added_event(*, case: Case, user: User, report: Report) -> CaseEvent:
    """A report joined the case (when it opened, or merged in later)."""
    data: ReportAddedData = {"report": str(report.pk), "channel": report.channel}
    return _write(case=case, kind=EventKind.REPORT_ADDED, actor=user, data=data)


def status_changed_event(
    *,
    case: Case,
    user: User | None,
    previous: str,
    status: str,
    reason: str | None = None,
) -> CaseEvent:
    """The status moved; ``reason`` is a closure reason's code, never free text.

    ``user`` is None when the reporter's answer or the system moved it.
    """
    data: StatusChangedData = {"from": previous, "to": status, "reason": reason}
    return _write(case=case, kind=EventKind.STATUS_CHANGED, actor=user, data=data)


def case_assigned_event(*, case: Case, user: User, assignee: User | None) -> CaseEvent:
    """The case went to ``assignee``, or to nobody."""
    data: AssignedData = {
        "to": str(assignee.pk) if assignee else None,
        "username": assignee.username if assignee else None,
    }
    return _write(case=case, kind=EventKind.ASSIGNED, actor=user, data=data)


def severity_changed_event(
    *, case: Case, user: User, previous: str, severity: str
) -> CaseEvent:
    data: SeverityChangedData = {"from": previous, "to": severity}
    return _write(case=case, kind=EventKind.SEVERITY_CHANGED, actor=user, data=data)


def categories_changed_event(
    *, case: Case, user: User, previous: list[str], categories: list[str]
) -> CaseEvent:
    """Category codes before and after, each sorted."""
    data: CategoriesChangedData = {
        "from": sorted(previous),
        "to": sorted(categories),
    }
    return _write(case=case, kind=EventKind.CATEGORIES_CHANGED, actor=user, data=data)


def facility_changed_event(
    *, case: Case, user: User, previous_id: Any, facility_id: Any
) -> CaseEvent:
    """The facility ids before and after (None: no facility)."""
    data: FacilityChangedData = {
        "from": str(previous_id) if previous_id else None,
        "to": str(facility_id) if facility_id else None,
    }
    return _write(case=case, kind=EventKind.FACILITY_CHANGED, actor=user, data=data)


def note_added_event(*, case: Case, user: User, note_id: Any) -> CaseEvent:
    """A sealed note was added: the event names it, never holds its text."""
    data: NoteAddedData = {"note": str(note_id)}
    return _write(case=case, kind=EventKind.NOTE_ADDED, actor=user, data=data)


def task_added_event(
    *, case: Case, user: User, task_id: Any, owner: User, due_on: Any
) -> CaseEvent:
    """A task for ``owner`` due on ``due_on``; its title stays on the task."""
    data: TaskAddedData = {
        "task": str(task_id),
        "owner": owner.username,
        "due_on": due_on.isoformat(),
    }
    return _write(case=case, kind=EventKind.TASK_ADDED, actor=user, data=data)


def task_done_event(*, case: Case, user: User, task_id: Any) -> CaseEvent:
    data: TaskDoneData = {"task": str(task_id)}
    return _write(case=case, kind=EventKind.TASK_DONE, actor=user, data=data)


def document_added_event(
    *, case: Case, user: User, document_id: Any, content_type: str
) -> CaseEvent:
    """A sealed document was added: its id and cleaned type, not its name."""
    data: DocumentAddedData = {"document": str(document_id), "type": content_type}
    return _write(case=case, kind=EventKind.DOCUMENT_ADDED, actor=user, data=data)


def message_sent_event(*, case: Case, user: User, reporters: int) -> CaseEvent:
    """A message went to ``reporters`` reporters; its text stays sealed on each."""
    data: MessageSentData = {"reporters": reporters}
    return _write(case=case, kind=EventKind.MESSAGE_SENT, actor=user, data=data)


def reporter_replied_event(*, case: Case, report: Report) -> CaseEvent:
    """A reporter answered on ``report``; no actor, so no one is named."""
    data: ReporterRepliedData = {"report": str(report.pk)}
    return _write(case=case, kind=EventKind.REPORTER_REPLIED, actor=None, data=data)


def clock_paused_event(*, case: Case, user: User | None) -> CaseEvent:
    """The clocks stopped while the case awaits a response."""
    data: NoData = {}
    return _write(case=case, kind=EventKind.CLOCK_PAUSED, actor=user, data=data)


def clock_resumed_event(*, case: Case, user: User | None) -> CaseEvent:
    data: NoData = {}
    return _write(case=case, kind=EventKind.CLOCK_RESUMED, actor=user, data=data)


def case_escalated_event(
    *, case: Case, user: User, escalation_id: Any, documents: int
) -> CaseEvent:
    """The case was put forward as a draft petition with ``documents`` documents."""
    data: EscalatedData = {"escalation": str(escalation_id), "documents": documents}
    return _write(case=case, kind=EventKind.ESCALATED, actor=user, data=data)


def checkin_sent_event(*, case: Case, days_after: int) -> CaseEvent:
    """The retaliation question went out ``days_after`` days after closing."""
    data: CheckinSentData = {"days_after": days_after}
    return _write(case=case, kind=EventKind.CHECKIN_SENT, actor=None, data=data)


def checkin_answered_event(*, case: Case, days_after: int, answer: str) -> CaseEvent:
    """The reporter's yes or no (a `CheckinAnswer` code) to that question."""
    data: CheckinAnsweredData = {"days_after": days_after, "answer": answer}
    return _write(case=case, kind=EventKind.CHECKIN_ANSWERED, actor=None, data=data)


def case_reopened_event(*, case: Case, why: ReopenReason) -> CaseEvent:
    """The system reopened the case (today only for reported retaliation)."""
    data: ReopenedData = {"why": why}
    return _write(case=case, kind=EventKind.REOPENED, actor=None, data=data)
