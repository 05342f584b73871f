"""`/api/v1/coordination/plans/{year}/coverage`: protocol training of a plan.

Sessions are recorded (and linked to a plan with ``plan_year`` and
``plan_action_id``) through the training API, ``POST
/api/v1/remediation/trainings``; this answers the coverage they reach.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router

from remedia.coordination.selectors.plan import plan_list
from remedia.coordination.selectors.training import PlanCoverage, plan_coverage
from remedia.core.errors import NotFound
from remedia.core.kit import request_user
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (training)"])


class RoleCoverageOut(AnswerSchema):
    role: str
    label: str
    people: int
    trained: int
    percent: float | None = Field(
        description="Rounded down to one decimal; 100 only when all are trained."
    )
    complete: bool


class OrganisationCoverageOut(AnswerSchema):
    organisation_id: uuid.UUID
    name: str
    short_name: str
    sector: str
    in_groups: bool = Field(description="Takes part in one of the plan's groups.")
    sessions: int = Field(description="Sessions for its staff counted for the plan.")
    roles: list[RoleCoverageOut]
    total: RoleCoverageOut
    complete: bool


class PlanSessionOut(AnswerSchema):
    session_id: uuid.UUID
    title: str
    topic: str
    held_on: dt.date
    audience_organisation_id: uuid.UUID
    action_id: uuid.UUID | None
    attended: int


class PlanCoverageOut(AnswerSchema):
    year: int
    topic: str
    sessions: list[PlanSessionOut]
    organisations: list[OrganisationCoverageOut]
    roles: list[RoleCoverageOut]
    total: RoleCoverageOut
    complete: bool


def coverage_out(result: PlanCoverage) -> dict[str, Any]:
    total = result.total.as_json()
    return {
        "year": result.year,
        "topic": result.topic,
        "sessions": [
            {
                "session_id": s.session_id,
                "title": s.title,
                "topic": s.topic,
                "held_on": s.held_on,
                "audience_organisation_id": s.audience_id,
                "action_id": s.action_id,
                "attended": s.attended,
            }
            for s in result.sessions
        ],
        "organisations": [o.as_json() for o in result.organisations],
        "roles": total["roles"],
        "total": total["total"],
        "complete": total["complete"],
    }


@router.get(
    "/plans/{year}/coverage",
    response=PlanCoverageOut,
    summary="Protocol training coverage of a year's plan, per organisation and role",
)
def plan_training_coverage(request: HttpRequest, year: int) -> dict[str, Any]:
    plan = plan_list(viewer=request_user(request)).filter(year=year).first()
    if plan is None:
        raise NotFound()
    return coverage_out(plan_coverage(plan=plan))
