"""`/api/v1/protection/referrals`: referrals received and sent, and the answers.

A referral is visible to its file's readers and to the protection staff of
the organisation on the other side (who never reach the file: the file's
routes stay 404 for them, and `file` is null in what they get). Every answer
carries the `version` its author read; a crossed answer is refused (422).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.core.kit import request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.protection.api.directory import OrganisationRef
from remedia.protection.models import Referral
from remedia.protection.selectors.files import file_get_for_user, files_visible_to
from remedia.protection.selectors.referrals import (
    INCOMING,
    SENT,
    ReferralFilters,
    referral_get_for_user,
    referral_list,
    referral_overdue,
    referral_role,
)
from remedia.protection.services.grants import file_key
from remedia.protection.services.referrals import (
    SHARE_FIELDS,
    referral_accept,
    referral_counter,
    referral_create,
    referral_done,
    referral_open,
    referral_reject,
    referral_revoke,
)
from remedia.protection.vocabulary import (
    ReferralReason,
    ReferralStatus,
    ServiceType,
)

router = Router(tags=["protection (referrals)"])


class FileRef(AnswerSchema):
    id: uuid.UUID
    number: str


class ServiceRef(AnswerSchema):
    id: uuid.UUID
    name: str
    institution: str


class ReferralOut(AnswerSchema):
    id: uuid.UUID
    file: FileRef | None = Field(
        description="Only for the file's readers; null for the other side."
    )
    service: ServiceRef
    service_type: str
    from_organisation: OrganisationRef
    to_organisation: OrganisationRef | None = Field(
        description="null: a service outside Remedia (the sender records its answer)."
    )
    answers: uuid.UUID | None = Field(
        description="A counter-referral: the referral it answers."
    )
    reason: str
    status: str
    status_label: str
    due_at: dt.datetime
    overdue: bool
    consent_overridden: bool
    created_at: dt.datetime
    responded_at: dt.datetime | None
    implemented_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoked_reason: str
    version: int


class ReferralList(AnswerSchema):
    items: list[ReferralOut]
    count: int


class Summary(AnswerSchema):
    shared: list[str] = Field(default_factory=list)
    name: str | None = None
    age: int | None = None
    gender: str | None = None
    contact: str | None = None
    needs: str | None = None
    note: str | None = None


class ReferralDetail(ReferralOut):
    summary: Summary | None = Field(
        description="What the sender shared; null when revoked or the key is locked."
    )
    answer: str = Field(description="The receiver's last note or rejection reason.")
    override_reason: str = Field(
        description="Why it went without consent (the file's readers only)."
    )
    can_answer: bool
    can_revoke: bool
    can_counter: bool
    on_behalf: bool = Field(
        description="The viewer records the answer of an institution outside Remedia."
    )


class ReferralQuery(Schema):
    box: str | None = Field(
        None, pattern=f"^({INCOMING}|{SENT})$", description="incoming or sent."
    )
    status: ReferralStatus | None = None
    overdue: bool | None = None
    file_id: uuid.UUID | None = None
    service_type: ServiceType | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")

    service_id: uuid.UUID
    service_type: ServiceType
    reason: ReferralReason = ReferralReason.ADDITIONAL_SERVICES
    share: list[str] = Field(
        default_factory=list,
        max_length=len(SHARE_FIELDS),
        description=f"Chosen from the file: {', '.join(SHARE_FIELDS)}.",
    )
    needs: str = Field(max_length=2000, description="What the person needs.")
    note: str = Field("", max_length=2000)
    override_reason: str = Field(
        "",
        max_length=2000,
        description="Protection leads only, when consent is missing (audited, shown).",
    )


class AnswerIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="The referral's version you read.")
    note: str = Field("", max_length=2000)


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int
    reason: str = Field(max_length=2000)


class RevokeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int


class CounterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int
    reason: ReferralReason = ReferralReason.ADDITIONAL_SERVICES
    note: str = Field(max_length=2000, description="What was done, what is advised.")


def _ref(organisation: Any) -> dict[str, Any] | None:
    if organisation is None:
        return None
    return {"id": organisation.pk, "name": organisation.name}


def referral_out(referral: Referral, *, file_side: bool) -> dict[str, Any]:
    service = referral.service
    return {
        "id": referral.pk,
        "file": (
            {"id": referral.file.pk, "number": referral.file.number}
            if file_side
            else None
        ),
        "service": {
            "id": service.pk,
            "name": service.name,
            "institution": service.institution,
        },
        "service_type": referral.service_type,
        "from_organisation": _ref(referral.from_organisation),
        "to_organisation": _ref(referral.to_organisation),
        "answers": referral.answers_id,
        "reason": referral.reason,
        "status": referral.status,
        "status_label": str(referral.get_status_display()),
        "due_at": referral.due_at,
        "overdue": referral_overdue(referral),
        "consent_overridden": referral.consent_overridden,
        "created_at": referral.created_at,
        "responded_at": referral.responded_at,
        "implemented_at": referral.implemented_at,
        "revoked_at": referral.revoked_at,
        "revoked_reason": referral.revoked_reason,
        "version": referral.version,
    }


def _detail(request: HttpRequest, user: User, referral_id: Any) -> dict[str, Any]:
    referral = referral_get_for_user(user=user, referral_id=referral_id)
    role = referral_role(user=user, referral=referral)
    private = keys.request_private_key(request)
    opened = referral_open(
        referral=referral,
        user=user,
        user_private_key=private,
        file_private=(
            file_key(file=referral.file, user=user, user_private_key=private)
            if role.file_side
            else None
        ),
    )
    return {
        **referral_out(referral, file_side=role.file_side),
        "summary": opened.summary,
        "answer": opened.answer,
        "override_reason": opened.override_reason,
        "can_answer": role.can_answer,
        "can_revoke": role.can_revoke,
        "can_counter": role.can_counter,
        "on_behalf": role.on_behalf,
    }


def _readable_files(user: User, file_ids: set[Any]) -> set[Any]:
    """Which of these files the viewer reads (so sees their numbers)."""
    if not file_ids:
        return set()
    return set(
        files_visible_to(user=user).filter(pk__in=file_ids).values_list("pk", flat=True)
    )


@router.get(
    "/referrals",
    response=ReferralList,
    summary="Referrals received (incoming) and sent, newest first",
)
def referrals(request: HttpRequest, query: Query[ReferralQuery]) -> dict[str, Any]:
    user = request_user(request)
    rows = referral_list(
        viewer=user,
        filters=ReferralFilters(
            box=query.box,
            status=str(query.status) if query.status else None,
            overdue=query.overdue,
            file_id=query.file_id,
            service_type=str(query.service_type) if query.service_type else None,
        ),
    )
    page, count = paginate(rows, limit=query.limit, offset=query.offset)
    readable = _readable_files(user, {r.file_id for r in page})
    return {
        "items": [referral_out(r, file_side=r.file_id in readable) for r in page],
        "count": count,
    }


@router.post(
    "/files/{file_id}/referrals",
    response={201: ReferralDetail},
    summary="Refer the person to a service (consent is checked)",
)
def referral_add(request: HttpRequest, file_id: str, payload: ReferralIn) -> Status:
    user = request_user(request)
    file = file_get_for_user(user=user, file_id=file_id)
    referral = referral_create(
        file=file,
        user=user,
        service_id=payload.service_id,
        service_type=str(payload.service_type),
        reason=str(payload.reason),
        share=payload.share,
        needs=payload.needs,
        note=payload.note,
        override_reason=payload.override_reason,
        file_private=file_key(
            file=file, user=user, user_private_key=keys.request_private_key(request)
        ),
    )
    return Status(201, _detail(request, user, referral.pk))


@router.get(
    "/referrals/{referral_id}",
    response=ReferralDetail,
    summary="One referral, with what its viewer may read",
)
def referral_detail(request: HttpRequest, referral_id: str) -> dict[str, Any]:
    return _detail(request, request_user(request), referral_id)


def _answered(
    request: HttpRequest,
    referral_id: str,
    act: Callable[[Referral, User], Referral],
) -> dict[str, Any]:
    """One answer to a referral the caller sees, then the referral as it is now."""
    user = request_user(request)
    referral = act(referral_get_for_user(user=user, referral_id=referral_id), user)
    return _detail(request, user, referral.pk)


@router.post(
    "/referrals/{referral_id}/accept",
    response=ReferralDetail,
    summary="Accept (the receiver; the sender for a service outside Remedia)",
)
def referral_accept_op(
    request: HttpRequest, referral_id: str, payload: AnswerIn
) -> dict[str, Any]:
    return _answered(
        request,
        referral_id,
        lambda r, user: referral_accept(
            referral=r, user=user, version=payload.version, note=payload.note
        ),
    )


@router.post(
    "/referrals/{referral_id}/reject",
    response=ReferralDetail,
    summary="Reject, with the reason the sender reads",
)
def referral_reject_op(
    request: HttpRequest, referral_id: str, payload: RejectIn
) -> dict[str, Any]:
    return _answered(
        request,
        referral_id,
        lambda r, user: referral_reject(
            referral=r, user=user, version=payload.version, reason=payload.reason
        ),
    )


@router.post(
    "/referrals/{referral_id}/done",
    response=ReferralDetail,
    summary="The service was given (the referral's service is implemented)",
)
def referral_done_op(
    request: HttpRequest, referral_id: str, payload: AnswerIn
) -> dict[str, Any]:
    return _answered(
        request,
        referral_id,
        lambda r, user: referral_done(
            referral=r, user=user, version=payload.version, note=payload.note
        ),
    )


@router.post(
    "/referrals/{referral_id}/revoke",
    response=ReferralDetail,
    summary="Take back an open referral (the sender)",
)
def referral_revoke_op(
    request: HttpRequest, referral_id: str, payload: RevokeIn
) -> dict[str, Any]:
    return _answered(
        request,
        referral_id,
        lambda r, user: referral_revoke(referral=r, user=user, version=payload.version),
    )


@router.post(
    "/referrals/{referral_id}/counter",
    response={201: ReferralDetail},
    summary="Counter-refer: send the person back to the file's team (the receiver)",
)
def referral_counter_op(
    request: HttpRequest, referral_id: str, payload: CounterIn
) -> Status:
    return Status(
        201,
        _answered(
            request,
            referral_id,
            lambda r, user: referral_counter(
                referral=r,
                user=user,
                version=payload.version,
                note=payload.note,
                reason=str(payload.reason),
            ),
        ),
    )
