"""The staff side of the RRM API: petitions an analyst creates and advances.

Bearer-token staff endpoints (the API's default auth). Every case is fetched
through ``selectors.rrm_case_get_for_user``, so another organisation's
petition answers 404 exactly like a missing one; writing needs the petition
capability in the owning organisation (403 otherwise). The public endpoints
(``api.py``) never show a staff case unless it is public, and a confidential
one never is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts import scopes
from remedia.accounts.models import Organisation
from remedia.accounts.scopes import Scope
from remedia.accounts.selectors import organisation_get_for_user
from remedia.core.errors import NotFound
from remedia.core.kit import request_user as _user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.facilities.models import Facility
from remedia.rrm import selectors, services
from remedia.rrm.api import NextStepOut
from remedia.rrm.models import RrmCase, RrmEnding, RrmStage

router = Router(tags=["rrm (staff petitions)"])


class PetitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    facility_name: str = Field("", max_length=255)
    facility_id: uuid.UUID | None = Field(
        None, description="A facility of the registry, if known."
    )
    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only when the user analyses for several."
    )
    company: str = Field("", max_length=255)
    state_code: str = Field("", max_length=6, description="ISO 3166-2:MX code.")
    sector: str = Field("", max_length=200)
    petitioners: str = Field("", max_length=5000)
    confidential: bool = False
    laws_concerned: str = Field("", max_length=50_000)
    facts_alleged: str = Field("", max_length=50_000)
    self_initiated: bool = False
    petition_received_on: dt.date | None = Field(
        None, description="The day the ILC received it; without it, a draft."
    )


class AdvanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to_stage: RrmStage
    on: dt.date = Field(description="The day the step happened.")
    petitioners: str | None = Field(None, max_length=5000)
    facts_alleged: str | None = Field(None, max_length=50_000)
    affirmative: bool | None = Field(None, description="ILC determination.")
    reasons: str | None = Field(None, max_length=50_000)
    liquidation_suspended: bool | None = None
    liquidation_suspended_on: dt.date | None = None
    denial_found: bool | None = Field(
        None, description="Mexico's or the panel's finding."
    )
    remediation_deadline: dt.date | None = None
    ending: RrmEnding | None = None


class PublishIn(Schema):
    model_config = ConfigDict(extra="forbid")

    public: bool = Field(description="Show the case on the public record, or not.")


class StaffCaseOut(AnswerSchema):
    id: uuid.UUID
    slug: str
    facility: str
    organisation_id: uuid.UUID | None
    origin: str
    stage: str
    allowed_next: list[str]
    self_initiated: bool
    confidential: bool
    is_public: bool
    petition_received_on: dt.date | None
    ilc_determination_on: dt.date | None
    ilc_request_on: dt.date | None
    mexico_accepted_on: dt.date | None
    mexico_determination_on: dt.date | None
    remediation_announced_on: dt.date | None
    remediation_deadline: dt.date | None
    ending: str
    allowed_endings: list[str]
    next_step: NextStepOut | None
    timeline: dict[str, list[dict[str, Any]]]


class StaffCaseList(AnswerSchema):
    items: list[StaffCaseOut]
    count: int


class StaffCaseQuery(Schema):
    mine: bool = Field(False, description="Only my organisations' petitions.")
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


def _out(case: RrmCase, *, viewer: Any, today: dt.date) -> dict[str, Any]:
    steps = selectors.staff_steps(case, today=today)
    upcoming = selectors.next_step(steps, today=today)
    can_write = selectors.rrm_case_can_write(viewer=viewer, case=case)
    return {
        "id": case.id,
        "slug": case.slug,
        "facility": case.facility_name,
        "organisation_id": case.organisation_id,
        "origin": case.origin,
        "stage": case.stage,
        "allowed_next": case.allowed_next() if can_write else [],
        "self_initiated": case.self_initiated,
        "confidential": case.confidential,
        "is_public": case.is_public,
        "petition_received_on": case.petition_received_on,
        "ilc_determination_on": case.ilc_determination_on,
        "ilc_request_on": case.ilc_request_on,
        "mexico_accepted_on": case.mexico_accepted_on,
        "mexico_determination_on": case.mexico_determination_on,
        "remediation_announced_on": case.remediation_announced_on,
        "remediation_deadline": case.remediation_deadline,
        "ending": case.ending,
        "allowed_endings": case.allowed_endings() if case.is_petition else [],
        "next_step": (
            {
                "step": upcoming.step,
                "due": upcoming.due,
                "due_business": upcoming.due_business,
                "status": str(upcoming.status),
                "days_left": upcoming.days_left,
            }
            if upcoming
            else None
        ),
        # The engine's steps then the course's verification and the panel's
        # confirmation, each in the form `rrm-timeline --json` prints.
        "timeline": {"steps": [step.as_json() for step in steps]},
    }


@router.post(
    "/petitions",
    response={201: StaffCaseOut},
    summary="Create a staff petition (a draft, or filed when its day is given)",
)
def petition_create(request: HttpRequest, payload: PetitionIn) -> Status:
    user = _user(request)
    organisation: Organisation | None = None
    if payload.organisation_id is not None:
        organisation = organisation_get_for_user(
            user=user, organisation_id=payload.organisation_id
        )
    facility = None
    if payload.facility_id is not None:
        facility = Facility.objects.filter(pk=payload.facility_id).first()
        if facility is None:
            raise NotFound()
    case = services.petition_create(
        user=user,
        organisation=organisation,
        facility=facility,
        **payload.model_dump(exclude={"organisation_id", "facility_id"}),
    )
    return Status(201, _out(case, viewer=user, today=timezone.localdate()))


@router.post(
    "/cases/{case_id}/advance",
    response=StaffCaseOut,
    summary="Advance a petition to one of its allowed next stages",
)
def petition_advance(
    request: HttpRequest, case_id: uuid.UUID, payload: AdvanceIn
) -> dict[str, Any]:
    user = _user(request)
    case = selectors.rrm_case_get_for_user(viewer=user, case_id=case_id)
    details = payload.model_dump(exclude={"to_stage", "on"}, exclude_none=True)
    if "ending" in details:
        details["ending"] = str(details["ending"])
    case = services.petition_advance(
        case=case, user=user, to_stage=str(payload.to_stage), on=payload.on, **details
    )
    return _out(case, viewer=user, today=timezone.localdate())


@router.post(
    "/cases/{case_id}/publish",
    response=StaffCaseOut,
    summary="Show a petition on the public record or take it off (never if confidential)",
)
def petition_publish(
    request: HttpRequest, case_id: uuid.UUID, payload: PublishIn
) -> dict[str, Any]:
    user = _user(request)
    case = selectors.rrm_case_get_for_user(viewer=user, case_id=case_id)
    case = services.petition_publish(case=case, user=user, public=payload.public)
    return _out(case, viewer=user, today=timezone.localdate())


@router.get(
    "/staff/cases",
    response=StaffCaseList,
    summary="Cases a petition analyst sees: their petitions, drafts, the record "
    "(partner tokens: scope rrm:read, their organisation's cases and the record)",
)
@scopes.grants(Scope.RRM_READ)
def staff_case_list(
    request: HttpRequest, query: Query[StaffCaseQuery]
) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    cases = selectors.rrm_case_list_staff(viewer=user, mine_only=query.mine)
    page, count = paginate(
        cases,
        limit=query.limit,
        offset=query.offset,
        rows=selectors.rrm_case_rows(viewer=user),
    )
    return {"items": [_out(c, viewer=user, today=today) for c in page], "count": count}


@router.get(
    "/staff/cases/{case_id}",
    response=StaffCaseOut,
    summary="One case as a petition analyst sees it (partner tokens: rrm:read)",
)
@scopes.grants(Scope.RRM_READ)
def staff_case_detail(request: HttpRequest, case_id: uuid.UUID) -> dict[str, Any]:
    user = _user(request)
    case = selectors.rrm_case_get_for_user(viewer=user, case_id=case_id)
    return _out(case, viewer=user, today=timezone.localdate())
