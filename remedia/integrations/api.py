"""Webhook endpoints and their delivery log, mounted at /api/v1/webhooks.

Bearer-token endpoints for organisation administrators. Every endpoint and
delivery comes through the scoped selectors: another organisation's answers
404 exactly like a missing one, and so does every route to a token whose
user administers no organisation. The signing secret appears only in the
answers to creating an endpoint and to rotating its secret.
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

from remedia.accounts.models import Organisation
from remedia.core.errors import NotFound
from remedia.core.kit import invalid, invalid_missing, request_user
from remedia.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageQuery, paginate
from remedia.integrations import selectors, services
from remedia.integrations.catalogue import EventType
from remedia.integrations.models import Delivery, DeliveryStatus, Endpoint

router = Router(tags=["webhooks"])


class EndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    organisation_id: uuid.UUID | None = Field(
        None, description="Needed only when the user administers several."
    )
    url: str = Field(max_length=500, description="HTTPS outside debug.")
    description: str = Field("", max_length=200)
    event_types: list[str] = Field(
        max_length=len(EventType.values),
        description="From the catalogue: " + ", ".join(EventType.values),
    )


class EndpointPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=200)
    event_types: list[str] | None = Field(None, max_length=len(EventType.values))
    enabled: bool | None = None


class EndpointOut(Schema):
    id: uuid.UUID
    organisation_id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str
    disabled_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None
    created_at: dt.datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="Shown this once; Remedia keeps it encrypted.")


class EndpointList(Schema):
    items: list[EndpointOut]
    count: int


class AttemptOut(Schema):
    at: dt.datetime
    status_code: int | None
    latency_ms: int
    error: str
    manual: bool


class DeliveryOut(Schema):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str = Field(description="The webhook-id header, the same on retries.")
    event_type: str
    status: str
    attempts_made: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    payload: dict[str, Any]
    attempts: list[AttemptOut]


class DeliveryList(Schema):
    items: list[DeliveryOut]
    count: int


class DeliveryQuery(Schema):
    status: DeliveryStatus | None = None
    limit: int = Field(DEFAULT_LIMIT, description=f"1 to {MAX_LIMIT}.")
    offset: int = 0


def administrator(request: HttpRequest) -> Any:
    """The caller, if they administer an organisation (webhooks, partner
    tokens); 404 otherwise."""
    user = request_user(request)
    if not selectors.administered_organisations(user=user):
        raise NotFound()
    return user


def _endpoint(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "organisation_id": endpoint.organisation_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "previous_secret_expires_at": endpoint.previous_expires_at,
        "created_at": endpoint.created_at,
    }


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "endpoint_id": delivery.endpoint_id,
        "message_id": delivery.message_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts_made": delivery.attempts_made,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "payload": delivery.payload,
        "attempts": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "error": a.error,
                "manual": a.manual,
            }
            for a in delivery.attempts.all()
        ],
    }


@router.get("/webhooks/endpoints", response=EndpointList, summary="Webhook endpoints")
def endpoint_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    user = administrator(request)
    page, count = paginate(
        selectors.endpoint_list(user=user), limit=query.limit, offset=query.offset
    )
    return {"items": [_endpoint(e) for e in page], "count": count}


@router.post(
    "/webhooks/endpoints",
    response={201: EndpointWithSecret},
    summary="Register a webhook endpoint (the answer holds its secret, once)",
)
def endpoint_create(request: HttpRequest, payload: EndpointIn) -> Status:
    user = administrator(request)
    organisations = selectors.administered_organisations(user=user)
    organisation: Organisation | None
    if payload.organisation_id is not None:
        organisation = next(
            (o for o in organisations if o.pk == payload.organisation_id), None
        )
        if organisation is None:
            raise invalid_missing("organisation_id")
    elif len(organisations) == 1:
        organisation = organisations[0]
    else:
        raise invalid(
            "organisation_id", _("Indique para cuál de sus organizaciones es.")
        )
    created = services.endpoint_create(
        user=user,
        organisation=organisation,
        url=payload.url,
        description=payload.description,
        event_types=payload.event_types,
    )
    return Status(201, {**_endpoint(created.endpoint), "secret": created.secret})


@router.get(
    "/webhooks/endpoints/{endpoint_id}", response=EndpointOut, summary="One endpoint"
)
def endpoint_detail(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    user = administrator(request)
    return _endpoint(selectors.endpoint_get(user=user, endpoint_id=endpoint_id))


@router.patch(
    "/webhooks/endpoints/{endpoint_id}",
    response=EndpointOut,
    summary="Change an endpoint, or enable or disable it",
)
def endpoint_update(
    request: HttpRequest, endpoint_id: str, payload: EndpointPatch
) -> dict[str, Any]:
    user = administrator(request)
    endpoint = selectors.endpoint_get(user=user, endpoint_id=endpoint_id)
    changes = payload.model_dump(exclude_unset=True)
    for name in ("url", "event_types", "enabled"):
        if name in changes and changes[name] is None:
            raise invalid(name, _("Este campo es obligatorio."))
    if "description" in changes and changes["description"] is None:
        changes["description"] = ""
    endpoint = services.endpoint_update(user=user, endpoint=endpoint, **changes)
    return _endpoint(endpoint)


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response={204: None},
    summary="Remove an endpoint and its delivery log",
)
def endpoint_delete(request: HttpRequest, endpoint_id: str) -> Status:
    user = administrator(request)
    endpoint = selectors.endpoint_get(user=user, endpoint_id=endpoint_id)
    services.endpoint_delete(user=user, endpoint=endpoint)
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate",
    response=EndpointWithSecret,
    summary="A new secret; the previous one also signs for 24 hours",
)
def endpoint_rotate(request: HttpRequest, endpoint_id: str) -> dict[str, Any]:
    user = administrator(request)
    endpoint = selectors.endpoint_get(user=user, endpoint_id=endpoint_id)
    rotated = services.endpoint_rotate(user=user, endpoint=endpoint)
    return {**_endpoint(rotated.endpoint), "secret": rotated.secret}


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response=DeliveryList,
    summary="An endpoint's delivery log, newest first, with every attempt",
)
def delivery_list(
    request: HttpRequest, endpoint_id: str, query: Query[DeliveryQuery]
) -> dict[str, Any]:
    user = administrator(request)
    endpoint = selectors.endpoint_get(user=user, endpoint_id=endpoint_id)
    rows = selectors.delivery_list(
        endpoint=endpoint, status=str(query.status) if query.status else None
    ).prefetch_related("attempts")
    page, count = paginate(rows, limit=query.limit, offset=query.offset)
    return {"items": [_delivery(d) for d in page], "count": count}


@router.get(
    "/webhooks/deliveries/{delivery_id}",
    response=DeliveryOut,
    summary="One delivery and its attempts",
)
def delivery_detail(request: HttpRequest, delivery_id: str) -> dict[str, Any]:
    user = administrator(request)
    return _delivery(selectors.delivery_get(user=user, delivery_id=delivery_id))


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut},
    summary="Try a delivery again now (same webhook-id)",
)
def delivery_redeliver(request: HttpRequest, delivery_id: str) -> Status:
    user = administrator(request)
    delivery = selectors.delivery_get(user=user, delivery_id=delivery_id)
    services.delivery_redeliver(user=user, delivery=delivery)
    return Status(
        202, _delivery(selectors.delivery_get(user=user, delivery_id=delivery.pk))
    )
