"""Reading a case: its notes and documents decrypted for one who holds its key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from remedia.accounts.models import User
from remedia.accounts.selectors import (
    cache_key,
    cached_while_accounts_unchanged,
)
from remedia.cases.models import (
    Case,
)
from remedia.cases.services.grants import _grant, case_key
from remedia.core.audit import audit_record
from remedia.core.sealed import (
    document_meta,
    note_open,
)


@dataclass(frozen=True)
class OpenNote:
    id: uuid.UUID
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class OpenDocument:
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    author: str
    created_at: datetime


@dataclass(frozen=True)
class OpenCase:
    unlocked: bool
    notes: list[OpenNote]
    documents: list[OpenDocument]


def case_open_for(
    *, case: Case, user: User, user_private_key: bytes | None
) -> OpenCase:
    """Decrypt a case's notes and document names for an entitled user; audited.

    Whoever opens the case also shares its key with colleagues who have no
    grant yet (new members, replaced keys), which the server cannot do alone.
    """
    case_private = case_key(case=case, user=user, user_private_key=user_private_key)
    audit_record(
        action="case.read",
        actor=user,
        organisation=case.organisation,
        obj=case,
        data={"decrypted": case_private is not None},
    )
    if case_private is None:
        return OpenCase(unlocked=False, notes=[], documents=[])

    def share() -> bool:
        shared = _grant(case=case, case_private=case_private)
        if shared:
            audit_record(
                action="case.key_shared", actor=user, obj=case, data={"grants": shared}
            )
        return True

    # Entitlement changes only with account rows: nothing to share again
    # until the accounts version moves.
    cached_while_accounts_unchanged(
        cache_key("case-shared", case.pk), share, timeout=3600
    )
    notes = [
        OpenNote(
            id=n.pk,
            author=n.author.username if n.author else "",
            body=note_open(bytes(n.content), private_key=case_private),
            created_at=n.created_at,
        )
        for n in case.notes.select_related("author")
    ]
    documents = [
        OpenDocument(
            id=d.pk,
            name=document_meta(d, private_key=case_private).get("name", ""),
            content_type=d.content_type,
            size=d.size,
            author=d.author.username if d.author else "",
            created_at=d.created_at,
        )
        for d in case.documents.select_related("author")
    ]
    return OpenCase(unlocked=True, notes=notes, documents=documents)
