"""Staff API of rosters, training sessions and coverage, mounted at
/api/v1/remediation (where it was when training was part of remediation).

Bearer-token endpoints. Every object comes through the scoped reads of
``access.py`` and ``selectors.py``: another organisation's roster or session
answers 404 exactly like a missing one; an object named in a body that the
user cannot see is a 422 on that field, with the same reason as a missing one.
Changing what the user may only read is 403. ``course_id`` and ``measure_id``
are what a session counts for in ``remediation`` (its ``SessionLink``);
``plan_year`` and ``plan_action_id`` what it counts for in ``coordination``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError

from remedia.accounts.models import Organisation, User
from remedia.core.errors import InvalidInput
from remedia.core.kit import or_invalid, request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.facilities.models import Facility
from remedia.training import access, rosters, selectors, services
from remedia.training.coverage import Coverage
from remedia.training.models import (
    Person,
    PersonnelRole,
    TrainingSession,
    TrainingTopic,
)

router = Router(tags=["training"])


# --- Schemas --------------------------------------------------------------------------


class NamedRef(Schema):
    id: uuid.UUID
    name: str


class PersonOut(Schema):
    id: uuid.UUID
    identifier: str
    name: str
    role: str
    active: bool


class PersonList(Schema):
    items: list[PersonOut]
    count: int


class RosterImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    deactivated: int


class TrainingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    facility_id: uuid.UUID | None = Field(
        None, description="The facility whose personnel was trained."
    )
    audience_organisation_id: uuid.UUID | None = Field(
        None, description="Or the organisation whose staff was trained (C7)."
    )
    topic: TrainingTopic
    title: str = Field("", max_length=200)
    held_on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    during_working_hours: bool
    trainer: str = Field(max_length=200)
    audience_roles: list[PersonnelRole] = Field(
        default_factory=list,
        max_length=len(PersonnelRole.values),
        description="Roles the session was for; empty: the whole roster.",
    )
    location: str = Field("", max_length=200)
    course_id: uuid.UUID | None = Field(
        None, description="The course of remediation it was held for."
    )
    measure_id: uuid.UUID | None = Field(
        None, description="The course's training measure it counts for."
    )
    plan_year: int | None = Field(
        None,
        ge=2000,
        le=2100,
        description="The year of the coordination work plan a workshop on the "
        "protocol counts for (an organisation's staff only).",
    )
    plan_action_id: uuid.UUID | None = Field(
        None, description="The action of that plan it counts for."
    )


class TrainingOut(Schema):
    id: uuid.UUID
    facility: NamedRef | None
    audience_organisation: NamedRef | None
    organisation_id: uuid.UUID
    topic: str
    topic_label: str
    title: str
    held_on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    during_working_hours: bool
    trainer: str
    audience_roles: list[str]
    location: str
    course_id: uuid.UUID | None
    measure_id: uuid.UUID | None
    plan_year: int | None = None
    plan_action_id: uuid.UUID | None = None
    attendance_count: int


class TrainingDetailOut(TrainingOut):
    can_manage: bool
    attendance: list[PersonOut]


class TrainingList(Schema):
    items: list[TrainingOut]
    count: int


class TrainingQuery(Schema):
    facility_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = Field(
        None, description="Sessions for this organisation's staff."
    )
    course_id: uuid.UUID | None = None
    plan_year: int | None = Field(
        None, description="Sessions counted for the work plan of this year."
    )
    topic: TrainingTopic | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class AttendanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    identifiers: list[str] = Field(
        min_length=1, max_length=rosters.MAX_ROWS, description="Roster numbers."
    )


class AttendanceOut(Schema):
    added: int
    already: int
    attendance_count: int


class RoleCoverageOut(Schema):
    role: str
    label: str
    people: int
    trained: int
    percent: float | None = Field(
        description="Rounded down to one decimal; 100 only when all are trained."
    )
    complete: bool


class CoverageOut(Schema):
    facility_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    topics: list[str]
    working_hours_only: bool
    roles: list[RoleCoverageOut]
    total: RoleCoverageOut
    complete: bool


# --- Output ---------------------------------------------------------------------------


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "identifier": person.identifier,
        "name": person.name,
        "role": person.role,
        "active": person.active,
    }


def _session(
    session: TrainingSession, *, attendance_count: int, link: Any = None
) -> dict[str, Any]:
    return {
        "id": session.pk,
        "facility": _ref(session.facility),
        "audience_organisation": _ref(session.audience_organisation),
        "organisation_id": session.organisation_id,
        "topic": session.topic,
        "topic_label": session.get_topic_display(),
        "title": session.title,
        "held_on": session.held_on,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "during_working_hours": session.during_working_hours,
        "trainer": session.trainer,
        "audience_roles": list(session.audience_roles or []),
        "location": session.location,
        "course_id": (link or {}).get("course_id"),
        "measure_id": (link or {}).get("measure_id"),
        "plan_year": (link or {}).get("plan_year"),
        "plan_action_id": (link or {}).get("plan_action_id"),
        "attendance_count": attendance_count,
    }


def _session_detail(user: User, session: TrainingSession) -> dict[str, Any]:
    people = [_person(p) for p in selectors.session_attendance(session=session)]
    roster = selectors.session_roster(user=user, session=session)
    return {
        **_session(
            session,
            attendance_count=len(people),
            link=selectors.session_links([session]).get(session.pk),
        ),
        "can_manage": roster.can_manage,
        "attendance": people,
    }


def coverage_out(roster: access.Roster, result: Coverage) -> dict[str, Any]:
    return {
        "facility_id": roster.facility.pk if roster.facility else None,
        "organisation_id": roster.organisation.pk if roster.organisation else None,
        **result.as_json(),
    }


# --- Looking up what a body or a query names ------------------------------------------


def _facility_ref(user: User, facility_id: Any, field: str) -> Facility:
    return or_invalid(lambda: get_facility(user, facility_id), field=field)


def get_facility(user: User, facility_id: Any) -> Facility:
    roster = access.roster_facility_get(user=user, facility_id=facility_id)
    assert roster.facility is not None  # noqa: S101 - a facility's roster
    return roster.facility


def _organisation_ref(user: User, organisation_id: Any, field: str) -> Organisation:
    roster = or_invalid(
        lambda: access.roster_organisation_get(
            user=user, organisation_id=organisation_id
        ),
        field=field,
    )
    assert roster.organisation is not None  # noqa: S101 - an organisation's roster
    return roster.organisation


# --- Rosters --------------------------------------------------------------------------


def _roster_import(
    request: HttpRequest, roster: access.Roster, file: Any, replace: bool
) -> dict[str, int]:
    result = services.roster_import(
        user=request_user(request),
        facility=roster.facility,
        organisation=roster.organisation,
        file=file,
        replace=replace,
    )
    return result.counts()


def _roster_people(roster: access.Roster, limit: int, offset: int) -> dict[str, Any]:
    page, count = paginate(
        selectors.roster_people(roster=roster), limit=limit, offset=offset
    )
    return {"items": [_person(p) for p in page], "count": count}


@router.post(
    "/rosters/{facility_id}",
    response=RosterImportOut,
    summary="Import a facility's roster (multipart `file`, CSV or XLSX; all or nothing)",
    description=(
        "Columns `identifier` (or `numero`), `name` (`nombre`), `role` (`papel`: "
        "a role's value or its Spanish label). People are updated by identifier; "
        "with `replace`, those missing from the file become inactive. Any bad row: "
        "422 with one error per row and column (`rows.<row>.<column>`), nothing saved."
    ),
)
def roster_import(
    request: HttpRequest,
    facility_id: str,
    file: File[UploadedFile],
    replace: Form[bool] = False,
) -> dict[str, int]:
    roster = access.roster_facility_get(
        user=request_user(request), facility_id=facility_id
    )
    return _roster_import(request, roster, file, replace)


@router.get(
    "/rosters/{facility_id}",
    response=PersonList,
    summary="A facility's roster (active people first)",
)
def roster_people(
    request: HttpRequest,
    facility_id: str,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> dict[str, Any]:
    roster = access.roster_facility_get(
        user=request_user(request), facility_id=facility_id
    )
    return _roster_people(roster, limit, offset)


@router.post(
    "/rosters/organisations/{organisation_id}",
    response=RosterImportOut,
    summary="Import an organisation's staff roster (officials, partners; C7)",
)
def organisation_roster_import(
    request: HttpRequest,
    organisation_id: str,
    file: File[UploadedFile],
    replace: Form[bool] = False,
) -> dict[str, int]:
    roster = access.roster_organisation_get(
        user=request_user(request), organisation_id=organisation_id
    )
    return _roster_import(request, roster, file, replace)


@router.get(
    "/rosters/organisations/{organisation_id}",
    response=PersonList,
    summary="An organisation's staff roster",
)
def organisation_roster_people(
    request: HttpRequest,
    organisation_id: str,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> dict[str, Any]:
    roster = access.roster_organisation_get(
        user=request_user(request), organisation_id=organisation_id
    )
    return _roster_people(roster, limit, offset)


# --- Sessions -------------------------------------------------------------------------


@router.get("/trainings", response=TrainingList, summary="Training sessions")
def training_list(request: HttpRequest, query: Query[TrainingQuery]) -> dict[str, Any]:
    user = request_user(request)
    sessions = selectors.training_session_list(
        user=user,
        facility=get_facility(user, query.facility_id) if query.facility_id else None,
        organisation=(
            access.roster_organisation_get(
                user=user, organisation_id=query.organisation_id
            ).organisation
            if query.organisation_id
            else None
        ),
        links={
            name: value
            for name, value in (
                ("course_id", query.course_id),
                ("plan_year", query.plan_year),
            )
            if value is not None
        }
        or None,
        topic=str(query.topic) if query.topic else None,
    )
    page, count = paginate(sessions, limit=query.limit, offset=query.offset)
    links = selectors.session_links(list(page))
    return {
        "items": [
            _session(
                s,
                attendance_count=getattr(s, "attendance_count", 0),
                link=links.get(s.pk),
            )
            for s in page
        ],
        "count": count,
    }


@router.post(
    "/trainings",
    response={201: TrainingDetailOut},
    summary="Record a training session for a facility or an organisation",
)
def training_create(request: HttpRequest, payload: TrainingIn) -> Status:
    user = request_user(request)
    if (payload.facility_id is None) == (payload.audience_organisation_id is None):
        raise InvalidInput(
            [
                {
                    "field": "facility_id",
                    "reason": _(
                        "Indique un centro de trabajo o una organización, no ambos."
                    ),
                }
            ]
        )
    session = services.training_session_create(
        user=user,
        facility=(
            _facility_ref(user, payload.facility_id, "facility_id")
            if payload.facility_id
            else None
        ),
        audience_organisation=(
            _organisation_ref(
                user, payload.audience_organisation_id, "audience_organisation_id"
            )
            if payload.audience_organisation_id
            else None
        ),
        course_id=payload.course_id,
        measure_id=payload.measure_id,
        # What a session counts for in coordination, only when given.
        **{
            name: value
            for name, value in (
                ("plan_year", payload.plan_year),
                ("plan_action_id", payload.plan_action_id),
            )
            if value is not None
        },
        topic=str(payload.topic),
        title=payload.title,
        held_on=payload.held_on,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        during_working_hours=payload.during_working_hours,
        trainer=payload.trainer,
        audience_roles=[str(r) for r in payload.audience_roles],
        location=payload.location,
    )
    return Status(201, _session_detail(user, session))


@router.get(
    "/trainings/{session_id}",
    response=TrainingDetailOut,
    summary="One training session with its attendance",
)
def training_detail(request: HttpRequest, session_id: str) -> dict[str, Any]:
    user = request_user(request)
    session = selectors.training_session_get(user=user, session_id=session_id)
    return _session_detail(user, session)


_ATTENDANCE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "application/json": {"schema": AttendanceIn.model_json_schema()},
        },
    }
}


def _attendance_payload(request: HttpRequest) -> list[str]:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(
            [{"field": "body", "reason": _("El cuerpo no es JSON válido.")}]
        ) from None
    try:
        return AttendanceIn.model_validate(body).identifiers
    except PydanticValidationError as exc:
        raise InvalidInput(
            [
                {
                    "field": ".".join(str(p) for p in e.get("loc", ())) or "body",
                    "reason": _(
                        "Debe ser una lista de números de la lista de personal."
                    )
                    if e.get("type") != "extra_forbidden"
                    else _("Este campo no se admite."),
                }
                for e in exc.errors()
            ]
        ) from None


@router.post(
    "/trainings/{session_id}/attendance",
    response=AttendanceOut,
    summary="Add attendance: an attendance list (multipart `file`, CSV or XLSX) or "
    'JSON `{"identifiers": [...]}`',
    description=(
        "Column `identifier` (`numero`) and optionally `name` (`nombre`), checked "
        "against the roster. An identifier not on the roster is a 422 naming its "
        "row, and nothing is saved; so is a session still in the future. People "
        "already recorded are counted in `already`."
    ),
    openapi_extra=_ATTENDANCE_BODY,
)
def training_attendance(request: HttpRequest, session_id: str) -> dict[str, Any]:
    user = request_user(request)
    session = selectors.training_session_get(user=user, session_id=session_id)
    if (request.content_type or "").startswith("multipart/"):
        result = services.attendance_import(
            user=user, session=session, file=request.FILES.get("file")
        )
    else:
        result = services.attendance_record(
            user=user, session=session, identifiers=_attendance_payload(request)
        )
    return {
        "added": result.added,
        "already": result.already,
        "attendance_count": session.attendance.count(),
    }


# --- Coverage -------------------------------------------------------------------------


@router.get(
    "/coverage",
    response=CoverageOut,
    summary="Training coverage per role of a facility's or an organisation's roster",
    description=(
        "Active people per role, those who attended at least one session on the "
        "topic (on every topic, when several are given), and the per cent rounded "
        "down to one decimal. `complete` only when every role with people is at "
        "100 %. `working_hours_only` counts only sessions held in working hours."
    ),
)
def coverage(
    request: HttpRequest,
    topic: Query[list[TrainingTopic]],
    facility_id: str | None = None,
    organisation_id: str | None = None,
    working_hours_only: bool = False,
) -> dict[str, Any]:
    user = request_user(request)
    if (facility_id is None) == (organisation_id is None):
        raise InvalidInput(
            [
                {
                    "field": "facility_id",
                    "reason": _(
                        "Indique un centro de trabajo o una organización, no ambos."
                    ),
                }
            ]
        )
    roster = (
        access.roster_facility_get(user=user, facility_id=facility_id)
        if facility_id is not None
        else access.roster_organisation_get(user=user, organisation_id=organisation_id)
    )
    result = selectors.coverage_for(
        roster=roster,
        topics=[str(t) for t in topic],
        working_hours_only=working_hours_only,
    )
    return coverage_out(roster, result)
