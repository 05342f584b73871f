"""`/api/v1/coordination/updates`: progress updates, submitted and reviewed.

A member of the group's organisations (or the action's owner, or a
coordinator) submits; only the group's lead approves or returns (with a
note). Evidence files go through the pages for now.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.coordination.models import IndicatorPeriod, ProgressUpdate, UpdateStatus
from remedia.coordination.selectors.access import coordination_readable
from remedia.coordination.selectors.plan import update_get_for_user
from remedia.coordination.services.updates import (
    update_resubmit,
    update_review,
    update_submit,
)
from remedia.core.kit import invalid_missing, request_user
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (updates)"])


class UpdateOut(AnswerSchema):
    id: uuid.UUID
    period_id: uuid.UUID
    indicator_id: uuid.UUID
    action_id: uuid.UUID
    status: str
    value: Decimal | None
    narrative: str
    submitted_by_id: uuid.UUID
    submitted_at: dt.datetime | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: dt.datetime | None
    review_note: str
    evidence: list[str]


class UpdateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    period_id: uuid.UUID
    value: str | float | None = Field(
        None, description="A number for a quantitative indicator; none otherwise."
    )
    narrative: str = Field("", max_length=4000)


class ResubmitIn(Schema):
    model_config = ConfigDict(extra="forbid")

    value: str | float | None = None
    narrative: str = Field("", max_length=4000)


class ReturnIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=2000, description="Why, for who submitted.")


def update_out(update: ProgressUpdate) -> dict[str, Any]:
    period = update.period
    return {
        "id": update.pk,
        "period_id": period.pk,
        "indicator_id": period.indicator_id,
        "action_id": period.indicator.action_id,
        "status": update.status,
        "value": update.value,
        "narrative": update.narrative,
        "submitted_by_id": update.submitted_by_id,
        "submitted_at": update.submitted_at,
        "reviewed_by_id": update.reviewed_by_id,
        "reviewed_at": update.reviewed_at,
        "review_note": update.review_note,
        "evidence": [e.name for e in update.evidence.all()],
    }


@router.post("/updates", response={201: UpdateOut}, summary="Submit a progress update")
def update_add(request: HttpRequest, payload: UpdateIn) -> Status:
    user = request_user(request)
    period = None
    if coordination_readable(user=user):
        period = (
            IndicatorPeriod.objects.filter(pk=payload.period_id)
            .select_related("indicator__action__objective__group")
            .first()
        )
    if period is None:
        raise invalid_missing("period_id")
    update = update_submit(
        user=user, period=period, value=payload.value, narrative=payload.narrative
    )
    return Status(201, update_out(update))


@router.get("/updates/{update_id}", response=UpdateOut, summary="One update")
def update_detail(request: HttpRequest, update_id: str) -> dict[str, Any]:
    return update_out(
        update_get_for_user(user=request_user(request), update_id=update_id)
    )


@router.post(
    "/updates/{update_id}/approve",
    response=UpdateOut,
    summary="Approve a submitted update (the group's lead)",
)
def update_approve(request: HttpRequest, update_id: str) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    return update_out(
        update_review(user=user, update=update, decision=UpdateStatus.APPROVED)
    )


@router.post(
    "/updates/{update_id}/return",
    response=UpdateOut,
    summary="Return a submitted update with a note (the group's lead)",
)
def update_return(
    request: HttpRequest, update_id: str, payload: ReturnIn
) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    return update_out(
        update_review(
            user=user, update=update, decision=UpdateStatus.RETURNED, note=payload.note
        )
    )


@router.post(
    "/updates/{update_id}/resubmit",
    response=UpdateOut,
    summary="Correct a returned update and send it again (who submitted it)",
)
def update_send_again(
    request: HttpRequest, update_id: str, payload: ResubmitIn
) -> dict[str, Any]:
    user = request_user(request)
    update = update_get_for_user(user=user, update_id=update_id)
    return update_out(
        update_resubmit(
            user=user, update=update, value=payload.value, narrative=payload.narrative
        )
    )
