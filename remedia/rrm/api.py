"""The public RRM record over HTTP: no authentication, public cases only.

Each case's timeline is the deadline engine's, judged on today's date in
Mexico City, in exactly the form ``remedia rrm-timeline --json`` prints
(``Step.as_json``), so a client can check one against the other.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.rrm import selectors
from remedia.rrm.deadlines import Step
from remedia.rrm.models import RrmCase

router = Router(tags=["rrm (public record)"])


class RrmCaseQuery(Schema):
    q: str = Field("", max_length=200, description="Text in facility or company.")
    state: str = Field(
        "", max_length=100, description="State as ISO 3166-2:MX code or name."
    )
    year: int | None = Field(
        None, ge=1990, le=2100, description="Year of the petition or the request."
    )
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class NextStepOut(AnswerSchema):
    step: str
    due: dt.date
    due_business: dt.date
    status: str
    days_left: int


class RrmCaseOut(AnswerSchema):
    id: uuid.UUID
    slug: str
    facility: str
    company: str
    state: str
    state_code: str | None
    sector: str
    petition_received_on: dt.date | None
    ilc_request_on: dt.date | None
    mexico_accepted_on: dt.date | None
    mexico_determination_on: dt.date | None
    remediation_announced_on: dt.date | None
    remediation_deadline: dt.date | None
    outcome: str
    next_step: NextStepOut | None


class RrmCaseList(AnswerSchema):
    items: list[RrmCaseOut]
    count: int


class TimelineOut(AnswerSchema):
    steps: list[dict[str, Any]]


class RrmCaseDetailOut(RrmCaseOut):
    petitioners: str
    sources: list[str]
    facility_id: uuid.UUID | None
    origin: str
    timeline: TimelineOut


def _case(case: RrmCase, *, steps: list[Step], today: dt.date) -> dict[str, Any]:
    upcoming = selectors.next_step(steps, today=today)
    return {
        "id": case.id,
        "slug": case.slug,
        "facility": case.facility_name,
        "company": case.company,
        "state": case.state,
        "state_code": case.state_code or None,
        "sector": case.sector,
        "petition_received_on": case.petition_received_on,
        "ilc_request_on": case.ilc_request_on,
        "mexico_accepted_on": case.mexico_accepted_on,
        "mexico_determination_on": case.mexico_determination_on,
        "remediation_announced_on": case.remediation_announced_on,
        "remediation_deadline": case.remediation_deadline,
        "outcome": case.outcome,
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
    }


@router.get(
    "/cases",
    auth=None,
    response=RrmCaseList,
    summary="The public RRM record: cases with their next due step",
)
def rrm_case_list(request: HttpRequest, query: Query[RrmCaseQuery]) -> dict[str, Any]:
    today = timezone.localdate()
    cases = selectors.rrm_case_list_public(
        filters=selectors.RrmCaseFilters(
            q=query.q.strip(), state=query.state.strip(), year=query.year
        )
    )
    page, count = paginate(cases, limit=query.limit, offset=query.offset)
    return {
        "items": [
            _case(case, steps=case.timeline(today=today), today=today) for case in page
        ],
        "count": count,
    }


@router.get(
    "/cases/{case_id}",
    auth=None,
    response=RrmCaseDetailOut,
    summary="One case of the public RRM record (by id or slug), with its timeline",
)
def rrm_case_detail(request: HttpRequest, case_id: str) -> dict[str, Any]:
    today = timezone.localdate()
    case = selectors.rrm_case_get_public(key=case_id[:100])
    steps = case.timeline(today=today)
    out = _case(case, steps=steps, today=today)
    out.update(
        petitioners=case.petitioners,
        sources=case.sources,
        facility_id=case.facility_id,
        origin=case.origin,
        timeline={"steps": [step.as_json() for step in steps]},
    )
    return out
