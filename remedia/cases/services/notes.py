"""Sealed notes on a case."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseNote,
)
from remedia.cases.services.clocks import _lock, _save
from remedia.cases.services.permissions import _require_write
from remedia.core.audit import audit_record
from remedia.core.kit import invalid as _invalid
from remedia.core.sealed import (
    note_seal,
)
from remedia.intake import services as intake

NOTE_MAX = 20_000


@transaction.atomic
def case_note_add(*, case: Case, user: User, body: str) -> CaseNote:
    """A note for colleagues only, sealed to the case's key."""
    _require_write(case=case, user=user)
    text = intake.clean_text(body)
    if not text:
        raise _invalid("body", _("Escriba la nota."))
    if len(text) > NOTE_MAX:
        raise _invalid(
            "body",
            _("La nota es demasiado larga (máximo %(n)s caracteres).")
            % {"n": NOTE_MAX},
        )
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
