"""Case management over HTTP for staff: triage, cases, their clocks, tasks and timeline.

Handlers parse the shape (Ninja schemas: enums and UUIDs answer 422 in the
user's language before any service runs), call one selector or service and
render plain dicts that the response schema validates once. Reads go through
the selectors, which scope every query by the viewer's organisations, so a case
of another organisation is the same 404 as a missing one; writes go through the
services, which check CASE_WRITE, lock the case and audit.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict, field_validator

from remedia.accounts import keys
from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.cases import selectors, services, sla
from remedia.cases.models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseStatus,
    CaseTask,
    ClosureReason,
    Escalation,
    EscalationStatus,
    EventKind,
    Severity,
    SlaPolicy,
)
from remedia.core.errors import NotFound
from remedia.core.pagination import DEFAULT_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.intake.categories import Category
from remedia.intake.models import Channel, Report, ReportRecipient, ReportStatus
from remedia.intake.selectors import report_categories_attach, report_rows
from remedia.intake.services import clean_text

router = Router(tags=["cases (staff)"])


def _viewer(request: HttpRequest) -> User:
    """The token's user, set by the API's bearer authentication."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


# --- Schemas: what comes in -------------------------------------------------------------


class CaseStatusFilter(StrEnum):
    """A status, or `active` for every status still being worked."""

    ACTIVE = "active"
    OPEN = CaseStatus.OPEN.value
    INVESTIGATING = CaseStatus.INVESTIGATING.value
    AWAITING_RESPONSE = CaseStatus.AWAITING_RESPONSE.value
    REFERRED = CaseStatus.REFERRED.value
    ESCALATED = CaseStatus.ESCALATED.value
    RESOLVED = CaseStatus.RESOLVED.value
    CLOSED = CaseStatus.CLOSED.value


class FigureGrouping(StrEnum):
    ORGANISATION = "organisation"
    FACILITY = "facility"
    CATEGORY = "category"


class CaseQuery(Schema):
    status: CaseStatusFilter | None = Field(
        None, description="A status, or `active` (open to escalated)."
    )
    facility_id: uuid.UUID | None = None
    category: Category | None = None
    assignee: str | None = Field(
        None, description="A user id, `me` or `none` (unassigned)."
    )
    overdue: bool | None = Field(
        None, description="A pending clock is past its due time."
    )
    urgent: bool | None = None
    number: str | None = Field(
        None, max_length=16, description="The human number, or part of it."
    )
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @field_validator("assignee")
    @classmethod
    def _assignee_known(cls, value: str | None) -> str | None:
        if value is None or value in ("me", "none"):
            return value
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise ValueError(
                _("Debe ser el identificador de una persona, «me» o «none».")
            ) from None


class TriageQuery(Schema):
    urgent: bool | None = None
    category: Category | None = None
    facility_id: uuid.UUID | None = None
    state: str | None = Field(None, max_length=6, description="E.g. MX-AGU.")
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class FiguresQuery(Schema):
    by: FigureGrouping = FigureGrouping.ORGANISATION


class CaseOpenIn(Schema):
    report_ids: list[uuid.UUID] = Field(
        ..., description="Reports to merge, all received by one organisation."
    )
    assignee_id: uuid.UUID | None = None
    severity: Severity | None = None


class ReportsAddIn(Schema):
    report_ids: list[uuid.UUID]


class CaseUpdateIn(Schema):
    """Only the fields present change; `null` clears the facility or the assignee."""

    # A misspelt field would otherwise be a silent no-op.
    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    facility_id: uuid.UUID | None = None
    categories: list[Category] | None = None
    assignee_id: uuid.UUID | None = None
    retaliation_checkins: bool | None = None


class StatusIn(Schema):
    status: CaseStatus
    reason: ClosureReason | None = Field(
        None, description="Required when closing: why the case closes."
    )


class NoteIn(Schema):
    body: str


class TaskIn(Schema):
    title: str
    owner_id: uuid.UUID
    due_on: date


class MessageIn(Schema):
    body: str = Field(..., description="Sent to every reporter of the case.")


class EscalationIn(Schema):
    summary: str = Field(
        ...,
        description=(
            "The allegations for the petition team: nothing that identifies a reporter."
        ),
    )
    document_ids: list[uuid.UUID] = []


# --- Schemas: what goes out -------------------------------------------------------------
# Answers are built as dicts and validated by pydantic alone (core.schemas).


class FacilityRef(AnswerSchema):
    id: uuid.UUID
    name: str
    state: str


class UserRef(AnswerSchema):
    id: uuid.UUID
    username: str


class ClockStates(AnswerSchema):
    acknowledge: sla.ClockState
    first_response: sla.ClockState
    resolution: sla.ClockState


class ClockOut(AnswerSchema):
    name: str
    state: sla.ClockState
    due_at: datetime | None
    done_at: datetime | None
    remaining_seconds: int | None = Field(
        description="Negative once overdue; null when done. Frozen while paused."
    )


class CaseSummaryOut(AnswerSchema):
    id: uuid.UUID
    number: str
    status: CaseStatus
    status_label: str
    severity: Severity
    severity_label: str
    urgent: bool
    organisation_id: uuid.UUID
    facility: FacilityRef | None
    assignee: UserRef | None
    categories: list[str]
    received_at: datetime
    next_due_at: datetime | None
    overdue: bool
    clocks: ClockStates


class CaseListOut(AnswerSchema):
    items: list[CaseSummaryOut]
    count: int


class CaseReportOut(AnswerSchema):
    id: uuid.UUID
    channel: Channel
    status: ReportStatus
    received_at: datetime
    urgent: bool
    categories: list[str]
    facility_id: uuid.UUID | None


class TaskOut(AnswerSchema):
    id: uuid.UUID
    title: str
    owner: UserRef
    due_on: date
    done_at: datetime | None
    done_by: str | None
    overdue: bool


class DocumentOut(AnswerSchema):
    id: uuid.UUID
    name: str | None = Field(description="Null while the case is locked to the token.")
    content_type: str
    size: int
    author: str
    created_at: datetime


class EscalationOut(AnswerSchema):
    id: uuid.UUID
    status: EscalationStatus
    facility_id: uuid.UUID
    categories: list[str]
    summary: str
    document_ids: list[uuid.UUID]
    created_by: str | None
    created_at: datetime
    handed_over_at: datetime | None
    petition_ref: uuid.UUID | None


class EventOut(AnswerSchema):
    kind: EventKind
    label: str
    at: datetime
    actor: str | None
    data: dict[str, Any]


class NoteOut(AnswerSchema):
    id: uuid.UUID
    author: str
    body: str
    created_at: datetime


class CaseDetailOut(CaseSummaryOut):
    closure_reason: ClosureReason | None
    retaliation_checkins: bool
    version: int
    opened_by: str | None
    created_at: datetime
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    paused_since: datetime | None
    sla_clocks: list[ClockOut]
    reports: list[CaseReportOut]
    tasks: list[TaskOut]
    documents: list[DocumentOut]
    escalations: list[EscalationOut]
    timeline: list[EventOut]
    locked: bool = Field(
        description="The token carries no key that opens the case: notes are null."
    )
    notes: list[NoteOut] | None


class MessagesSentOut(Schema):
    reporters: int


class FigureOut(Schema):
    key: str
    label: str
    cases: int
    acknowledge_hours: float | None
    first_response_days: float | None
    resolution_days: float | None
    acknowledged_on_time: float | None = Field(description="Percent of acknowledged.")
    overdue: int


class TriageItemOut(AnswerSchema):
    id: uuid.UUID
    received_at: datetime
    channel: Channel
    categories: list[str]
    urgent: bool
    state: str
    facility: FacilityRef | None
    status: ReportStatus
    acknowledged_at: datetime | None
    acknowledge: ClockOut


class TriageListOut(AnswerSchema):
    items: list[TriageItemOut]
    count: int


# --- Rendering -----------------------------------------------------------------------------


def _seconds(value: Any) -> int | None:
    return None if value is None else int(value.total_seconds())


def _clock_out(name: str, clock: sla.Clock) -> dict[str, Any]:
    return {
        "name": name,
        "state": clock.state,
        "due_at": clock.due_at,
        "done_at": clock.done_at,
        "remaining_seconds": _seconds(clock.remaining),
    }


def _facility(facility: Any) -> dict[str, Any] | None:
    if facility is None:
        return None
    return {"id": facility.id, "name": facility.name, "state": facility.state}


def _user(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "username": user.username}


def _summary(
    case: Case,
    now: datetime,
    categories: list[str] | None = None,
    clocks: dict[str, sla.Clock] | None = None,
) -> dict[str, Any]:
    """A case in a list; `categories` and `clocks` when the caller has them."""
    if clocks is None:
        clocks = selectors.case_clocks(case=case, now=now)
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "status_label": case.get_status_display(),
        "severity": case.severity,
        "severity_label": case.get_severity_display(),
        "urgent": case.urgent,
        "organisation_id": case.organisation_id,
        "facility": _facility(case.facility),
        "assignee": _user(case.assignee),
        "categories": sorted(c.code for c in case.category_rows.all())
        if categories is None
        else categories,
        "received_at": case.received_at,
        "next_due_at": case.next_due_at,
        "overdue": case.next_due_at is not None and case.next_due_at < now,
        "clocks": {name: clock.state for name, clock in clocks.items()},
    }


def _task(task: CaseTask, today: date) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "owner": _user(task.owner),
        "due_on": task.due_on,
        "done_at": task.done_at,
        "done_by": task.done_by.username if task.done_by else None,
        "overdue": task.done_at is None and task.due_on < today,
    }


def _open_first(tasks: list[CaseTask]) -> list[CaseTask]:
    # Open tasks first on every database (PostgreSQL sorts a null done_at last,
    # SQLite first), then by due date.
    return sorted(tasks, key=lambda t: (t.done_at is not None, t.due_on, t.created_at))


def _escalation(escalation: Escalation) -> dict[str, Any]:
    return {
        "id": escalation.id,
        "status": escalation.status,
        "facility_id": escalation.facility_id,
        "categories": list(escalation.categories),
        "summary": escalation.summary,
        "document_ids": sorted(d.pk for d in escalation.documents.all()),
        "created_by": escalation.created_by.username if escalation.created_by else None,
        "created_at": escalation.created_at,
        "handed_over_at": escalation.handed_over_at,
        "petition_ref": escalation.petition_ref,
    }


def _event(event: CaseEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "label": event.get_kind_display(),
        "at": event.at,
        "actor": event.actor.username if event.actor else None,
        "data": event.data,
    }


def _report(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "channel": report.channel,
        "status": report.status,
        "received_at": report.created_at,
        "urgent": report.urgent,
        "categories": sorted(c.code for c in report.category_rows.all()),
        "facility_id": report.facility_id,
    }


def _document(document: CaseDocument, names: dict[Any, str] | None) -> dict[str, Any]:
    return {
        "id": document.id,
        "name": None if names is None else names.get(document.pk, ""),
        "content_type": document.content_type,
        "size": document.size,
        "author": document.author.username if document.author else "",
        "created_at": document.created_at,
    }


def _detail(request: HttpRequest, case: Case) -> dict[str, Any]:
    """Everything about one case; opening it decrypts and audits (case_open_for)."""
    opened = services.case_open_for(
        case=case,
        user=_viewer(request),
        user_private_key=keys.request_private_key(request),
    )
    now = timezone.now()
    today = timezone.localdate(now)
    clocks = selectors.case_clocks(case=case, now=now)
    escalations = selectors.case_escalations(case=case)
    # An escalation lists its documents by id only: no need for their rows.
    prefetch_related_objects(
        escalations, Prefetch("documents", queryset=CaseDocument.objects.only("pk"))
    )
    return {
        **_summary(case, now, clocks=clocks),
        "closure_reason": case.closure_reason or None,
        "retaliation_checkins": case.retaliation_checkins,
        "version": case.version,
        "opened_by": case.opened_by.username if case.opened_by else None,
        "created_at": case.created_at,
        "acknowledged_at": case.acknowledged_at,
        "first_response_at": case.first_response_at,
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "paused_since": case.paused_since,
        "sla_clocks": [_clock_out(name, clock) for name, clock in clocks.items()],
        "reports": [_report(r) for r in selectors.case_reports(case=case)],
        "tasks": [
            _task(t, today) for t in _open_first(selectors.case_tasks(case=case))
        ],
        # Opening the case read its documents already; a locked one reads them here.
        "documents": [
            {
                "id": d.id,
                "name": d.name,
                "content_type": d.content_type,
                "size": d.size,
                "author": d.author,
                "created_at": d.created_at,
            }
            for d in opened.documents
        ]
        if opened.unlocked
        else [_document(d, None) for d in selectors.case_documents(case=case)],
        "escalations": [_escalation(e) for e in escalations],
        "timeline": [_event(e) for e in selectors.case_timeline(case=case)],
        "locked": not opened.unlocked,
        "notes": [
            {
                "id": n.id,
                "author": n.author,
                "body": n.body,
                "created_at": n.created_at,
            }
            for n in opened.notes
        ]
        if opened.unlocked
        else None,
    }


def _case(request: HttpRequest, case_id: Any) -> Case:
    return selectors.case_get_for_user(viewer=_viewer(request), case_id=case_id)


def _fresh_detail(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The detail after a write, read again through the scoped selector."""
    return _detail(request, _case(request, case.pk))


# --- Cases -------------------------------------------------------------------------------


@router.get(
    "/cases",
    response=CaseListOut,
    summary="Cases of the token's organisations: urgent first, then nearest due time",
)
def case_list(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    filters = selectors.CaseFilters(
        status=query.status.value if query.status else None,
        facility_id=query.facility_id,
        category=query.category.value if query.category else None,
        assignee=query.assignee,
        overdue=query.overdue,
        urgent=query.urgent,
        number=query.number,
    )
    viewer = _viewer(request)
    items, count = paginate(
        selectors.case_list(viewer=viewer, filters=filters),
        limit=query.limit,
        offset=query.offset,
        count=lambda: selectors.case_count(viewer=viewer, filters=filters),
        rows=selectors.case_rows(viewer=viewer),
    )
    codes = selectors.case_category_codes(cases=items)
    now = timezone.now()
    return {"items": [_summary(c, now, codes[c.pk]) for c in items], "count": count}


@router.post(
    "/cases",
    response={201: CaseDetailOut},
    summary="Merge reports into a new case",
)
def case_open(request: HttpRequest, payload: CaseOpenIn) -> Status[dict[str, Any]]:
    case = services.case_open(
        report_ids=payload.report_ids,
        user=_viewer(request),
        assignee_id=payload.assignee_id,
        severity=payload.severity.value if payload.severity else None,
    )
    return Status(201, _fresh_detail(request, case))


# Registered before /cases/{case_id}, which would otherwise take "figures" for an id.
@router.get(
    "/cases/figures",
    response=list[FigureOut],
    summary="Time to acknowledge, first response and resolution, net of pauses",
)
def case_figures(request: HttpRequest, query: Query[FiguresQuery]) -> list[Any]:
    return list(selectors.sla_figures(viewer=_viewer(request), by=query.by.value))


@router.get(
    "/cases/{case_id}",
    response=CaseDetailOut,
    summary="One case with its clocks, reports, tasks and timeline; notes decrypted "
    "for an entitled token (audited)",
)
def case_detail(request: HttpRequest, case_id: str) -> dict[str, Any]:
    return _detail(request, _case(request, case_id))


@router.patch(
    "/cases/{case_id}",
    response=CaseDetailOut,
    summary="Change severity, facility, categories, assignee or check-ins; "
    "fields left out stay as they are",
)
def case_update(
    request: HttpRequest, case_id: str, payload: CaseUpdateIn
) -> dict[str, Any]:
    case = _case(request, case_id)
    given = payload.model_fields_set
    changes: dict[str, Any] = {}
    if "severity" in given:
        changes["severity"] = payload.severity.value if payload.severity else None
    if "facility_id" in given:
        changes["facility_id"] = payload.facility_id
    if "categories" in given:
        changes["categories"] = [c.value for c in payload.categories or []]
    if "assignee_id" in given:
        changes["assignee_id"] = payload.assignee_id
    if "retaliation_checkins" in given:
        changes["retaliation_checkins"] = bool(payload.retaliation_checkins)
    case = services.case_update(case=case, user=_viewer(request), **changes)
    return _fresh_detail(request, case)


@router.post(
    "/cases/{case_id}/reports",
    response=CaseDetailOut,
    summary="Merge more reports into the case",
)
def case_reports_add(
    request: HttpRequest, case_id: str, payload: ReportsAddIn
) -> dict[str, Any]:
    case = services.case_reports_add(
        case=_case(request, case_id),
        report_ids=payload.report_ids,
        user=_viewer(request),
    )
    return _fresh_detail(request, case)


@router.post(
    "/cases/{case_id}/status",
    response=CaseDetailOut,
    summary="Move the case along its workflow (closing needs a reason)",
)
def case_status(
    request: HttpRequest, case_id: str, payload: StatusIn
) -> dict[str, Any]:
    case = services.case_status_change(
        case=_case(request, case_id),
        user=_viewer(request),
        status=payload.status.value,
        reason=payload.reason.value if payload.reason else "",
    )
    return _fresh_detail(request, case)


@router.post(
    "/cases/{case_id}/notes",
    response={201: NoteOut},
    summary="Add a note for colleagues (never shown to reporters; encrypted)",
)
def case_note(
    request: HttpRequest, case_id: str, payload: NoteIn
) -> Status[dict[str, Any]]:
    user = _viewer(request)
    note = services.case_note_add(
        case=_case(request, case_id), user=user, body=payload.body
    )
    return Status(
        201,
        {
            "id": note.id,
            "author": user.username,
            "body": clean_text(payload.body),
            "created_at": note.created_at,
        },
    )


@router.post(
    "/cases/{case_id}/tasks",
    response={201: TaskOut},
    summary="Add a task with an owner and a due date",
)
def case_task_add(
    request: HttpRequest, case_id: str, payload: TaskIn
) -> Status[dict[str, Any]]:
    task = services.case_task_add(
        case=_case(request, case_id),
        user=_viewer(request),
        title=payload.title,
        owner_id=payload.owner_id,
        due_on=payload.due_on,
    )
    return Status(201, _task(task, timezone.localdate()))


@router.post(
    "/cases/{case_id}/tasks/{task_id}/done",
    response=TaskOut,
    summary="Mark a task done",
)
def case_task_done(request: HttpRequest, case_id: str, task_id: str) -> dict[str, Any]:
    viewer = _viewer(request)
    case = _case(request, case_id)
    task = selectors.task_get_for_user(viewer=viewer, case=case, task_id=task_id)
    task = services.case_task_done(task=task, user=viewer)
    task = selectors.task_get_for_user(viewer=viewer, case=case, task_id=task.pk)
    return _task(task, timezone.localdate())


@router.post(
    "/cases/{case_id}/messages",
    response={201: MessagesSentOut},
    summary="Send one message to every reporter of the case, each through their "
    "own receipt",
)
def case_message(
    request: HttpRequest, case_id: str, payload: MessageIn
) -> Status[dict[str, Any]]:
    sent = services.case_message_reporters(
        case=_case(request, case_id),
        user=_viewer(request),
        body=payload.body,
        user_private_key=keys.request_private_key(request),
    )
    return Status(201, {"reporters": sent})


@router.post(
    "/cases/{case_id}/escalations",
    response={201: EscalationOut},
    summary="Escalate the case as a draft RRM petition with chosen evidence",
)
def case_escalate(
    request: HttpRequest, case_id: str, payload: EscalationIn
) -> Status[dict[str, Any]]:
    escalation = services.case_escalate(
        case=_case(request, case_id),
        user=_viewer(request),
        summary=payload.summary,
        document_ids=payload.document_ids,
    )
    escalation = (
        Escalation.objects.select_related("created_by")
        .prefetch_related("documents")
        .get(pk=escalation.pk)
    )
    return Status(201, _escalation(escalation))


@router.post(
    "/cases/{case_id}/documents",
    response={201: DocumentOut},
    summary="Add a document (multipart, field `file`), cleaned of metadata and "
    "encrypted",
)
def case_document_add(
    request: HttpRequest, case_id: str, file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    too_large = bool(getattr(file, "too_large", False))
    document = services.case_document_add(
        case=_case(request, case_id),
        user=_viewer(request),
        name=file.name or "",
        data=b"" if too_large else file.read(),
        too_large=too_large,
    )
    document = CaseDocument.objects.select_related("author").get(pk=document.pk)
    return Status(201, _document(document, {document.pk: (file.name or "")[:200]}))


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    response={200: None},
    summary="Download one document, decrypted (audited, never cached)",
)
def case_document(request: HttpRequest, case_id: str, document_id: str) -> HttpResponse:
    viewer = _viewer(request)
    case = _case(request, case_id)
    document = selectors.document_get_for_user(
        viewer=viewer, case=case, document_id=document_id
    )
    opened = services.case_document_open(
        document=document,
        user=viewer,
        user_private_key=keys.request_private_key(request),
    )
    if opened is None:
        # A token that cannot open the case key gets what an outsider gets.
        raise NotFound()
    meta, data = opened
    response = HttpResponse(data, content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=str(meta.get("name") or "documento")
    )
    response["Cache-Control"] = "no-store"
    return response


# --- Triage ------------------------------------------------------------------------------


def _acknowledge_targets(
    *, viewer: User, reports: list[Report]
) -> dict[Any, sla.Targets]:
    """Each report's targets: those of the strictest of the viewer's organisations
    that received it (two queries for the page, whatever its length)."""
    orgs = organisations_for(user=viewer, capability=Capability.CASE_WRITE)
    policies = {
        (p.organisation_id, p.urgent): sla.Targets(
            acknowledge=timedelta(hours=p.acknowledge_hours),
            first_response=timedelta(hours=p.first_response_hours),
            resolution=timedelta(days=p.resolution_days),
        )
        for p in SlaPolicy.objects.filter(organisation_id__in=orgs)
    }
    receivers: dict[Any, list[Any]] = {}
    for report_id, org_id in ReportRecipient.objects.filter(
        report__in=reports, organisation_id__in=orgs
    ).values_list("report_id", "organisation_id"):
        receivers.setdefault(report_id, []).append(org_id)
    targets = {}
    for report in reports:
        options = [
            policies.get((org_id, report.urgent), sla.DEFAULT_TARGETS[report.urgent])
            for org_id in receivers.get(report.pk, [])
        ] or [sla.DEFAULT_TARGETS[report.urgent]]
        targets[report.pk] = min(options, key=lambda t: t.acknowledge)
    return targets


def _triage_item(report: Report, targets: sla.Targets, now: datetime) -> dict[str, Any]:
    clock = sla.clock(
        due_at=report.created_at + targets.acknowledge,
        done_at=report.acknowledged_at,
        paused_since=None,
        now=now,
    )
    return {
        "id": report.id,
        "received_at": report.created_at,
        "channel": report.channel,
        "categories": sorted(c.code for c in report.category_rows.all()),
        "urgent": report.urgent,
        "state": report.state,
        "facility": _facility(report.facility),
        "status": report.status,
        "acknowledged_at": report.acknowledged_at,
        "acknowledge": _clock_out("acknowledge", clock),
    }


@router.get(
    "/triage",
    response=TriageListOut,
    summary="Reports not yet in a case, urgent first: metadata and the acknowledge "
    "clock",
)
def triage(request: HttpRequest, query: Query[TriageQuery]) -> dict[str, Any]:
    viewer = _viewer(request)
    reports = selectors.triage_list(viewer=viewer)
    if query.urgent is not None:
        reports = reports.filter(urgent=query.urgent)
    if query.category is not None:
        reports = reports.filter(category_rows__code=query.category.value)
    if query.facility_id is not None:
        reports = reports.filter(facility_id=query.facility_id)
    if query.state:
        reports = reports.filter(state=query.state)
    items, count = paginate(
        reports,
        limit=query.limit,
        offset=query.offset,
        rows=report_rows(viewer=viewer),
        count=lambda: selectors.triage_count(
            viewer=viewer,
            reports=reports,
            filters=(
                query.urgent,
                query.category,
                str(query.facility_id),
                query.state,
            ),
        ),
    )
    report_categories_attach(items)
    targets = _acknowledge_targets(viewer=viewer, reports=items)
    now = timezone.now()
    return {
        "items": [_triage_item(r, targets[r.pk], now) for r in items],
        "count": count,
    }
