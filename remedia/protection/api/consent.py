"""`/api/v1/protection/files/{file_id}/consents`: a file's consent records.

Only the file's readers reach them (everyone else: the file's 404); its
readers with PROTECTION_WRITE record and withdraw. A consent is never edited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.core.audit import audit_record
from remedia.core.kit import request_user
from remedia.core.pagination import PageQuery, paginate
from remedia.core.schemas import AnswerSchema
from remedia.protection.api.directory import OrganisationRef
from remedia.protection.models import Consent
from remedia.protection.selectors.consent import (
    consent_get_for_user,
    consent_list,
)
from remedia.protection.selectors.files import file_get_for_user
from remedia.protection.services.consent import consent_record, consent_withdraw
from remedia.protection.vocabulary import ConsentGiver, ConsentScope

router = Router(tags=["protection (consent)"])


class ConsentOut(AnswerSchema):
    id: uuid.UUID
    scope: str
    scope_label: str
    recipient: OrganisationRef | None
    recipient_name: str
    given_by: str
    given_on: dt.date
    recorded_at: dt.datetime
    active: bool
    withdrawn_at: dt.datetime | None


class ConsentList(AnswerSchema):
    items: list[ConsentOut]
    count: int


class ConsentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    scope: ConsentScope
    given_by: ConsentGiver
    given_on: dt.date
    recipient_id: uuid.UUID | None = Field(
        None, description="Sharing only: an organisation in Remedia."
    )
    recipient_name: str = Field(
        "",
        max_length=200,
        description="Sharing only: an institution outside Remedia, by name.",
    )


class WithdrawOut(AnswerSchema):
    consent: ConsentOut
    revoked_referrals: list[uuid.UUID]


def consent_out(consent: Consent) -> dict[str, Any]:
    recipient = consent.recipient
    return {
        "id": consent.pk,
        "scope": consent.scope,
        "scope_label": str(consent.get_scope_display()),
        "recipient": (
            {"id": recipient.pk, "name": recipient.name} if recipient else None
        ),
        "recipient_name": consent.recipient_name,
        "given_by": consent.given_by,
        "given_on": consent.given_on,
        "recorded_at": consent.created_at,
        "active": consent.withdrawn_at is None,
        "withdrawn_at": consent.withdrawn_at,
    }


@router.get(
    "/files/{file_id}/consents",
    response=ConsentList,
    summary="A file's consents, active and withdrawn",
)
def consents(
    request: HttpRequest, file_id: str, query: Query[PageQuery]
) -> dict[str, Any]:
    user = request_user(request)
    file = file_get_for_user(user=user, file_id=file_id)
    rows, count = paginate(
        consent_list(file=file).order_by("-created_at", "pk"),
        limit=query.limit,
        offset=query.offset,
    )
    audit_record(
        action="protection.consents_read",
        actor=user,
        organisation=file.organisation,
        obj=file,
    )
    return {"items": [consent_out(c) for c in rows], "count": count}


@router.post(
    "/files/{file_id}/consents",
    response={201: ConsentOut},
    summary="Record a consent",
)
def consent_add(request: HttpRequest, file_id: str, payload: ConsentIn) -> Status:
    user = request_user(request)
    file = file_get_for_user(user=user, file_id=file_id)
    consent = consent_record(
        file=file,
        user=user,
        scope=str(payload.scope),
        given_by=str(payload.given_by),
        given_on=payload.given_on,
        recipient_id=payload.recipient_id,
        recipient_name=payload.recipient_name,
    )
    return Status(201, consent_out(consent))


@router.post(
    "/files/{file_id}/consents/{consent_id}/withdraw",
    response=WithdrawOut,
    summary="Withdraw a consent now (revokes the referrals it allowed)",
)
def consent_remove(
    request: HttpRequest, file_id: str, consent_id: str
) -> dict[str, Any]:
    user = request_user(request)
    consent = consent_get_for_user(user=user, file_id=file_id, consent_id=consent_id)
    revoked = consent_withdraw(consent=consent, user=user)
    consent.refresh_from_db()
    return {
        "consent": consent_out(consent),
        "revoked_referrals": [r.pk for r in revoked],
    }
