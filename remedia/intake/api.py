"""Intake over HTTP: anonymous submission and follow-up, and the staff inbox."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import APIKeyHeader
from pydantic import ConfigDict

from remedia.accounts import keys, scopes
from remedia.accounts.models import User
from remedia.accounts.scopes import Scope
from remedia.core import idempotency
from remedia.core.errors import NotFound
from remedia.core.pagination import DEFAULT_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.intake import hooks, selectors, services
from remedia.intake.categories import Category
from remedia.intake.models import Channel, Report, ReportStatus

intake_router = Router(tags=["intake (anonymous)"])
staff_router = Router(tags=["reports (staff)"])


def _viewer(request: HttpRequest) -> User:
    """The token's user, set by the API's bearer authentication."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def _reporter(request: HttpRequest) -> services.ReporterAccess:
    """The report opened by the receipt, set by `ReceiptAuth`."""
    return cast(services.ReporterAccess, request.auth)  # type: ignore[attr-defined]


class ReceiptAuth(APIKeyHeader):
    """`Authorization: Receipt <16 digits>`: the reporter's only credential."""

    param_name = "Authorization"
    openapi_description = "Receipt <16 digits>"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        scheme, _sep, receipt = (key or "").partition(" ")
        if scheme.lower() != "receipt":
            receipt = ""
        # Any failure raises ReceiptRefused: one 401 body, whatever was wrong.
        access = services.reporter_open(receipt=receipt)
        request.reporter_access = access  # type: ignore[attr-defined]
        # Idempotency keys belong to the receipt: through the report key it
        # opened (Argon2id's output), never the 16 digits themselves.
        idempotency.identity_set(request, kind="receipt", secret=access.private_key)
        return access


# --- Schemas ----------------------------------------------------------------


class ReportIn(Schema):
    language: str = "es"
    categories: list[str]
    narrative: str
    facility_id: uuid.UUID | None = None
    facility_name: str | None = None
    state: str | None = None
    occurred_on: date | None = None


class ReceiptOut(Schema):
    receipt: str


class AttachmentOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    author: str


class MessageOut(Schema):
    id: uuid.UUID
    author: str
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class ReporterReportOut(Schema):
    status: str
    status_label: str
    received_at: datetime
    categories: list[str]
    narrative: str
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    # Filled by the sections higher apps add (`intake.hooks`): the case the
    # report joined, a pending retaliation question. Null when there is none.
    case: dict[str, Any] | None = None
    checkin: dict[str, Any] | None = None
    # Where the handler's replies also go ("sms", "whatsapp", "email"), as the
    # worker chose when reporting; null when only here. Never the contact.
    reply_channel: str | None = None


# The keys of `hooks.reporter_sections` that `GET /intake/me` shows.
REPORTER_SECTION_FIELDS = ("case", "checkin")


class MessageIn(Schema):
    body: str


def _new_message_out(message: Any, body: str) -> MessageOut:
    """A message just written, without decrypting it again."""
    return MessageOut(
        id=message.id,
        author=message.author_kind,
        body=services.clean_text(body),
        created_at=message.created_at,
        attachments=[],
    )


def _attachment_out(info: dict[str, Any]) -> AttachmentOut:
    return AttachmentOut(
        id=info["id"],
        name=info["name"],
        content_type=info["content_type"],
        size=info["size"],
        author=info["author_kind"],
    )


def _messages_out(opened: services.OpenReport) -> list[MessageOut]:
    return [
        MessageOut(
            id=m.id,
            author=m.author_kind,
            body=m.body,
            created_at=m.created_at,
            attachments=[_attachment_out(a) for a in m.attachments],
        )
        for m in opened.messages
    ]


# --- Anonymous endpoints ---------------------------------------------------------


@intake_router.post(
    "/reports",
    auth=None,
    response={201: ReceiptOut},
    summary="Submit a report anonymously; the answer holds the receipt, shown once",
)
def submit_report(request: HttpRequest, payload: ReportIn) -> Status[ReceiptOut]:
    submitted = services.report_submit(
        draft=services.ReportDraft(
            channel=Channel.API,
            language=payload.language,
            categories=payload.categories,
            narrative=payload.narrative,
            facility_id=payload.facility_id,
            facility_name=payload.facility_name or "",
            state=payload.state or "",
            occurred_on=payload.occurred_on,
        )
    )
    return Status(201, ReceiptOut(receipt=submitted.receipt))


class PartnerReportIn(ReportIn):
    """A report a partner's hotline took: the report's own fields and the
    channel's name. Nothing about the caller: a field this schema does not name
    (a phone number, an address, an IP) is refused."""

    model_config = ConfigDict(extra="forbid")

    channel_name: str = Field(
        ...,
        description="The partner's channel the report came in on, e.g. its "
        "hotline's name (at most 100 characters).",
    )


class PartnerReceiptOut(Schema):
    receipt: str
    received_at: datetime


@intake_router.post(
    "/partner-reports",
    response={201: PartnerReceiptOut},
    summary="Hand in a report a partner's hotline took (partner token, "
    "scope reports:submit); the receipt works on every Remedia channel",
)
@scopes.grants(Scope.REPORTS_SUBMIT)
def partner_submit_report(
    request: HttpRequest, payload: PartnerReportIn
) -> Status[PartnerReceiptOut]:
    # Only a partner system hands reports in: a person's token gets the 404
    # of an operation that is not theirs (staff write in the web form).
    partner = scopes.partner(request)
    if partner is None:
        raise NotFound()
    submitted = services.report_submit(
        draft=services.ReportDraft(
            channel=Channel.PARTNER,
            language=payload.language,
            categories=payload.categories,
            narrative=payload.narrative,
            facility_id=payload.facility_id,
            facility_name=payload.facility_name or "",
            state=payload.state or "",
            occurred_on=payload.occurred_on,
            partner_organisation_id=partner.organisation_id,
            partner_channel=payload.channel_name,
        )
    )
    return Status(
        201,
        PartnerReceiptOut(
            receipt=submitted.receipt, received_at=submitted.report.created_at
        ),
    )


def _reporter_view(access: services.ReporterAccess) -> ReporterReportOut:
    opened = services.report_decrypt(
        report=access.report, private_key=access.private_key
    )
    report = access.report
    return ReporterReportOut(
        status=report.status,
        status_label=str(ReportStatus(report.status).label),
        received_at=report.created_at,
        categories=opened.categories,
        narrative=opened.narrative,
        attachments=[_attachment_out(a) for a in opened.attachments],
        messages=_messages_out(opened),
        reply_channel=report.reply_channel or None,
        **{
            s.key: s.data
            for s in hooks.reporter_sections(report)
            if s.key in REPORTER_SECTION_FIELDS
        },
    )


@intake_router.get(
    "/me",
    auth=ReceiptAuth(),
    response=ReporterReportOut,
    summary="The report's status and its messages, in order",
)
def reporter_me(request: HttpRequest) -> ReporterReportOut:
    return _reporter_view(_reporter(request))


@intake_router.post(
    "/me/messages",
    auth=ReceiptAuth(),
    response={201: MessageOut},
    summary="Add a message to the report",
)
def reporter_message(request: HttpRequest, payload: MessageIn) -> Status[MessageOut]:
    access = _reporter(request)
    message = services.reporter_message_add(access=access, body=payload.body)
    return Status(201, _new_message_out(message, payload.body))


@intake_router.post(
    "/me/attachments",
    auth=ReceiptAuth(),
    response={201: MessageOut},
    summary="Add files (multipart, field `files`), with an optional message `body`",
)
def reporter_attachments(
    request: HttpRequest,
    files: File[list[UploadedFile]],
    body: Form[str] = "",
) -> Status[MessageOut]:
    access = _reporter(request)
    message = services.reporter_message_add(
        access=access, body=body, incoming=_incoming(files)
    )
    opened = services.report_decrypt(
        report=access.report, private_key=access.private_key
    )
    out = next(m for m in _messages_out(opened) if m.id == message.id)
    return Status(201, out)


def _incoming(uploaded: list[Any]) -> list[services.IncomingFile]:
    return [
        services.IncomingFile(
            name=f.name or "archivo",
            data=b"" if getattr(f, "too_large", False) else f.read(),
            too_large=getattr(f, "too_large", False),
        )
        for f in uploaded
    ]


# --- Staff endpoints -------------------------------------------------------------


# The inbox answer is built as dicts and validated by pydantic alone
# (core.schemas).
class FacilityRef(AnswerSchema):
    id: uuid.UUID
    name: str
    state: str


class ReportSummaryOut(AnswerSchema):
    id: uuid.UUID
    received_at: datetime
    channel: str
    categories: list[str]
    urgent: bool
    state: str
    facility: FacilityRef | None
    status: str
    acknowledged_at: datetime | None
    routed_by_default: bool


class ReportListOut(AnswerSchema):
    items: list[ReportSummaryOut]
    count: int


class ReportDetailOut(ReportSummaryOut):
    content_locked: bool
    narrative: str | None
    facility_name: str | None
    occurred_on: date | None
    language: str
    attachments: list[AttachmentOut]
    messages: list[MessageOut]
    # Channel "partner" only: the organisation whose hotline handed it in, and
    # the hotline's name (issue 19.3). Never anything about the caller.
    partner_organisation_id: uuid.UUID | None = None
    partner_channel: str | None = None


class StatusIn(Schema):
    status: str


def _summary(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "received_at": report.created_at,
        "channel": report.channel,
        "categories": sorted(c.code for c in report.category_rows.all()),
        "urgent": report.urgent,
        "state": report.state,
        "facility": (
            {
                "id": report.facility.id,
                "name": report.facility.name,
                "state": report.facility.state,
            }
            if report.facility
            else None
        ),
        "status": report.status,
        "acknowledged_at": report.acknowledged_at,
        "routed_by_default": report.routed_by_default,
    }


class ReportQuery(Schema):
    status: ReportStatus | None = None
    urgent: bool | None = None
    state: str | None = None
    category: Category | None = None
    channel: Channel | None = None
    facility_id: uuid.UUID | None = None
    received_from: date | None = None
    received_to: date | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@staff_router.get(
    "/reports", response=ReportListOut, summary="The inbox: metadata only"
)
def report_list(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    filters = selectors.ReportFilters(
        status=query.status,
        urgent=query.urgent,
        state=query.state,
        category=query.category,
        channel=query.channel,
        facility_id=query.facility_id,
        received_from=query.received_from,
        received_to=query.received_to,
    )
    items, count = paginate(
        selectors.report_list(viewer=_viewer(request), filters=filters),
        limit=query.limit,
        offset=query.offset,
        count=lambda: selectors.report_count(viewer=_viewer(request), filters=filters),
    )
    # Plain dicts: the response schema validates them once, on the way out.
    return {"items": [_summary(r) for r in items], "count": count}


def _detail(request: HttpRequest, report: Report) -> ReportDetailOut:
    opened = services.staff_report_open(
        report=report,
        user=_viewer(request),
        user_private_key=keys.request_private_key(request),
    )
    return ReportDetailOut(
        **_summary(report),
        content_locked=opened is None,
        narrative=opened.narrative if opened else None,
        facility_name=opened.facility_name if opened else None,
        occurred_on=report.occurred_on,
        language=report.language,
        attachments=[_attachment_out(a) for a in opened.attachments] if opened else [],
        messages=_messages_out(opened) if opened else [],
        partner_organisation_id=report.partner_organisation_id,
        partner_channel=report.partner_channel or None,
    )


@staff_router.get(
    "/reports/{report_id}",
    response=ReportDetailOut,
    summary="One report, decrypted for an entitled user (audited)",
)
def report_detail(request: HttpRequest, report_id: str) -> ReportDetailOut:
    report = selectors.report_get_for_user(viewer=_viewer(request), report_id=report_id)
    return _detail(request, report)


@staff_router.post(
    "/reports/{report_id}/messages",
    response={201: MessageOut},
    summary="Reply to the reporter",
)
def report_reply(
    request: HttpRequest, report_id: str, payload: MessageIn
) -> Status[MessageOut]:
    report = selectors.report_get_for_user(viewer=_viewer(request), report_id=report_id)
    message = services.staff_reply(
        report=report,
        user=_viewer(request),
        body=payload.body,
        user_private_key=keys.request_private_key(request),
    )
    return Status(201, _new_message_out(message, payload.body))


@staff_router.post(
    "/reports/{report_id}/status",
    response=ReportSummaryOut,
    summary="Change the status the reporter sees",
)
def report_status(
    request: HttpRequest, report_id: str, payload: StatusIn
) -> ReportSummaryOut:
    report = selectors.report_get_for_user(viewer=_viewer(request), report_id=report_id)
    report = services.report_status_change(
        report=report, user=_viewer(request), status=payload.status
    )
    report = selectors.report_get_for_user(viewer=_viewer(request), report_id=report.id)
    return ReportSummaryOut(**_summary(report))


@staff_router.get(
    "/reports/{report_id}/attachments/{attachment_id}",
    summary="Download one attachment, decrypted (audited)",
    response={200: None},
)
def report_attachment(
    request: HttpRequest, report_id: str, attachment_id: str
) -> HttpResponse:
    from remedia.intake.views import attachment_response

    report = selectors.report_get_for_user(viewer=_viewer(request), report_id=report_id)
    return attachment_response(request, report, attachment_id)
