"""Sealed notes on a case."""

from __future__ import annotations

from django.db import transaction

from remedia.accounts.models import User
from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseNote,
)
from remedia.cases.services.clocks import _lock, _save
from remedia.cases.services.permissions import _require_write
from remedia.core.audit import audit_record
from remedia.core.kit import note_body
from remedia.core.sealed import (
    note_seal,
)

NOTE_MAX = 20_000


@transaction.atomic
def case_note_add(*, case: Case, user: User, body: str) -> CaseNote:
    """A note for colleagues only, sealed to the case's key."""
    _require_write(case=case, user=user)
    text = note_body(body, limit=NOTE_MAX)
    case = _lock(case)
    note = CaseNote.objects.create(
        case=case,
        author=user,
        content=note_seal(text, public_key=bytes(case.public_key)),
    )
    events.note_added_event(case=case, user=user, note_id=note.pk)
    _save(case, [])
    audit_record(
        action="case.note_added",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"note": str(note.pk)},
    )
    return note
