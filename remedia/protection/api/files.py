"""`/api/v1/protection/files`: victim files over HTTP, for their readers only.

Handlers parse the shape (enums, dates and ids answer 422 before any service
runs), call one selector or service and render dicts. A file is fetched
through `file_get_for_user`: a handler of the same organisation, a worker not
assigned, anyone else gets the same 404 a missing file gives. Reading a file
is audited and decrypts its identity, notes and plan only for a token that
carries a key opening it (`locked` says when it does not).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictInt

from remedia.accounts import keys
from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.core.errors import PermissionDenied
from remedia.core.kit import clean_text, invalid, invalid_missing
from remedia.core.pagination import DEFAULT_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.protection.models import FileAssignment, FileNote, VictimFile
from remedia.protection.selectors.files import (
    STATUS_OPEN,
    FileFilters,
    OpenFile,
    file_get_for_user,
    file_list,
)
from remedia.protection.selectors.support import OpenSupportAction
from remedia.protection.services import files as services
from remedia.protection.vocabulary import (
    ControlMethod,
    DecisionMaker,
    ExploitationType,
    FileClosureReason,
    FileStatus,
    Gender,
    Recruitment,
    RiskLevel,
    SupportStatus,
    SupportType,
    TraffickingStatus,
)

router = Router(tags=["protection: victim files"])


def viewer_of(request: HttpRequest) -> User:
    """The token's user, set by the API's bearer authentication."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def file_of(request: HttpRequest, file_id: Any) -> VictimFile:
    return file_get_for_user(user=viewer_of(request), file_id=file_id)


# --- Schemas: what comes in -------------------------------------------------------------


class FileStatusFilter(StrEnum):
    """A status, or `open` for active and follow-up."""

    OPEN = STATUS_OPEN
    ACTIVE = FileStatus.ACTIVE.value
    FOLLOW_UP = FileStatus.FOLLOW_UP.value
    CLOSED = FileStatus.CLOSED.value
    CLOSED_REFERRED = FileStatus.CLOSED_REFERRED.value


class FileQuery(Schema):
    status: FileStatusFilter | None = None
    trafficking_status: TraffickingStatus | None = None
    risk_level: RiskLevel | None = None
    mine: bool | None = Field(
        None, description="Only files assigned to the token's user."
    )
    number: str | None = Field(
        None, max_length=16, description="The number or part of it."
    )
    limit: int = DEFAULT_LIMIT
    offset: int = 0


class IdentityIn(Schema):
    """Who the person is; sealed to the file's key, never readable by the server."""

    model_config = ConfigDict(extra="forbid")

    given_names: str | None = None
    family_names: str | None = None
    alias: str | None = None
    date_of_birth: str | None = Field(None, description="AAAA-MM-DD.")
    place_of_origin: str | None = None
    languages: str | None = None
    contact: str | None = None
    caregiver: str | None = None
    story: str | None = None


class CodedIn(Schema):
    """The coded fields (HTCDS); on PATCH only those present change, `null` clears."""

    model_config = ConfigDict(extra="forbid")

    identified_on: date | None = None
    gender: Gender | None = None
    age_at_identification: StrictInt | None = Field(
        None, description="Whole years, 0–110."
    )
    citizenship: str | None = Field(
        None, max_length=2, description="ISO 3166-1, e.g. MX."
    )
    exploitation_types: list[ExploitationType] | None = None
    control_methods: list[ControlMethod] | None = Field(
        None, description="HTCDS 2.0 field-definition names (17)."
    )
    recruitment: Recruitment | None = None
    recruitment_state: str | None = Field(
        None, max_length=6, description="E.g. MX-PUE."
    )
    recruitment_country: str | None = Field(None, max_length=2)
    exploitation_state: str | None = Field(None, max_length=6)
    industry: str | None = Field(None, max_length=1, description="ISIC section; C.")
    facility_id: uuid.UUID | None = None


_CODED = tuple(CodedIn.model_fields)
_CLEARED = {
    "citizenship": "",
    "recruitment_country": "",
    "recruitment_state": "",
    "exploitation_state": "",
    "exploitation_types": [],
    "control_methods": [],
}


class FileOpenIn(CodedIn):
    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only if the token's user works in several."
    )
    identity: IdentityIn


class FilePatchIn(CodedIn):
    version: int = Field(..., description="The version read; a stale one answers 409.")
    identity: IdentityIn | None = Field(
        None, description="Fields given replace theirs (needs a decrypting token)."
    )
    trafficking_status: TraffickingStatus | None = None
    trafficking_decided_by: DecisionMaker | None = Field(
        None, description="Required for `actual` and `not_a_victim`."
    )
    risk_level: RiskLevel | None = Field(None, description="Assessed now.")
    status: FileStatus | None = None
    closure_reason: FileClosureReason | None = Field(
        None, description="Required when closing."
    )


class NoteIn(Schema):
    body: str


class AssignIn(Schema):
    user_id: uuid.UUID


class UnassignQuery(Schema):
    user_id: uuid.UUID


# --- Schemas: what goes out -------------------------------------------------------------


class UserRef(AnswerSchema):
    id: uuid.UUID
    username: str
    name: str


class FileSummaryOut(AnswerSchema):
    id: uuid.UUID
    number: str
    organisation_id: uuid.UUID
    status: FileStatus
    closure_reason: FileClosureReason | None
    trafficking_status: TraffickingStatus
    risk_level: RiskLevel
    gender: Gender
    age_at_identification: int | None
    identified_on: date
    assigned: list[UserRef]
    support_overdue: bool
    created_at: datetime


class FileListOut(AnswerSchema):
    items: list[FileSummaryOut]
    count: int


class NoteOut(AnswerSchema):
    id: uuid.UUID
    author: str
    body: str
    created_at: datetime


class SupportActionOut(AnswerSchema):
    id: uuid.UUID
    support_type: SupportType
    objective: str | None = Field(
        description="Null while the token cannot open the file."
    )
    action: str | None
    owner: UserRef | None
    owner_organisation_id: uuid.UUID
    starts_on: date
    due_on: date | None
    status: SupportStatus
    done_on: date | None
    overdue: bool
    version: int
    created_at: datetime


class IdentityOut(AnswerSchema):
    given_names: str = ""
    family_names: str = ""
    alias: str = ""
    date_of_birth: str = ""
    place_of_origin: str = ""
    languages: str = ""
    contact: str = ""
    caregiver: str = ""
    story: str = ""


class FileDetailOut(FileSummaryOut):
    version: int
    citizenship: str
    exploitation_types: list[ExploitationType]
    control_methods: list[ControlMethod]
    recruitment: Recruitment
    recruitment_state: str
    recruitment_country: str
    exploitation_state: str
    industry: str
    facility_id: uuid.UUID | None
    trafficking_decided_by: DecisionMaker | None
    trafficking_decided_by_user: str | None
    trafficking_decided_at: datetime | None
    risk_assessed_at: datetime | None
    closed_at: datetime | None
    report_ids: list[uuid.UUID]
    case_ids: list[uuid.UUID]
    locked: bool = Field(
        description="The token carries no key that opens the file: identity, notes "
        "and the plan's texts are null."
    )
    identity: IdentityOut | None
    notes: list[NoteOut] | None
    support: list[SupportActionOut]


# --- Rendering --------------------------------------------------------------------------


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "name": user.get_full_name()}


def _summary(
    file: VictimFile, assignments: list[FileAssignment], overdue: bool
) -> dict[str, Any]:
    return {
        "id": file.pk,
        "number": file.number,
        "organisation_id": file.organisation_id,
        "status": file.status,
        "closure_reason": file.closure_reason or None,
        "trafficking_status": file.trafficking_status,
        "risk_level": file.risk_level,
        "gender": file.gender,
        "age_at_identification": file.age_at_identification,
        "identified_on": file.identified_on,
        "assigned": [user_ref(a.user) for a in assignments],
        "support_overdue": overdue,
        "created_at": file.created_at,
    }


def support_out(item: OpenSupportAction) -> dict[str, Any]:
    a = item.action
    return {
        "id": a.pk,
        "support_type": a.support_type,
        "objective": item.objective,
        "action": item.action_text,
        "owner": user_ref(a.owner),
        "owner_organisation_id": a.owner_organisation_id,
        "starts_on": a.starts_on,
        "due_on": a.due_on,
        "status": a.status,
        "done_on": a.done_on,
        "overdue": item.overdue,
        "version": a.version,
        "created_at": a.created_at,
    }


def _detail(opened: OpenFile) -> dict[str, Any]:
    file = opened.file
    return {
        **_summary(file, opened.assignments, any(s.overdue for s in opened.support)),
        "version": file.version,
        "citizenship": file.citizenship,
        "exploitation_types": list(file.exploitation_types),
        "control_methods": list(file.control_methods),
        "recruitment": file.recruitment,
        "recruitment_state": file.recruitment_state,
        "recruitment_country": file.recruitment_country,
        "exploitation_state": file.exploitation_state,
        "industry": file.industry,
        "facility_id": file.facility_id,
        "trafficking_decided_by": file.trafficking_decided_by or None,
        "trafficking_decided_by_user": file.trafficking_decided_by_user.username
        if file.trafficking_decided_by_user
        else None,
        "trafficking_decided_at": file.trafficking_decided_at,
        "risk_assessed_at": file.risk_assessed_at,
        "closed_at": file.closed_at,
        "report_ids": [r.pk for r in opened.reports],
        "case_ids": [c.pk for c in opened.cases],
        "locked": not opened.unlocked,
        "identity": opened.identity if opened.unlocked else None,
        "notes": [
            {"id": n.id, "author": n.author, "body": n.body, "created_at": n.created_at}
            for n in opened.notes
        ]
        if opened.unlocked
        else None,
        "support": [support_out(s) for s in opened.support],
    }


def read_file(request: HttpRequest, file_id: Any, *, via: str = "api") -> OpenFile:
    """The file opened for the token (audited, as every read of a file)."""
    viewer = viewer_of(request)
    return services.file_read(
        file=file_get_for_user(user=viewer, file_id=file_id),
        user=viewer,
        user_private_key=keys.request_private_key(request),
        via=via,
    ).opened


def _coded_changes(payload: CodedIn) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in _CODED:
        if name not in payload.model_fields_set:
            continue
        value = getattr(payload, name)
        if isinstance(value, list):
            value = [str(v) for v in value]
        elif isinstance(value, StrEnum):
            value = value.value
        if value is None:
            value = _CLEARED.get(name)
        changes[name] = value
    return changes


def _organisation(request: HttpRequest, wanted: uuid.UUID | None) -> Organisation:
    ids = organisations_for(
        user=viewer_of(request), capability=Capability.PROTECTION_WRITE
    )
    if not ids:
        raise PermissionDenied()
    if wanted is None:
        if len(ids) > 1:
            raise invalid(
                "organisation_id",
                _("Diga en qué organización se abre el expediente."),
            )
        (wanted,) = ids
    elif wanted not in ids:
        raise invalid_missing("organisation_id")
    return Organisation.objects.get(pk=wanted)


# --- Files ------------------------------------------------------------------------------


@router.get(
    "/files",
    response=FileListOut,
    summary="Victim files the token's user may read (assigned, or all for leads)",
)
def file_list_api(request: HttpRequest, query: Query[FileQuery]) -> dict[str, Any]:
    viewer = viewer_of(request)
    filters = FileFilters(
        status=query.status.value if query.status else None,
        trafficking_status=query.trafficking_status.value
        if query.trafficking_status
        else None,
        risk_level=query.risk_level.value if query.risk_level else None,
        mine=bool(query.mine),
        number=query.number,
    )
    files = file_list(viewer=viewer, filters=filters)
    items, count = paginate(
        files,
        limit=query.limit,
        offset=query.offset,
        count=lambda: files.order_by().count(),
    )
    services.files_listed(user=viewer, files=list(items), via="api")
    return {
        "items": [
            _summary(
                f,
                list(f.assignments.all()),
                bool(getattr(f, "support_overdue", False)),
            )
            for f in items
        ],
        "count": count,
    }


@router.post(
    "/files",
    response={201: FileDetailOut},
    summary="Open a victim file (the token's user is its first worker)",
)
def file_open_api(request: HttpRequest, payload: FileOpenIn) -> Status[dict[str, Any]]:
    changes = _coded_changes(payload)
    identified_on = changes.pop("identified_on", None)
    file = services.file_open(
        organisation=_organisation(request, payload.organisation_id),
        opened_by=viewer_of(request),
        identity=payload.identity.model_dump(exclude_none=True),
        identified_on=identified_on,
        fields=changes,
        identity_prefix="identity.",
    )
    return Status(201, _detail(read_file(request, file.pk)))


@router.get(
    "/files/{file_id}",
    response=FileDetailOut,
    summary="One file; identity, notes and plan decrypted for a decrypting token "
    "of one of its readers (audited)",
)
def file_detail_api(request: HttpRequest, file_id: str) -> dict[str, Any]:
    return _detail(read_file(request, file_id))


@router.patch(
    "/files/{file_id}",
    response=FileDetailOut,
    summary="Change coded fields, identity, trafficking determination, risk or "
    "status against the version read: all or nothing",
)
def file_patch_api(
    request: HttpRequest, file_id: str, payload: FilePatchIn
) -> dict[str, Any]:
    given = payload.model_fields_set
    trafficking = None
    if given & {"trafficking_status", "trafficking_decided_by"}:
        current = file_of(request, file_id)
        trafficking = {
            "status": payload.trafficking_status.value
            if payload.trafficking_status
            else current.trafficking_status,
            "decided_by": payload.trafficking_decided_by.value
            if payload.trafficking_decided_by
            else "",
        }
    status = None
    if "status" in given or "closure_reason" in given:
        status = {
            "status": payload.status.value if payload.status else None,
            "closure_reason": payload.closure_reason.value
            if payload.closure_reason
            else "",
        }
    services.file_patch(
        file=file_of(request, file_id),
        user=viewer_of(request),
        version=payload.version,
        user_private_key=keys.request_private_key(request),
        fields=_coded_changes(payload),
        identity=payload.identity.model_dump(exclude_unset=True)
        if payload.identity is not None
        else None,
        trafficking=trafficking,
        risk_level=payload.risk_level.value if payload.risk_level else None,
        status=status,
    )
    return _detail(read_file(request, file_id))


@router.post(
    "/files/{file_id}/notes",
    response={201: NoteOut},
    summary="Add a follow-up note, sealed to the file's key",
)
def file_note_api(
    request: HttpRequest, file_id: str, payload: NoteIn
) -> Status[dict[str, Any]]:
    viewer = viewer_of(request)
    note = services.file_note_add(
        file=file_of(request, file_id), user=viewer, body=payload.body
    )
    note = FileNote.objects.get(pk=note.pk)
    return Status(
        201,
        {
            "id": note.pk,
            "author": viewer.get_full_name() or viewer.username,
            "body": clean_text(payload.body),
            "created_at": note.created_at,
        },
    )


def _assigned(file: VictimFile) -> list[dict[str, Any] | None]:
    return [
        user_ref(a.user)
        for a in file.assignments.select_related("user").order_by("created_at")
    ]


@router.post(
    "/files/{file_id}/assignments",
    response={201: list[UserRef]},
    summary="Assign a protection worker of the file's organisation (leads only)",
)
def file_assign_api(
    request: HttpRequest, file_id: str, payload: AssignIn
) -> Status[list[dict[str, Any] | None]]:
    file = file_of(request, file_id)
    services.file_assign(
        file=file,
        user=viewer_of(request),
        worker_id=payload.user_id,
        user_private_key=keys.request_private_key(request),
    )
    return Status(201, _assigned(file))


@router.delete(
    "/files/{file_id}/assignments",
    response=list[UserRef],
    summary="Take a worker off the file (leads only); their key grant goes at once",
)
def file_unassign_api(
    request: HttpRequest, file_id: str, query: Query[UnassignQuery]
) -> list[dict[str, Any] | None]:
    file = file_of(request, file_id)
    services.file_unassign(file=file, user=viewer_of(request), worker_id=query.user_id)
    return _assigned(file)
