"""Sealed documents on a case: adding, opening, and where their files live."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from remedia.accounts.models import User
from remedia.cases import events
from remedia.cases.models import (
    Case,
    CaseDocument,
)
from remedia.cases.services.clocks import _lock, _save
from remedia.cases.services.grants import case_key
from remedia.cases.services.permissions import _require_write
from remedia.core import files
from remedia.core.audit import audit_record
from remedia.core.kit import invalid as _invalid
from remedia.core.sealed import (
    document_open,
    document_seal,
    file_kept,
)
from remedia.core.storage import data_subdir


def document_dir() -> Path:
    return data_subdir("case-documents")


def case_document_add(
    *, case: Case, user: User, name: str, data: bytes, too_large: bool = False
) -> CaseDocument:
    """A staff document, cleaned of metadata like a report's attachment, encrypted."""
    _require_write(case=case, user=user)
    try:
        clean = files.clean(data, too_large=too_large)
    except files.AttachmentRefused as exc:
        raise _invalid("file", exc.message) from None
    sealed = document_seal(
        data=clean.data,
        content_type=clean.content_type,
        name=(name or "documento")[:200],
        public_key=bytes(case.public_key),
        directory=document_dir(),
    )
    with file_kept(sealed.path):
        with transaction.atomic():
            case = _lock(case)
            document = CaseDocument.objects.create(
                case=case, author=user, **sealed.fields()
            )
            events.document_added_event(
                case=case,
                user=user,
                document_id=document.pk,
                content_type=clean.content_type,
            )
            _save(case, [])
            audit_record(
                action="case.document_added",
                actor=user,
                organisation=case.organisation,
                obj=case,
                data={"document": str(document.pk)},
            )
    return document


def case_document_open(
    *, document: CaseDocument, user: User, user_private_key: bytes | None
) -> tuple[dict[str, Any], bytes] | None:
    case_private = case_key(
        case=document.case, user=user, user_private_key=user_private_key
    )
    if case_private is None:
        return None
    meta, data = document_open(
        document, private_key=case_private, directory=document_dir()
    )
    audit_record(
        action="case.document_read",
        actor=user,
        obj=document.case,
        data={"document": str(document.pk)},
    )
    return meta, data
