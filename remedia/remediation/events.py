"""A measure's timeline: one function per kind of change (Saleor's
`order/events.py`, like `cases/events.py` and `rrm/events.py`).

Each function writes one `MeasureEvent` with its `MeasureEventKind` and a
`data` payload of the shape its `TypedDict` states: statuses, field names,
ids, a file's cleaned type and size. Never a note's text, the reason a measure
failed or an evidence item was rejected, nor a file's name: those stay on
their own rows, where who may read them is decided (`access.py`).

Services in `services.py` call these inside their transaction; nothing here
checks rights. Who sees which event is `selectors.measure_timeline`'s rule
(`MONITOR_ONLY_EVENTS`).
"""

from __future__ import annotations

from typing import Any, TypedDict

from remedia.accounts.models import User
from remedia.remediation.models import (
    Evidence,
    Measure,
    MeasureEvent,
    MeasureEventKind,
)

# --- Payloads --------------------------------------------------------------------
# "from" is a Python keyword, hence the functional form where a payload has one.


class CreatedData(TypedDict):
    type: str
    position: int


class UpdatedData(TypedDict):
    fields: list[str]


StatusChangedData = TypedDict(
    "StatusChangedData", {"from": str, "to": str, "by_evidence": bool}
)


class NoteAddedData(TypedDict):
    note: str


class EvidenceSubmittedData(TypedDict):
    evidence: str
    type: str
    size: int


EvidenceReviewedData = TypedDict(
    "EvidenceReviewedData", {"evidence": str, "from": str, "to": str}
)


def _write(
    *, measure: Measure, kind: MeasureEventKind, actor: User | None, data: Any
) -> MeasureEvent:
    return MeasureEvent.objects.create(
        measure=measure, kind=kind, actor=actor, data=dict(data)
    )


# --- One function per kind ---------------------------------------------------------


def measure_created_event(*, measure: Measure, user: User) -> MeasureEvent:
    """A measure was added (with its course, or later), at its position."""
    data: CreatedData = {"type": measure.type, "position": measure.position}
    return _write(measure=measure, kind=MeasureEventKind.CREATED, actor=user, data=data)


def measure_updated_event(
    *, measure: Measure, user: User, fields: list[str]
) -> MeasureEvent:
    """What was agreed changed: the names of the fields, not their values."""
    data: UpdatedData = {"fields": sorted(fields)}
    return _write(measure=measure, kind=MeasureEventKind.UPDATED, actor=user, data=data)


def measure_status_changed_event(
    *,
    measure: Measure,
    user: User,
    previous: str,
    status: str,
    by_evidence: bool = False,
) -> MeasureEvent:
    """The measure moved from ``previous`` to ``status`` (verified and failed too).

    ``by_evidence``: the first evidence of a pending measure put it in
    progress, nobody chose the move. A failure's reason stays on the measure.
    """
    data: StatusChangedData = {
        "from": previous,
        "to": status,
        "by_evidence": by_evidence,
    }
    return _write(
        measure=measure, kind=MeasureEventKind.STATUS_CHANGED, actor=user, data=data
    )


def measure_note_added_event(
    *, measure: Measure, user: User, note_id: Any
) -> MeasureEvent:
    """A monitor's note: the event names it, never holds its text."""
    data: NoteAddedData = {"note": str(note_id)}
    return _write(
        measure=measure, kind=MeasureEventKind.NOTE_ADDED, actor=user, data=data
    )


def evidence_submitted_event(
    *, measure: Measure, user: User, evidence: Evidence
) -> MeasureEvent:
    """An evidence file arrived: its id, cleaned type and size, not its name."""
    data: EvidenceSubmittedData = {
        "evidence": str(evidence.pk),
        "type": evidence.content_type,
        "size": evidence.size,
    }
    return _write(
        measure=measure,
        kind=MeasureEventKind.EVIDENCE_SUBMITTED,
        actor=user,
        data=data,
    )


def evidence_reviewed_event(
    *, measure: Measure, user: User, evidence: Evidence, previous: str
) -> MeasureEvent:
    """A monitor accepted or rejected an item; a rejection's reason stays on it."""
    data: EvidenceReviewedData = {
        "evidence": str(evidence.pk),
        "from": previous,
        "to": evidence.status,
    }
    return _write(
        measure=measure,
        kind=MeasureEventKind.EVIDENCE_REVIEWED,
        actor=user,
        data=data,
    )
