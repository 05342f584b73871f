"""A staff petition's timeline: one function per kind of change (Saleor's
`order/events.py`, like `cases/events.py`).

Each function writes one `RrmEvent` with its `RrmEventKind` and a `data`
payload of the shape its `TypedDict` states: stages, dates, decisions and ids,
never the facts alleged, a note's text or who the petitioners are.

Services call these inside their transaction; nothing here checks rights.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NotRequired, TypedDict

from remedia.accounts.models import User
from remedia.rrm.models import RrmCase, RrmEvent, RrmEventKind

# --- Payloads --------------------------------------------------------------------


class CreatedData(TypedDict):
    stage: str
    self_initiated: bool


# "from" is a Python keyword, hence the functional form. The decisions are
# present only when the stage brings them (`services.STAGE_DETAILS`).
AdvancedData = TypedDict(
    "AdvancedData",
    {
        "from": str,
        "to": str,
        "on": str,
        "affirmative": NotRequired[bool],
        "denial_found": NotRequired[bool],
        "liquidation_suspended": NotRequired[bool],
        "ending": NotRequired[str],
    },
)
ADVANCE_DECISIONS = ("affirmative", "denial_found", "liquidation_suspended", "ending")


class ClaimedData(TypedDict):
    organisation: str


class NoData(TypedDict):
    pass


class DocumentAddedData(TypedDict):
    document: str
    type: str


class NoteAddedData(TypedDict):
    note: str
    stage: str


class DraftReceivedData(TypedDict):
    escalation: str
    documents_offered: int


def _write(
    *, case: RrmCase, kind: RrmEventKind, actor: User | None, data: Any
) -> RrmEvent:
    return RrmEvent.objects.create(case=case, kind=kind, actor=actor, data=dict(data))


# --- One function per kind ---------------------------------------------------------


def petition_created_event(
    *, case: RrmCase, user: User, self_initiated: bool
) -> RrmEvent:
    """A petition was created by staff, at the stage it starts in."""
    data: CreatedData = {"stage": case.stage, "self_initiated": self_initiated}
    return _write(case=case, kind=RrmEventKind.CREATED, actor=user, data=data)


def draft_received_event(
    *, case: RrmCase, user: User | None, escalation_id: Any, documents_offered: int
) -> RrmEvent:
    """An escalated case arrived as a draft; ``user`` is who escalated it."""
    data: DraftReceivedData = {
        "escalation": str(escalation_id),
        "documents_offered": documents_offered,
    }
    return _write(case=case, kind=RrmEventKind.DRAFT_RECEIVED, actor=user, data=data)


def draft_claimed_event(*, case: RrmCase, user: User, organisation_id: Any) -> RrmEvent:
    data: ClaimedData = {"organisation": str(organisation_id)}
    return _write(case=case, kind=RrmEventKind.CLAIMED, actor=user, data=data)


def petition_advanced_event(
    *,
    case: RrmCase,
    user: User,
    previous: str,
    stage: str,
    on: dt.date,
    decisions: dict[str, Any],
) -> RrmEvent:
    """The petition moved from ``previous`` to ``stage`` on day ``on``.

    Of ``decisions`` (the stage's details), only the yes/no and ending codes
    are kept; free text such as the ILC's reasons stays on the case.
    """
    data: AdvancedData = {"from": previous, "to": stage, "on": on.isoformat()}
    for key in ADVANCE_DECISIONS:
        if key in decisions:
            data[key] = decisions[key]  # type: ignore[literal-required]
    return _write(case=case, kind=RrmEventKind.ADVANCED, actor=user, data=data)


def petition_published_event(*, case: RrmCase, user: User) -> RrmEvent:
    data: NoData = {}
    return _write(case=case, kind=RrmEventKind.PUBLISHED, actor=user, data=data)


def petition_withdrawn_event(*, case: RrmCase, user: User) -> RrmEvent:
    """Taken off the public record."""
    data: NoData = {}
    return _write(case=case, kind=RrmEventKind.WITHDRAWN, actor=user, data=data)


def document_added_event(
    *, case: RrmCase, user: User, document_id: Any, content_type: str
) -> RrmEvent:
    data: DocumentAddedData = {"document": str(document_id), "type": content_type}
    return _write(case=case, kind=RrmEventKind.DOCUMENT_ADDED, actor=user, data=data)


def note_added_event(*, case: RrmCase, user: User, note_id: Any) -> RrmEvent:
    """A note on the current stage: the event names it, never holds its text."""
    data: NoteAddedData = {"note": str(note_id), "stage": case.stage}
    return _write(case=case, kind=RrmEventKind.NOTE_ADDED, actor=user, data=data)
