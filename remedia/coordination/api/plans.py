"""`/api/v1/coordination/plans`: the annual work plans and their objectives."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.coordination.models import WorkPlan
from remedia.coordination.selectors.plan import (
    group_get_for_user,
    plan_get_for_user,
    plan_list,
    plan_progress,
)
from remedia.coordination.services.plan import objective_create, plan_create
from remedia.core.kit import or_invalid, request_user
from remedia.core.pagination import PageQuery, paginate
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (plans)"])


class ObjectiveOut(AnswerSchema):
    id: uuid.UUID
    title: str
    order: int
    group_id: uuid.UUID


class ProgressOut(AnswerSchema):
    total: int
    done: int
    on_time: int
    dropped: int
    overdue: int
    share_done: int
    share_on_time: int


class PlanOut(AnswerSchema):
    id: uuid.UUID
    year: int
    title: str
    objectives: list[ObjectiveOut]


class PlanDetail(PlanOut):
    progress_by_sector: dict[str, ProgressOut]
    progress_by_group: dict[str, ProgressOut]


class PlanList(AnswerSchema):
    items: list[PlanOut]
    count: int


class PlanIn(Schema):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    title: str = Field(max_length=200)


class ObjectiveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    group_id: uuid.UUID
    title: str = Field(max_length=300)
    order: int = Field(0, ge=0, le=999)


def plan_out(plan: WorkPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "year": plan.year,
        "title": plan.title,
        "objectives": [
            {"id": o.pk, "title": o.title, "order": o.order, "group_id": o.group_id}
            for o in plan.objectives.all()
        ],
    }


def _progress(rows: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {
            "total": p.total,
            "done": p.done,
            "on_time": p.on_time,
            "dropped": p.dropped,
            "overdue": p.overdue,
            "share_done": p.share_done,
            "share_on_time": p.share_on_time,
        }
        for key, p in rows.items()
    }


@router.get("/plans", response=PlanList, summary="Work plans, newest year first")
def plans(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    rows, count = paginate(
        plan_list(viewer=request_user(request))
        .prefetch_related("objectives")
        .order_by("-year", "pk"),
        limit=query.limit,
        offset=query.offset,
    )
    return {"items": [plan_out(p) for p in rows], "count": count}


@router.post("/plans", response={201: PlanOut}, summary="Add a year's plan")
def plan_add(request: HttpRequest, payload: PlanIn) -> Status:
    plan = plan_create(
        user=request_user(request), year=payload.year, title=payload.title
    )
    return Status(201, plan_out(plan))


@router.get(
    "/plans/{plan_id}", response=PlanDetail, summary="One plan and its progress"
)
def plan_detail(request: HttpRequest, plan_id: str) -> dict[str, Any]:
    user = request_user(request)
    plan = plan_get_for_user(user=user, plan_id=plan_id)
    return {
        **plan_out(plan),
        "progress_by_sector": _progress(
            plan_progress(plan=plan, by="sector", viewer=user)
        ),
        "progress_by_group": _progress(
            plan_progress(plan=plan, by="group", viewer=user)
        ),
    }


@router.post(
    "/plans/{plan_id}/objectives",
    response={201: ObjectiveOut},
    summary="Add an objective carried by a group (coordinators)",
)
def objective_add(request: HttpRequest, plan_id: str, payload: ObjectiveIn) -> Status:
    user = request_user(request)
    plan = plan_get_for_user(user=user, plan_id=plan_id)
    group = or_invalid(
        lambda: group_get_for_user(user=user, group_id=payload.group_id),
        field="group_id",
    )
    objective = objective_create(
        user=user, plan=plan, group=group, title=payload.title, order=payload.order
    )
    return Status(
        201,
        {
            "id": objective.pk,
            "title": objective.title,
            "order": objective.order,
            "group_id": objective.group_id,
        },
    )
