"""Staff API of sanctions proceedings, mounted at /api/v1/remediation/sanctions.

Bearer-token endpoints. Every proceeding comes through the scoped selectors of
``sanctions.py``: another organisation's proceeding answers 404 exactly like a
missing one; an object named in a body that the user cannot see is a 422 on
that field, with the same reason as a missing one. Changing what the user may
only read is 403.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts.models import Organisation, User
from remedia.cases.models import Case
from remedia.core.errors import InvalidInput
from remedia.core.kit import invalid_missing, or_invalid, request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.remediation import access, sanctions
from remedia.remediation.models import (
    Course,
    Measure,
    RespondentKind,
    SanctionOutcome,
    SanctionProceeding,
    SanctionStatus,
)
from remedia.rrm.models import RrmCase

router = Router(tags=["remediation (sanctions)"])


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


# --- Schemas --------------------------------------------------------------------------


class NamedRef(Schema):
    id: uuid.UUID
    name: str


class SanctionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only when the user writes for several."
    )
    course_id: uuid.UUID | None = None
    measure_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    rrm_case_id: uuid.UUID | None = None
    respondent_kind: RespondentKind
    respondent_name: str = Field(max_length=200)
    authority: str = Field(max_length=200)
    number: str = Field(max_length=80)
    opened_on: dt.date
    status: SanctionStatus = SanctionStatus.INITIATED
    outcome: SanctionOutcome | None = None
    outcome_detail: str = Field("", max_length=20_000)
    closed_on: dt.date | None = None


class SanctionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    respondent_kind: RespondentKind | None = None
    respondent_name: str | None = Field(None, max_length=200)
    authority: str | None = Field(None, max_length=200)
    number: str | None = Field(None, max_length=80)
    opened_on: dt.date | None = None
    status: SanctionStatus | None = None
    outcome: SanctionOutcome | None = Field(None, description="null clears it.")
    outcome_detail: str | None = Field(None, max_length=20_000)
    closed_on: dt.date | None = Field(None, description="null clears it.")


class SanctionOut(Schema):
    id: uuid.UUID
    organisation: NamedRef
    course_id: uuid.UUID | None
    measure_id: uuid.UUID | None
    case_id: uuid.UUID | None
    rrm_case_id: uuid.UUID | None
    respondent_kind: str
    respondent_name: str
    authority: str
    number: str
    opened_on: dt.date
    status: str
    status_label: str
    outcome: str
    outcome_detail: str
    closed_on: dt.date | None
    allowed_statuses: list[str] = Field(
        description="Statuses an update may set; empty when read only."
    )


class SanctionList(Schema):
    items: list[SanctionOut]
    count: int


class SanctionQuery(Schema):
    course_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    rrm_case_id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    status: SanctionStatus | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


# --- Output ---------------------------------------------------------------------------


def _sanction(
    user: User,
    sanction: SanctionProceeding,
    by_course: dict[uuid.UUID, bool] | None = None,
) -> dict[str, Any]:
    manages = sanctions.sanction_can_manage(user=user, sanction=sanction)
    reads_cases = sanctions.sanction_reads_cases(
        user=user, sanction=sanction, by_course=by_course
    )
    return {
        "id": sanction.pk,
        "organisation": _ref(sanction.organisation),
        "course_id": sanction.course_id,
        "measure_id": sanction.measure_id,
        # Which cases it follows is for its readers, not the company (like a
        # course's, in the course API).
        "case_id": sanction.case_id if reads_cases else None,
        "rrm_case_id": sanction.rrm_case_id if reads_cases else None,
        "respondent_kind": sanction.respondent_kind,
        "respondent_name": sanction.respondent_name,
        "authority": sanction.authority,
        "number": sanction.number,
        "opened_on": sanction.opened_on,
        "status": sanction.status,
        "status_label": sanction.get_status_display(),
        "outcome": sanction.outcome,
        "outcome_detail": sanction.outcome_detail,
        "closed_on": sanction.closed_on,
        "allowed_statuses": sanctions.allowed_statuses(sanction) if manages else [],
    }


# --- Looking up what a body names -----------------------------------------------------


def _course_ref(user: User, course_id: Any, field: str = "course_id") -> Course:
    return or_invalid(
        lambda: access.course_get(user=user, course_id=course_id), field=field
    )


def _measure_ref(user: User, measure_id: Any) -> Measure:
    return or_invalid(
        lambda: access.visible_measure_get(user=user, measure_id=measure_id),
        field="measure_id",
    )


# --- Sanctions ------------------------------------------------------------------------


@router.get("/sanctions", response=SanctionList, summary="Sanctions proceedings")
def sanction_list(request: HttpRequest, query: Query[SanctionQuery]) -> dict[str, Any]:
    user = request_user(request)
    items = sanctions.sanction_list(
        user=user,
        course=(
            access.course_get(user=user, course_id=query.course_id)
            if query.course_id
            else None
        ),
        status=str(query.status) if query.status else None,
    )
    if query.case_id:
        items = items.filter(case_id=query.case_id)
    if query.rrm_case_id:
        items = items.filter(rrm_case_id=query.rrm_case_id)
    if query.organisation_id:
        items = items.filter(organisation_id=query.organisation_id)
    page, count = paginate(items, limit=query.limit, offset=query.offset)
    by_course: dict[uuid.UUID, bool] = {}
    return {"items": [_sanction(user, s, by_course) for s in page], "count": count}


@router.post(
    "/sanctions",
    response={201: SanctionOut},
    summary="Record a sanctions proceeding",
)
def sanction_create(request: HttpRequest, payload: SanctionIn) -> Status:
    user = request_user(request)
    case = rrm_case = None
    if payload.case_id is not None:
        case = Case.objects.filter(pk=payload.case_id).first()
        if case is None:
            raise invalid_missing("case_id")
    if payload.rrm_case_id is not None:
        rrm_case = RrmCase.objects.filter(pk=payload.rrm_case_id).first()
        if rrm_case is None:
            raise invalid_missing("rrm_case_id")
    organisation = None
    if payload.organisation_id is not None:
        organisation = Organisation.objects.filter(pk=payload.organisation_id).first()
        if organisation is None:
            raise invalid_missing("organisation_id")
    sanction = sanctions.sanction_create(
        user=user,
        organisation=organisation,
        course=_course_ref(user, payload.course_id) if payload.course_id else None,
        measure=_measure_ref(user, payload.measure_id) if payload.measure_id else None,
        case=case,
        rrm_case=rrm_case,
        respondent_kind=str(payload.respondent_kind),
        respondent_name=payload.respondent_name,
        authority=payload.authority,
        number=payload.number,
        opened_on=payload.opened_on,
        status=str(payload.status),
        outcome=str(payload.outcome) if payload.outcome else "",
        outcome_detail=payload.outcome_detail,
        closed_on=payload.closed_on,
    )
    sanction = sanctions.sanction_get(user=user, sanction_id=sanction.pk)
    return Status(201, _sanction(user, sanction))


@router.get(
    "/sanctions/{sanction_id}", response=SanctionOut, summary="One sanctions proceeding"
)
def sanction_detail(request: HttpRequest, sanction_id: str) -> dict[str, Any]:
    user = request_user(request)
    return _sanction(user, sanctions.sanction_get(user=user, sanction_id=sanction_id))


@router.patch(
    "/sanctions/{sanction_id}",
    response=SanctionOut,
    summary="Change a proceeding or move it to an allowed next status",
)
def sanction_update(
    request: HttpRequest, sanction_id: str, payload: SanctionPatch
) -> dict[str, Any]:
    user = request_user(request)
    sanction = sanctions.sanction_get(user=user, sanction_id=sanction_id)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("respondent_kind", "respondent_name", "authority", "number"):
        if name in changes and changes[name] is None:
            raise InvalidInput(
                [{"field": name, "reason": _("Este campo es obligatorio.")}]
            )
    if "opened_on" in changes and changes["opened_on"] is None:
        raise InvalidInput(
            [{"field": "opened_on", "reason": _("Este campo es obligatorio.")}]
        )
    if "status" in changes and changes["status"] is None:
        raise InvalidInput(
            [{"field": "status", "reason": _("Este campo es obligatorio.")}]
        )
    for name in ("status", "respondent_kind"):
        if name in changes:
            changes[name] = str(changes[name])
    if "outcome" in changes:
        changes["outcome"] = str(changes["outcome"]) if changes["outcome"] else ""
    if "outcome_detail" in changes and changes["outcome_detail"] is None:
        changes["outcome_detail"] = ""
    sanctions.sanction_update(user=user, sanction=sanction, **changes)
    return _sanction(user, sanctions.sanction_get(user=user, sanction_id=sanction.pk))
