"""Reads of endpoints and deliveries: only the organisations the viewer administers.

Another organisation's endpoint or delivery is `NotFound`, exactly like a
missing one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remedia.accounts.models import Organisation
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import (
    get_scoped,
    organisations_for,
    scope_by_organisation,
)
from remedia.integrations.models import Delivery, Endpoint


def administered_organisations(*, user: Any) -> list[Organisation]:
    ids = organisations_for(user=user, capability=Capability.ORGANISATION_MANAGE)
    return list(
        Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name")
    )


def endpoint_list(*, user: Any) -> QuerySet[Endpoint]:
    return scope_by_organisation(
        Endpoint.objects.select_related("organisation"),
        user=user,
        capability=Capability.ORGANISATION_MANAGE,
    ).order_by("organisation__name", "created_at")


def endpoint_get(*, user: Any, endpoint_id: Any) -> Endpoint:
    return get_scoped(endpoint_list(user=user), pk=endpoint_id)


def delivery_list(
    *, endpoint: Endpoint, status: str | None = None
) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(endpoint=endpoint).order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    return rows


def delivery_get(*, user: Any, delivery_id: Any) -> Delivery:
    return get_scoped(
        scope_by_organisation(
            Delivery.objects.select_related("endpoint", "endpoint__organisation"),
            user=user,
            capability=Capability.ORGANISATION_MANAGE,
            field="endpoint__organisation",
        ),
        pk=delivery_id,
    )
