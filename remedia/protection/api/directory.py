"""`/api/v1/protection/services`: the directory of assistance services.

Every staff member who works in protection or coordination reads it;
coordinators add and change services. A service nobody may read answers 404
like a missing one; a reader's write is 403.
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

from remedia.core.errors import InvalidInput
from remedia.core.kit import request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate
from remedia.core.schemas import AnswerSchema
from remedia.protection.models import Service
from remedia.protection.selectors.directory import (
    ServiceFilters,
    service_get_for_user,
    service_list,
)
from remedia.protection.services.directory import service_create, service_update
from remedia.protection.vocabulary import ServedSexes, ServiceType, Timeframe

router = Router(tags=["protection (services directory)"])


class OrganisationRef(AnswerSchema):
    id: uuid.UUID
    name: str


class ServiceOut(AnswerSchema):
    id: uuid.UUID
    name: str
    institution: str
    organisation: OrganisationRef | None
    service_types: list[str]
    national: bool
    states: list[str]
    area_detail: str
    min_age: int | None
    max_age: int | None
    sexes: str
    phone: str
    email: str
    address: str
    website: str
    hours: str
    timeframe: str
    notes: str
    is_active: bool
    updated_at: dt.datetime = Field(
        description="Send it back with a change: a change to a service saved "
        "since is refused."
    )


class ServiceList(AnswerSchema):
    items: list[ServiceOut]
    count: int


class ServiceQuery(Schema):
    q: str = Field("", max_length=100, description="Words, accents optional.")
    service_type: ServiceType | None = None
    state: str | None = Field(
        None, max_length=6, description="ISO 3166-2:MX, e.g. MX-PUE."
    )
    age: int | None = Field(None, ge=0, le=110)
    sex: ServedSexes | None = Field(None, description="women or men.")
    in_remedia: bool | None = None
    active: bool | None = Field(True, description="null: active and withdrawn.")
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


class ServiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200)
    institution: str = Field(max_length=200)
    organisation_id: uuid.UUID | None = None
    service_types: list[ServiceType] = Field(max_length=len(ServiceType.values))
    national: bool = False
    states: list[str] = Field(default_factory=list, max_length=40)
    area_detail: str = Field("", max_length=200)
    min_age: int | None = None
    max_age: int | None = None
    sexes: ServedSexes = ServedSexes.ALL
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    address: str = Field("", max_length=300)
    website: str = Field("", max_length=200)
    hours: str = Field("", max_length=200)
    timeframe: Timeframe = Timeframe.ONE_DAY
    notes: str = Field("", max_length=2000)


class ServicePatch(Schema):
    model_config = ConfigDict(extra="forbid")

    updated_at: dt.datetime | None = Field(
        None, description="The `updated_at` you read (recommended)."
    )
    name: str | None = Field(None, max_length=200)
    institution: str | None = Field(None, max_length=200)
    organisation_id: uuid.UUID | None = None
    service_types: list[ServiceType] | None = Field(
        None, max_length=len(ServiceType.values)
    )
    national: bool | None = None
    states: list[str] | None = Field(None, max_length=40)
    area_detail: str | None = Field(None, max_length=200)
    min_age: int | None = None
    max_age: int | None = None
    sexes: ServedSexes | None = None
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=300)
    website: str | None = Field(None, max_length=200)
    hours: str | None = Field(None, max_length=200)
    timeframe: Timeframe | None = None
    notes: str | None = Field(None, max_length=2000)
    is_active: bool | None = None


def service_out(service: Service) -> dict[str, Any]:
    organisation = service.organisation
    return {
        "id": service.pk,
        "name": service.name,
        "institution": service.institution,
        "organisation": (
            {"id": organisation.pk, "name": organisation.name}
            if organisation is not None
            else None
        ),
        "service_types": list(service.service_types),
        "national": service.national,
        "states": list(service.states),
        "area_detail": service.area_detail,
        "min_age": service.min_age,
        "max_age": service.max_age,
        "sexes": service.sexes,
        "phone": service.phone,
        "email": service.email,
        "address": service.address,
        "website": service.website,
        "hours": service.hours,
        "timeframe": service.timeframe,
        "notes": service.notes,
        "is_active": service.is_active,
        "updated_at": service.updated_at,
    }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """Enums as their codes, as the service checks them."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list):
            out[name] = [str(v) for v in value]
        elif isinstance(value, ServedSexes | Timeframe):
            out[name] = str(value)
        else:
            out[name] = value
    return out


@router.get("/services", response=ServiceList, summary="Search the services directory")
def services(request: HttpRequest, query: Query[ServiceQuery]) -> dict[str, Any]:
    user = request_user(request)
    rows = service_list(
        viewer=user,
        filters=ServiceFilters(
            q=query.q,
            service_type=str(query.service_type) if query.service_type else None,
            state=(query.state or "").upper() or None,
            age=query.age,
            sex=str(query.sex) if query.sex else None,
            in_remedia=query.in_remedia,
            active=query.active,
        ),
    )
    page, count = paginate(rows, limit=query.limit, offset=query.offset)
    return {"items": [service_out(s) for s in page], "count": count}


@router.post(
    "/services", response={201: ServiceOut}, summary="Add a service (coordinators)"
)
def service_add(request: HttpRequest, payload: ServiceIn) -> Status:
    service = service_create(
        user=request_user(request), data=_plain(payload.model_dump())
    )
    return Status(201, service_out(service))


@router.get("/services/{service_id}", response=ServiceOut, summary="One service")
def service_detail(request: HttpRequest, service_id: str) -> dict[str, Any]:
    return service_out(
        service_get_for_user(user=request_user(request), service_id=service_id)
    )


@router.patch(
    "/services/{service_id}",
    response=ServiceOut,
    summary="Change a service, or withdraw it with is_active=false (coordinators)",
)
def service_change(
    request: HttpRequest, service_id: str, payload: ServicePatch
) -> dict[str, Any]:
    user = request_user(request)
    service = service_get_for_user(user=user, service_id=service_id)
    changes = payload.model_dump(exclude_unset=True)
    seen = changes.pop("updated_at", None)
    required = [
        name
        for name in ("name", "institution", "service_types", "national", "sexes")
        + ("timeframe", "is_active")
        if name in changes and changes[name] is None
    ]
    if required:
        raise InvalidInput(
            [
                {"field": name, "reason": _("Este campo es obligatorio.")}
                for name in required
            ]
        )
    service = service_update(
        user=user, service=service, data=_plain(changes), seen=seen
    )
    return service_out(service)
