"""Staff API of the training coverage of a course's measures, mounted at
/api/v1/remediation (``training.py`` counts it; the ``training`` app's API has
the rest of training)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from remedia.core.kit import request_user
from remedia.core.pagination import PageQuery, page_of
from remedia.remediation import access, training
from remedia.training.access import Roster
from remedia.training.api import CoverageOut, coverage_out

router = Router(tags=["remediation (training)"])


class MeasureCoverageOut(Schema):
    measure_id: uuid.UUID
    type: str
    topic: str
    working_hours_only: bool
    coverage: CoverageOut


class MeasureCoverageList(Schema):
    items: list[MeasureCoverageOut]
    count: int


@router.get(
    "/coverage/courses/{course_id}",
    response=MeasureCoverageList,
    summary="Coverage of each training measure of a course",
)
def course_coverage(
    request: HttpRequest, course_id: str, query: Query[PageQuery]
) -> dict[str, Any]:
    course = access.course_get(user=request_user(request), course_id=course_id)
    roster = Roster(facility=course.facility, organisation=None, can_manage=False)
    rows = [
        {
            "measure_id": item.measure.pk,
            "type": item.measure.type,
            "topic": item.topic,
            "working_hours_only": item.working_hours_only,
            "coverage": coverage_out(roster, item.coverage),
        }
        for item in training.course_coverage(course)
    ]
    return page_of(rows, limit=query.limit, offset=query.offset)
