"""`/api/v1/coordination/actions`: the plan's actions, their indicators and periods.

Every staff member with coordination reading reads them; coordinators add
and change them. A change carries the `version` read: a change saved since
is refused (409), nothing stored.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from remedia.accounts.permissions import Sector
from remedia.coordination.models import (
    Action,
    ActionStatus,
    Frequency,
    Indicator,
    IndicatorKind,
    IndicatorPeriod,
    IndicatorUnit,
    Objective,
)
from remedia.coordination.selectors.links import action_links
from remedia.coordination.selectors.plan import (
    action_get_for_user,
    action_indicators,
    action_list,
    action_overdue,
    indicator_get_for_user,
    indicator_totals,
    period_actual,
    period_get_for_user,
    period_update_overdue,
    plan_list,
)
from remedia.coordination.services.indicators import (
    indicator_create,
    indicator_update,
    period_create,
    period_delete,
    period_update,
)
from remedia.coordination.services.plan import action_create, action_update
from remedia.core.errors import InvalidInput
from remedia.core.kit import invalid_missing, request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema

router = Router(tags=["coordination (actions)"])


class ActionOut(AnswerSchema):
    id: uuid.UUID
    objective_id: uuid.UUID
    group_id: uuid.UUID
    year: int
    title: str
    description: str
    sector: str
    owner_id: uuid.UUID
    partner_ids: list[uuid.UUID]
    state: str
    municipality: str
    starts_on: dt.date
    due_on: dt.date
    status: str
    dropped_reason: str
    done_on: dt.date | None
    overdue: bool
    version: int = Field(description="Send it back with a change.")
    course_id: uuid.UUID | None = None
    facility_id: uuid.UUID | None = None
    case_id: uuid.UUID | None = None
    pathway_service_id: uuid.UUID | None = Field(
        None, description="A service of the protection directory's referral pathway."
    )


class ActionList(AnswerSchema):
    items: list[ActionOut]
    count: int


class UpdateRef(AnswerSchema):
    id: uuid.UUID
    status: str
    value: Decimal | None
    submitted_by_id: uuid.UUID
    submitted_at: dt.datetime | None
    reviewed_by_id: uuid.UUID | None
    reviewed_at: dt.datetime | None
    review_note: str


class PeriodOut(AnswerSchema):
    id: uuid.UUID
    starts_on: dt.date
    ends_on: dt.date
    target: Decimal | None
    actual: Decimal | None = Field(description="From approved updates only.")
    update_overdue: bool
    updates: list[UpdateRef]


class IndicatorOut(AnswerSchema):
    id: uuid.UUID
    action_id: uuid.UUID
    name: str
    kind: str
    unit: str
    baseline_value: Decimal | None
    baseline_year: int | None
    frequency: str
    target_total: Decimal | None = Field(
        description="Targets added up (a percentage: the latest period's)."
    )
    actual_total: Decimal | None = Field(
        description="Approved figures added up (a percentage: the latest)."
    )
    periods: list[PeriodOut]


class LinkOut(AnswerSchema):
    field: str
    kind: str
    label: str = Field(
        description="As the caller may see it: a case's number only for its "
        "readers (otherwise «un caso vinculado»), never its content."
    )
    url: str


class ActionDetail(ActionOut):
    indicators: list[IndicatorOut]
    links: list[LinkOut]


class ActionQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    overdue: bool | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    objective_id: uuid.UUID
    title: str = Field(max_length=300)
    description: str = Field("", max_length=4000)
    sector: Sector
    owner_id: uuid.UUID
    partner_ids: list[uuid.UUID] = Field(default_factory=list, max_length=30)
    state: str = Field("", max_length=6, description="ISO 3166-2:MX, e.g. MX-PUE.")
    municipality: str = Field("", max_length=120)
    starts_on: dt.date
    due_on: dt.date
    status: ActionStatus = ActionStatus.PLANNED
    dropped_reason: str = Field("", max_length=1000)
    course_id: str | None = Field(None, max_length=60)
    facility_id: str | None = Field(
        None, max_length=60, description="Its id, or its public id (FAC-…)."
    )
    case_id: str | None = Field(None, max_length=60)
    pathway_service_id: str | None = Field(
        None, max_length=60, description="A service of the referral pathway directory."
    )


class ActionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="The `version` you read.")
    title: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=4000)
    sector: Sector | None = None
    owner_id: uuid.UUID | None = None
    partner_ids: list[uuid.UUID] | None = Field(None, max_length=30)
    state: str | None = Field(None, max_length=6)
    municipality: str | None = Field(None, max_length=120)
    starts_on: dt.date | None = None
    due_on: dt.date | None = None
    status: ActionStatus | None = None
    dropped_reason: str | None = Field(None, max_length=1000)
    objective_id: uuid.UUID | None = Field(
        None, description="Another objective of the same plan."
    )
    course_id: str | None = Field(None, max_length=60)
    facility_id: str | None = Field(
        None, max_length=60, description="Its id, or its public id (FAC-…)."
    )
    case_id: str | None = Field(None, max_length=60)
    pathway_service_id: str | None = Field(
        None, max_length=60, description="A service of the referral pathway directory."
    )


class IndicatorIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    kind: IndicatorKind = IndicatorKind.QUANTITATIVE
    unit: IndicatorUnit = IndicatorUnit.NUMBER
    baseline_value: str | float | None = Field(
        None, description="A number; refused for a qualitative indicator."
    )
    baseline_year: int | None = None
    frequency: Frequency = Frequency.QUARTERLY


class IndicatorPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=300)
    kind: IndicatorKind | None = Field(None, description="Only while no period.")
    unit: IndicatorUnit | None = Field(None, description="Only while no period.")
    baseline_value: str | float | None = None
    baseline_year: int | None = None
    frequency: Frequency | None = None


class PeriodIn(Schema):
    model_config = ConfigDict(extra="forbid")

    starts_on: dt.date
    ends_on: dt.date
    target: str | float | None = Field(
        None, description="A number, required for a quantitative indicator."
    )


def action_out(action: Action) -> dict[str, Any]:
    return {
        "id": action.pk,
        "objective_id": action.objective_id,
        "group_id": action.objective.group_id,
        "year": action.objective.plan.year,
        "title": action.title,
        "description": action.description,
        "sector": action.sector,
        "owner_id": action.owner_id,
        "partner_ids": [p.pk for p in action.partners.all()],
        "state": action.state,
        "municipality": action.municipality,
        "starts_on": action.starts_on,
        "due_on": action.due_on,
        "status": action.status,
        "dropped_reason": action.dropped_reason,
        "done_on": action.done_on,
        "overdue": action_overdue(action),
        "version": action.version,
        "course_id": action.course_id,
        "facility_id": action.facility_id,
        "case_id": action.case_id,
        "pathway_service_id": action.pathway_service_id,
    }


def period_out(period: IndicatorPeriod, unit: str) -> dict[str, Any]:
    return {
        "id": period.pk,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "target": period.target,
        "actual": period_actual(period, unit),
        "update_overdue": period_update_overdue(period),
        "updates": [
            {
                "id": u.pk,
                "status": u.status,
                "value": u.value,
                "submitted_by_id": u.submitted_by_id,
                "submitted_at": u.submitted_at,
                "reviewed_by_id": u.reviewed_by_id,
                "reviewed_at": u.reviewed_at,
                "review_note": u.review_note,
            }
            for u in period.updates.all()
        ],
    }


def indicator_out(indicator: Indicator) -> dict[str, Any]:
    target, actual = indicator_totals(indicator)
    return {
        "id": indicator.pk,
        "action_id": indicator.action_id,
        "name": indicator.name,
        "kind": indicator.kind,
        "unit": indicator.unit,
        "baseline_value": indicator.baseline_value,
        "baseline_year": indicator.baseline_year,
        "frequency": indicator.frequency,
        "target_total": target,
        "actual_total": actual,
        "periods": [period_out(p, indicator.unit) for p in indicator.periods.all()],
    }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list):
            out[name] = [str(v) for v in value]
        elif isinstance(value, Sector | ActionStatus | uuid.UUID):
            out[name] = str(value)
        else:
            out[name] = value
    return out


@router.get("/actions", response=ActionList, summary="The plan's actions")
def actions(request: HttpRequest, query: Query[ActionQuery]) -> dict[str, Any]:
    user = request_user(request)
    rows = action_list(viewer=user)
    if query.year is not None:
        rows = rows.filter(objective__plan__year=query.year)
    if query.overdue:
        rows = rows.filter(
            status__in=(ActionStatus.PLANNED, ActionStatus.ONGOING),
            due_on__lt=dt.date.today(),  # noqa: DTZ011
        )
    page, count = paginate(
        rows.order_by("due_on", "pk"), limit=query.limit, offset=query.offset
    )
    return {"items": [action_out(a) for a in page], "count": count}


@router.post("/actions", response={201: ActionOut}, summary="Add an action")
def action_add(request: HttpRequest, payload: ActionIn) -> Status:
    user = request_user(request)
    objective = (
        Objective.objects.filter(
            pk=payload.objective_id, plan__in=plan_list(viewer=user)
        )
        .select_related("plan", "group")
        .first()
    )
    if objective is None:
        raise invalid_missing("objective_id")
    data = _plain(payload.model_dump(exclude={"objective_id"}))
    action = action_create(user=user, objective=objective, data=data)
    return Status(201, action_out(action_get_for_user(user=user, action_id=action.pk)))


@router.get("/actions/{action_id}", response=ActionDetail, summary="One action")
def action_detail(request: HttpRequest, action_id: str) -> dict[str, Any]:
    user = request_user(request)
    action = action_get_for_user(user=user, action_id=action_id)
    return {
        **action_out(action),
        "indicators": [
            indicator_out(i) for i in action_indicators(action=action, viewer=user)
        ],
        "links": [
            {
                "field": link.field,
                "kind": str(link.kind),
                "label": str(link.label),
                "url": link.url,
            }
            for link in action_links(viewer=user, action=action)
        ],
    }


@router.patch(
    "/actions/{action_id}",
    response=ActionOut,
    summary="Change an action or its status (coordinators)",
)
def action_change(
    request: HttpRequest, action_id: str, payload: ActionPatch
) -> dict[str, Any]:
    user = request_user(request)
    action = action_get_for_user(user=user, action_id=action_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    required = [
        name
        for name in (
            "title",
            "sector",
            "owner_id",
            "starts_on",
            "due_on",
            "status",
            "objective_id",
        )
        if name in changes and changes[name] is None
    ]
    if required:
        raise InvalidInput(
            [{"field": n, "reason": _("Este campo es obligatorio.")} for n in required]
        )
    if "status" in changes and "dropped_reason" not in changes:
        changes["dropped_reason"] = ""
    action = action_update(
        user=user, action=action, data=_plain(changes), version=version
    )
    return action_out(action_get_for_user(user=user, action_id=action.pk))


@router.post(
    "/actions/{action_id}/indicators",
    response={201: IndicatorOut},
    summary="Add an indicator to an action (coordinators)",
)
def indicator_add(request: HttpRequest, action_id: str, payload: IndicatorIn) -> Status:
    user = request_user(request)
    action = action_get_for_user(user=user, action_id=action_id)
    data = payload.model_dump()
    for name in ("kind", "unit", "frequency"):
        data[name] = str(data[name])
    indicator = indicator_create(user=user, action=action, data=data)
    return Status(201, indicator_out(indicator))


@router.get(
    "/indicators/{indicator_id}", response=IndicatorOut, summary="One indicator"
)
def indicator_detail(request: HttpRequest, indicator_id: str) -> dict[str, Any]:
    return indicator_out(
        indicator_get_for_user(user=request_user(request), indicator_id=indicator_id)
    )


@router.post(
    "/indicators/{indicator_id}/periods",
    response={201: PeriodOut},
    summary="Add a reporting period with its target (coordinators)",
)
def period_add(request: HttpRequest, indicator_id: str, payload: PeriodIn) -> Status:
    user = request_user(request)
    indicator = indicator_get_for_user(user=user, indicator_id=indicator_id)
    period = period_create(user=user, indicator=indicator, data=payload.model_dump())
    return Status(201, period_out(period, indicator.unit))


@router.patch(
    "/indicators/{indicator_id}",
    response=IndicatorOut,
    summary="Change an indicator (coordinators; kind and unit only while it has "
    "no period)",
)
def indicator_change(
    request: HttpRequest, indicator_id: str, payload: IndicatorPatch
) -> dict[str, Any]:
    user = request_user(request)
    indicator = indicator_get_for_user(user=user, indicator_id=indicator_id)
    changes = payload.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InvalidInput(
            [{"field": "name", "reason": _("Este campo es obligatorio.")}]
        )
    for name in ("kind", "unit", "frequency"):
        if name in changes:
            value = changes[name]
            changes[name] = "" if value is None else str(value)
    indicator_update(user=user, indicator=indicator, data=changes)
    return indicator_out(indicator_get_for_user(user=user, indicator_id=indicator.pk))


def _period_of(user: Any, period_id: str) -> IndicatorPeriod:
    return period_get_for_user(user=user, period_id=period_id)


@router.get("/periods/{period_id}", response=PeriodOut, summary="One period")
def period_detail(request: HttpRequest, period_id: str) -> dict[str, Any]:
    user = request_user(request)
    period = _period_of(user, period_id)
    indicator = indicator_get_for_user(user=user, indicator_id=period.indicator_id)
    found = next(p for p in indicator.periods.all() if p.pk == period.pk)
    return period_out(found, indicator.unit)


@router.put(
    "/periods/{period_id}",
    response=PeriodOut,
    summary="Change a period's dates and target (coordinators)",
)
def period_change(
    request: HttpRequest, period_id: str, payload: PeriodIn
) -> dict[str, Any]:
    user = request_user(request)
    period = period_update(
        user=user, period=_period_of(user, period_id), data=payload.model_dump()
    )
    return period_detail(request, str(period.pk))


@router.delete(
    "/periods/{period_id}",
    response={204: None},
    summary="Delete a period nobody reported on (coordinators)",
)
def period_remove(request: HttpRequest, period_id: str) -> Status:
    user = request_user(request)
    period_delete(user=user, period=_period_of(user, period_id))
    return Status(204, None)
