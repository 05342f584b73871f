"""The reporter's side of cases over HTTP, under `/api/v1/intake` beside the intake.

Same credential as the rest of `/intake/me`: `Authorization: Receipt <16 digits>`
(intake's `ReceiptAuth`), so a wrong receipt is the same 401.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema

from remedia.cases import reporter, services
from remedia.cases.models import CheckinAnswer
from remedia.intake import services as intake
from remedia.intake.api import ReceiptAuth

router = Router(tags=["intake (anonymous)"])


class CheckinAnswerIn(Schema):
    answer: CheckinAnswer


class CheckinAnsweredOut(Schema):
    id: uuid.UUID
    days_after: int
    answer: str
    answered_at: datetime | None
    # The case's status as the reporter now sees it (reopened after a "yes").
    case: dict[str, Any] | None


@router.post(
    "/me/checkins/{checkin_id}",
    auth=ReceiptAuth(),
    response=CheckinAnsweredOut,
    summary='Answer a retaliation question: "yes" reopens the case as urgent',
)
def reporter_checkin_answer(
    request: HttpRequest, checkin_id: uuid.UUID, payload: CheckinAnswerIn
) -> CheckinAnsweredOut:
    access = cast(intake.ReporterAccess, request.auth)  # type: ignore[attr-defined]
    checkin = services.checkin_answer(
        access=access, checkin_id=checkin_id, answer=payload.answer.value
    )
    section = reporter.case_status_section(access.report)
    return CheckinAnsweredOut(
        id=checkin.pk,
        days_after=checkin.days_after,
        answer=checkin.answer,
        answered_at=checkin.answered_at,
        case=section.data if section else None,
    )
