"""Staff API of courses of remediation ("plans"), mounted at /api/v1/remediation.

Bearer-token endpoints (the API's default auth). Every plan comes through
``selectors.course_get``: a plan the token's user is no party to answers 404
exactly like a missing one, and so does a measure or evidence item looked up
in it. Changing a plan needs the monitor's right on it (403 otherwise);
evidence may also come from the company party's compliance officers, who
never see monitor notes (``notes`` is ``null`` for them, and a measure's
``timeline`` has no note events). Bad input is 422
with the field and the reason, nothing stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import scopes
from remedia.accounts.models import User
from remedia.accounts.scopes import Scope
from remedia.core.kit import request_user as _user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.remediation import access, report, selectors, services
from remedia.remediation.models import (
    Course,
    CourseOrigin,
    CourseStatus,
    Evidence,
    Measure,
    MeasureEvent,
    MeasureEventKind,
    MeasureNote,
    MeasureStatus,
    MeasureType,
    PartyRole,
    ResponsibleParty,
)
from remedia.remediation.timeline import event_label

router = Router(tags=["remediation"])


# --- Schemas ----------------------------------------------------------------------------


class PartyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    role: PartyRole
    name: str = Field("", max_length=services.NAME_MAX)
    organisation_id: uuid.UUID | None = Field(
        None, description="An organisation in Remedia: it then shares the plan."
    )


class MeasureIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: MeasureType
    description: str | None = Field(
        None,
        max_length=services.TEXT_MAX,
        description="Without it, the catalogue's, in the request's language.",
    )
    required_evidence: str | None = Field(None, max_length=services.TEXT_MAX)
    responsible_party: ResponsibleParty | None = Field(
        None, description="Without it, the catalogue's."
    )
    due_date: dt.date | None = Field(None, description="Without it, the plan's.")


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=services.TITLE_MAX)
    facility_id: uuid.UUID
    origin: CourseOrigin
    deadline: dt.date
    agreed_on: dt.date | None = None
    reference: str = Field("", max_length=services.REFERENCE_MAX)
    summary: str = Field("", max_length=services.TEXT_MAX)
    rrm_case_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only when the user monitors for several."
    )
    parties: list[PartyIn] = Field(default_factory=list, max_length=20)
    measures: list[MeasureIn] = Field(default_factory=list, max_length=50)


class PlanChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=services.TITLE_MAX)
    reference: str | None = Field(None, max_length=services.REFERENCE_MAX)
    summary: str | None = Field(None, max_length=services.TEXT_MAX)
    agreed_on: dt.date | None = None
    deadline: dt.date | None = None
    origin: CourseOrigin | None = None


class CloseOutcome(StrEnum):
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"


class CloseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    outcome: CloseOutcome
    closed_on: dt.date


class MeasureChangeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(None, max_length=services.TEXT_MAX)
    required_evidence: str | None = Field(None, max_length=services.TEXT_MAX)
    responsible_party: ResponsibleParty | None = None
    due_date: dt.date | None = None


class StatusIn(Schema):
    model_config = ConfigDict(extra="forbid")

    status: MeasureStatus
    reason: str = Field(
        "", max_length=services.TEXT_MAX, description="Required to mark it failed."
    )


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ReviewIn(Schema):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    reason: str = Field(
        "", max_length=services.TEXT_MAX, description="Required to reject."
    )


class NoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(max_length=services.NOTE_MAX)


# Answers are built as dicts and validated by pydantic alone (core.schemas).
class ProgressOut(AnswerSchema):
    total: int
    verified: int
    done: int
    in_progress: int
    pending: int
    failed: int
    overdue: int
    percent_verified: int


class FacilityOut(AnswerSchema):
    id: uuid.UUID
    public_id: str
    name: str


class PartyOut(AnswerSchema):
    id: uuid.UUID
    role: str
    name: str
    organisation_id: uuid.UUID | None


class EvidenceCountsOut(AnswerSchema):
    total: int
    accepted: int
    submitted: int
    rejected: int


class EvidenceOut(AnswerSchema):
    id: uuid.UUID
    name: str
    description: str
    content_type: str
    size: int
    status: str
    submitted_at: dt.datetime
    submitted_by: str
    reviewed_at: dt.datetime | None
    review_reason: str


class NoteOut(AnswerSchema):
    id: uuid.UUID
    body: str
    author: str
    created_at: dt.datetime


class MeasureEventOut(AnswerSchema):
    kind: MeasureEventKind
    label: str
    at: dt.datetime
    actor: str | None
    data: dict[str, Any]


class MeasureOut(AnswerSchema):
    id: uuid.UUID
    position: int
    type: str
    description: str
    responsible_party: str
    due_date: dt.date
    required_evidence: str
    status: str
    overdue: bool
    status_changed_at: dt.datetime | None
    verified_at: dt.datetime | None
    failed_reason: str
    evidence_counts: EvidenceCountsOut
    evidence: list[EvidenceOut] | None = Field(
        None, description="In a plan's detail and a measure's answers."
    )
    notes: list[NoteOut] | None = Field(
        None, description="Monitor notes; null for who may not read them."
    )
    timeline: list[MeasureEventOut] | None = Field(
        None,
        description="In a plan's detail and a measure's answers: its events, oldest "
        "first (no note events for who may not read notes).",
    )


class PlanOut(AnswerSchema):
    id: uuid.UUID
    title: str
    facility: FacilityOut
    organisation_id: uuid.UUID
    origin: str
    status: str
    reference: str
    agreed_on: dt.date | None
    deadline: dt.date
    closed_on: dt.date | None
    rrm_case_id: uuid.UUID | None
    case_id: uuid.UUID | None
    parties: list[PartyOut]
    progress: ProgressOut


class PlanDetailOut(PlanOut):
    summary: str
    can_manage: bool
    measures: list[MeasureOut]


class PlanList(AnswerSchema):
    items: list[PlanOut]
    count: int


class PlanQuery(Schema):
    status: CourseStatus | None = None
    facility_id: uuid.UUID | None = None
    origin: CourseOrigin | None = None
    overdue: bool | None = Field(
        None, description="true: only plans with overdue measures; false: without."
    )
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


# --- Shapes -----------------------------------------------------------------------------


def _plan(course: Course, *, reads_all: bool) -> dict[str, Any]:
    return {
        "id": course.pk,
        "title": course.title,
        "facility": {
            "id": course.facility.pk,
            "public_id": course.facility.public_id,
            "name": course.facility.name,
        },
        "organisation_id": course.organisation_id,
        "origin": course.origin,
        "status": course.status,
        "reference": course.reference,
        "agreed_on": course.agreed_on,
        "deadline": course.deadline,
        "closed_on": course.closed_on,
        # Which case a plan follows is for the plan's readers, not the company.
        "rrm_case_id": course.rrm_case_id if reads_all else None,
        "case_id": course.case_id if reads_all else None,
        "parties": [
            {
                "id": p.pk,
                "role": p.role,
                "name": p.name,
                "organisation_id": p.organisation_id,
            }
            for p in selectors.parties_of(course)
        ],
        "progress": selectors.course_progress(course).as_dict(),
    }


def _evidence(e: Evidence) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.name,
        "description": e.description,
        "content_type": e.content_type,
        "size": e.size,
        "status": e.status,
        "submitted_at": e.created_at,
        "submitted_by": e.submitted_by.username if e.submitted_by else "",
        "reviewed_at": e.reviewed_at,
        "review_reason": e.review_reason,
    }


def _note(n: MeasureNote) -> dict[str, Any]:
    return {
        "id": n.pk,
        "body": n.body,
        "author": n.author.username if n.author else "",
        "created_at": n.created_at,
    }


def _event(event: MeasureEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "label": event_label(event),
        "at": event.created_at,
        "actor": event.actor.username if event.actor else None,
        "data": event.data,
    }


def _measure(
    m: Measure,
    *,
    evidence: list[Evidence] | None = None,
    notes: list[MeasureNote] | None = None,
    timeline: list[MeasureEvent] | None = None,
) -> dict[str, Any]:
    return {
        "id": m.pk,
        "position": m.position,
        "type": m.type,
        "description": m.description,
        "responsible_party": m.responsible_party,
        "due_date": m.due_date,
        "required_evidence": m.required_evidence,
        "status": m.status,
        "overdue": bool(getattr(m, "is_overdue", False)),
        "status_changed_at": m.status_changed_at,
        "verified_at": m.verified_at,
        "failed_reason": m.failed_reason,
        "evidence_counts": {
            "total": getattr(m, "evidence_total", 0),
            "accepted": getattr(m, "evidence_accepted", 0),
            "submitted": getattr(m, "evidence_submitted", 0),
            "rejected": getattr(m, "evidence_rejected", 0),
        },
        "evidence": None if evidence is None else [_evidence(e) for e in evidence],
        "notes": None if notes is None else [_note(n) for n in notes],
        "timeline": None if timeline is None else [_event(e) for e in timeline],
    }


def _plan_detail(course: Course, *, user: User) -> dict[str, Any]:
    reads_all = selectors.reads_all(viewer=user, course=course)
    measures = list(selectors.measure_list(course=course))
    evidence: dict[Any, list[Evidence]] = {m.pk: [] for m in measures}
    for item in Evidence.objects.filter(measure__course=course).select_related(
        "submitted_by"
    ):
        evidence[item.measure_id].append(item)
    notes: dict[Any, list[MeasureNote]] = {m.pk: [] for m in measures}
    if reads_all:
        for note in MeasureNote.objects.filter(measure__course=course).select_related(
            "author"
        ):
            notes[note.measure_id].append(note)
    timelines = selectors.course_timelines(viewer=user, course=course)
    return {
        **_plan(course, reads_all=reads_all),
        "summary": course.summary,
        "can_manage": access.can_manage(user=user, course=course),
        "measures": [
            _measure(
                m,
                evidence=evidence[m.pk],
                notes=notes[m.pk] if reads_all else None,
                timeline=timelines.get(m.pk, []),
            )
            for m in measures
        ],
    }


def _measure_detail(measure: Measure, *, user: User) -> dict[str, Any]:
    measure = selectors.measure_get(course=measure.course, measure_id=measure.pk)
    return _measure(
        measure,
        evidence=selectors.evidence_list(measure=measure),
        notes=selectors.measure_notes(viewer=user, measure=measure)
        if access.can_read_all(user=user, course=measure.course)
        else None,
        timeline=selectors.measure_timeline(viewer=user, measure=measure),
    )


def _course(request: HttpRequest, plan_id: str) -> Course:
    return selectors.course_get(viewer=_user(request), course_id=plan_id)


def _measure_of(request: HttpRequest, plan_id: str, measure_id: str) -> Measure:
    return selectors.measure_get(
        course=_course(request, plan_id), measure_id=measure_id
    )


# --- Plans ------------------------------------------------------------------------------


@router.get(
    "/plans",
    response=PlanList,
    summary="Courses of remediation the user is a party to, with their progress "
    "(partner tokens: scope remediation:read)",
)
@scopes.grants(Scope.REMEDIATION_READ)
def plan_list(request: HttpRequest, query: Query[PlanQuery]) -> dict[str, Any]:
    user = _user(request)
    courses = selectors.course_list(
        viewer=user,
        filters=selectors.CourseFilters(
            status=query.status.value if query.status else "",
            facility_id=query.facility_id,
            origin=query.origin.value if query.origin else "",
            overdue=query.overdue,
        ),
    )
    page, count = paginate(
        courses,
        limit=query.limit,
        offset=query.offset,
        rows=selectors.course_rows(viewer=user),
    )
    selectors.progress_attach(page)
    return {
        "items": [
            _plan(c, reads_all=selectors.reads_all(viewer=user, course=c)) for c in page
        ],
        "count": count,
    }


@router.post(
    "/plans",
    response={201: PlanDetailOut},
    summary="Create a course of remediation, with its parties and measures",
)
def plan_create(request: HttpRequest, payload: PlanIn) -> Status[dict[str, Any]]:
    user = _user(request)
    links = selectors.course_links(
        viewer=user,
        facility_id=payload.facility_id,
        rrm_case_id=payload.rrm_case_id,
        case_id=payload.case_id,
        organisation_id=payload.organisation_id,
    )
    organisations = selectors.party_organisations(
        viewer=user, ids=[party.organisation_id for party in payload.parties]
    )
    parties = [
        services.PartySpec(role=party.role.value, name=party.name, organisation=org)
        for party, org in zip(payload.parties, organisations, strict=True)
    ]
    course = services.course_create(
        user=user,
        title=payload.title,
        facility=links.facility,
        origin=payload.origin.value,
        deadline=payload.deadline,
        organisation=links.organisation,
        rrm_case=links.rrm_case,
        case=links.case,
        reference=payload.reference,
        summary=payload.summary,
        agreed_on=payload.agreed_on,
        parties=parties,
        measures=[
            services.MeasureSpec(
                type=m.type.value,
                description=m.description,
                required_evidence=m.required_evidence,
                responsible_party=m.responsible_party.value
                if m.responsible_party
                else None,
                due_date=m.due_date,
            )
            for m in payload.measures
        ],
    )
    return Status(201, _plan_detail(course, user=user))


@router.get(
    "/plans/{plan_id}",
    response=PlanDetailOut,
    summary="One course of remediation with its measures, evidence and progress "
    "(partner tokens: scope remediation:read)",
)
@scopes.grants(Scope.REMEDIATION_READ)
def plan_detail(request: HttpRequest, plan_id: str) -> dict[str, Any]:
    return _plan_detail(_course(request, plan_id), user=_user(request))


@router.patch(
    "/plans/{plan_id}",
    response=PlanDetailOut,
    summary="Change what was agreed (title, reference, summary, dates, origin)",
)
def plan_change(
    request: HttpRequest, plan_id: str, payload: PlanChangeIn
) -> dict[str, Any]:
    user = _user(request)
    changes = payload.model_dump(exclude_unset=True)
    if "origin" in changes and changes["origin"] is not None:
        changes["origin"] = str(changes["origin"].value)
    course = services.course_update(
        course=_course(request, plan_id), user=user, **changes
    )
    return _plan_detail(course, user=user)


@router.post(
    "/plans/{plan_id}/close",
    response=PlanDetailOut,
    summary="Close a plan as completed (every measure verified) or incomplete",
)
def plan_close(request: HttpRequest, plan_id: str, payload: CloseIn) -> dict[str, Any]:
    user = _user(request)
    course = services.course_close(
        course=_course(request, plan_id),
        user=user,
        outcome=payload.outcome.value,
        closed_on=payload.closed_on,
    )
    return _plan_detail(course, user=user)


# --- Measures ---------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/measures",
    response={201: MeasureOut},
    summary="Add a measure; what is left out comes from the catalogue and the plan",
)
def measure_create(
    request: HttpRequest, plan_id: str, payload: MeasureIn
) -> Status[dict[str, Any]]:
    user = _user(request)
    measure = services.measure_create(
        course=_course(request, plan_id),
        user=user,
        type=payload.type.value,
        description=payload.description,
        required_evidence=payload.required_evidence,
        responsible_party=payload.responsible_party.value
        if payload.responsible_party
        else None,
        due_date=payload.due_date,
    )
    return Status(201, _measure_detail(measure, user=user))


@router.get(
    "/plans/{plan_id}/measures/{measure_id}",
    response=MeasureOut,
    summary="One measure with its evidence (and notes, for who may read them; "
    "partner tokens: scope remediation:read, never notes)",
)
@scopes.grants(Scope.REMEDIATION_READ)
def measure_detail(
    request: HttpRequest, plan_id: str, measure_id: str
) -> dict[str, Any]:
    return _measure_detail(
        _measure_of(request, plan_id, measure_id), user=_user(request)
    )


@router.patch(
    "/plans/{plan_id}/measures/{measure_id}",
    response=MeasureOut,
    summary="Change a measure's description, evidence asked, responsible or due date",
)
def measure_change(
    request: HttpRequest, plan_id: str, measure_id: str, payload: MeasureChangeIn
) -> dict[str, Any]:
    user = _user(request)
    changes = payload.model_dump(exclude_unset=True)
    if changes.get("responsible_party") is not None:
        changes["responsible_party"] = str(changes["responsible_party"].value)
    measure = services.measure_update(
        measure=_measure_of(request, plan_id, measure_id), user=user, **changes
    )
    return _measure_detail(measure, user=user)


@router.post(
    "/plans/{plan_id}/measures/{measure_id}/status",
    response=MeasureOut,
    summary="Move a measure to another status (verified needs accepted evidence)",
)
def measure_status(
    request: HttpRequest, plan_id: str, measure_id: str, payload: StatusIn
) -> dict[str, Any]:
    user = _user(request)
    measure = services.measure_status_change(
        measure=_measure_of(request, plan_id, measure_id),
        user=user,
        to_status=payload.status.value,
        reason=payload.reason,
    )
    return _measure_detail(measure, user=user)


@router.post(
    "/plans/{plan_id}/measures/{measure_id}/notes",
    response={201: NoteOut},
    summary="Add a monitor's note to a measure",
)
def measure_note(
    request: HttpRequest, plan_id: str, measure_id: str, payload: NoteIn
) -> Status[dict[str, Any]]:
    note = services.measure_note_add(
        measure=_measure_of(request, plan_id, measure_id),
        user=_user(request),
        body=payload.body,
    )
    return Status(201, _note(note))


# --- Evidence ---------------------------------------------------------------------------


@router.post(
    "/plans/{plan_id}/measures/{measure_id}/evidence",
    response={201: EvidenceOut},
    summary="Upload evidence (multipart, field `file`; photo or PDF), cleaned of "
    "metadata",
)
def evidence_submit(
    request: HttpRequest,
    plan_id: str,
    measure_id: str,
    file: File[UploadedFile],
    description: Form[str] = "",
) -> Status[dict[str, Any]]:
    too_large = bool(getattr(file, "too_large", False))
    evidence = services.evidence_submit(
        measure=_measure_of(request, plan_id, measure_id),
        user=_user(request),
        name=file.name or "",
        data=b"" if too_large else file.read(),
        description=description,
        too_large=too_large,
    )
    return Status(201, _evidence(evidence))


@router.post(
    "/plans/{plan_id}/measures/{measure_id}/evidence/{evidence_id}/review",
    response=EvidenceOut,
    summary="Accept an evidence item, or reject it with a reason",
)
def evidence_review(
    request: HttpRequest,
    plan_id: str,
    measure_id: str,
    evidence_id: str,
    payload: ReviewIn,
) -> dict[str, Any]:
    measure = _measure_of(request, plan_id, measure_id)
    evidence = services.evidence_review(
        evidence=selectors.evidence_get(measure=measure, evidence_id=evidence_id),
        user=_user(request),
        decision=payload.decision.value,
        reason=payload.reason,
    )
    return _evidence(evidence)


@router.get(
    "/plans/{plan_id}/measures/{measure_id}/evidence/{evidence_id}",
    response={200: None},
    summary="Download an evidence file (audited, never cached)",
)
def evidence_file(
    request: HttpRequest, plan_id: str, measure_id: str, evidence_id: str
) -> FileResponse:
    measure = _measure_of(request, plan_id, measure_id)
    evidence = selectors.evidence_get(measure=measure, evidence_id=evidence_id)
    handle = services.evidence_open(evidence=evidence, user=_user(request))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/plans/{plan_id}/report.pdf",
    response={200: None},
    summary="The plan's status report as a PDF (lang=es|en), for the other "
    "government or a brand; audited",
)
def plan_report(request: HttpRequest, plan_id: str, lang: str = "es") -> HttpResponse:
    course = _course(request, plan_id)
    language = report.report_language(lang)
    pdf = report.course_report_pdf(
        user=_user(request), course=course, language=language
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{report.report_filename(course, language)}"'
    )
    response["Cache-Control"] = "no-store"
    return response
