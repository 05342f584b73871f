"""Endpoints (register, change, rotate, remove), events owed to them, attempts.

Every write here is for an organisation's administrators
(`Capability.ORGANISATION_MANAGE`); the views and the API fetch the endpoint
through the scoped selectors first, so another organisation's endpoint is a
404 before anything here runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import Organisation, User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import user_can
from remedia.core.audit import audit_record
from remedia.core.errors import InvalidInput, NotFound
from remedia.core.kit import clean_text, invalid
from remedia.integrations import transport
from remedia.integrations.catalogue import EventType
from remedia.integrations.jobs import webhook_deliver, webhook_redeliver
from remedia.integrations.models import (
    Delivery,
    DisabledReason,
    Endpoint,
)
from remedia.integrations.signing import secret_new, secret_unwrap, secret_wrap

logger = logging.getLogger(__name__)

SECRET_BYTES = 32
# How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = dt.timedelta(hours=24)
URL_LIMIT = 500
DESCRIPTION_LIMIT = 200

# --- Endpoints -------------------------------------------------------------------------


def _require_admin(user: User, organisation: Organisation) -> None:
    if not user_can(
        user=user, capability=Capability.ORGANISATION_MANAGE, organisation=organisation
    ):
        raise NotFound()


def _clean(
    *, url: Any, description: Any, event_types: Any, errors: list[dict[str, Any]]
) -> tuple[str, str, list[str]]:
    url_text = clean_text(url)
    if not url_text:
        errors.append({"field": "url", "reason": _("Este campo es obligatorio.")})
    elif len(url_text) > URL_LIMIT:
        errors.append(
            {
                "field": "url",
                "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                % {"n": URL_LIMIT},
            }
        )
    else:
        try:
            transport.target_check(url_text)
        except transport.AddressRefused as exc:
            errors.append({"field": "url", "reason": exc.reason})
    text = clean_text(description)
    if len(text) > DESCRIPTION_LIMIT:
        errors.append(
            {
                "field": "description",
                "reason": _("Es demasiado largo (máximo %(n)s caracteres).")
                % {"n": DESCRIPTION_LIMIT},
            }
        )
    types: list[str] = []
    if not isinstance(event_types, list | tuple) or not event_types:
        errors.append(
            {"field": "event_types", "reason": _("Elija al menos un tipo de evento.")}
        )
    else:
        for value in event_types:
            if str(value) not in EventType.values:
                errors.append(
                    {
                        "field": "event_types",
                        "reason": _("«%(value)s» no es un tipo de evento conocido.")
                        % {"value": str(value)[:60]},
                    }
                )
            elif str(value) not in types:
                types.append(str(value))
    return url_text, text, types


@dataclass(frozen=True)
class Created:
    endpoint: Endpoint
    secret: str  # shown once


@transaction.atomic
def endpoint_create(
    *,
    user: User,
    organisation: Organisation,
    url: Any,
    description: Any = "",
    event_types: Any,
) -> Created:
    _require_admin(user, organisation)
    errors: list[dict[str, Any]] = []
    url_text, text, types = _clean(
        url=url, description=description, event_types=event_types, errors=errors
    )
    if errors:
        raise InvalidInput(errors)
    secret = secret_new()
    endpoint = Endpoint.objects.create(
        organisation=organisation,
        url=url_text,
        description=text,
        event_types=types,
        secret_wrapped=secret_wrap(secret),
        created_by=user,
    )
    audit_record(
        action="integrations.endpoint_created",
        actor=user,
        organisation=organisation,
        obj=endpoint,
        data={"event_types": types},
    )
    return Created(endpoint=endpoint, secret=secret)


@transaction.atomic
def endpoint_update(*, user: User, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change url, description, event types or enabled; only what is given."""
    _require_admin(user, endpoint.organisation)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    errors: list[dict[str, Any]] = []
    url_text, text, types = _clean(
        url=changes.get("url", endpoint.url),
        description=changes.get("description", endpoint.description),
        event_types=changes.get("event_types", endpoint.event_types),
        errors=errors,
    )
    enabled = changes.get("enabled", endpoint.enabled)
    if not isinstance(enabled, bool):
        errors.append({"field": "enabled", "reason": _("Debe ser verdadero o falso.")})
    if errors:
        raise InvalidInput(errors)
    endpoint.url, endpoint.description, endpoint.event_types = url_text, text, types
    if enabled != endpoint.enabled:
        endpoint.enabled = enabled
        if enabled:
            endpoint.disabled_reason, endpoint.disabled_at = "", None
        else:
            endpoint.disabled_reason = DisabledReason.MANUAL
            endpoint.disabled_at = timezone.now()
    endpoint.save()
    audit_record(
        action="integrations.endpoint_updated",
        actor=user,
        organisation=endpoint.organisation,
        obj=endpoint,
        data={"event_types": types, "enabled": endpoint.enabled},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, user: User, endpoint: Endpoint) -> None:
    _require_admin(user, endpoint.organisation)
    audit_record(
        action="integrations.endpoint_deleted",
        actor=user,
        organisation=endpoint.organisation,
        obj=endpoint,
    )
    endpoint.delete()


@transaction.atomic
def endpoint_rotate(
    *, user: User, endpoint: Endpoint, now: dt.datetime | None = None
) -> Created:
    """A new secret; the one it replaces keeps signing for `ROTATION_OVERLAP`."""
    _require_admin(user, endpoint.organisation)
    now = now or timezone.now()
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    secret = secret_new()
    endpoint.previous_secret_wrapped = secret_wrap(
        secret_unwrap(endpoint.secret_wrapped)
    )
    endpoint.previous_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_wrapped = secret_wrap(secret)
    endpoint.save(
        update_fields=[
            "previous_secret_wrapped",
            "previous_expires_at",
            "secret_wrapped",
            "updated_at",
        ]
    )
    audit_record(
        action="integrations.secret_rotated",
        actor=user,
        organisation=endpoint.organisation,
        obj=endpoint,
    )
    return Created(endpoint=endpoint, secret=secret)


# --- Events ----------------------------------------------------------------------------


def payload_of(
    *, event_type: str, at: dt.datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": event_type,
        "timestamp": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": {k: (str(v) if v is not None else None) for k, v in data.items()},
    }


def event_emit(
    *,
    event_type: str,
    key: str,
    data: dict[str, Any],
    organisation_ids: Iterable[Any] | None,
    at: dt.datetime | None = None,
) -> list[Any]:
    """A delivery for each enabled endpoint that wants `event_type`.

    `organisation_ids` None means every organisation (the shared registry's
    events). Written in the caller's transaction (an outbox: the event and
    its deliveries commit together); the first attempt is queued after
    commit. A key already delivered to an endpoint is not owed again.
    """
    endpoints = Endpoint.objects.filter(enabled=True)
    if organisation_ids is not None:
        ids = [o for o in organisation_ids if o is not None]
        if not ids:
            return []
        endpoints = endpoints.filter(organisation_id__in=ids)
    key = key[:200]
    wanted = [
        e for e in endpoints.only("id", "event_types") if event_type in e.event_types
    ]
    told = set(
        Delivery.objects.filter(
            endpoint_id__in=[e.pk for e in wanted], event_key=key
        ).values_list("endpoint_id", flat=True)
    )
    wanted = [e for e in wanted if e.pk not in told]
    if not wanted:
        return []
    at = at or timezone.now()
    payload = payload_of(event_type=event_type, at=at, data=data)
    rows = [
        Delivery(
            endpoint_id=e.pk,
            event_type=event_type,
            event_key=key,
            payload=payload,
            next_attempt_at=at,
        )
        for e in wanted
    ]
    ids = [r.pk for r in rows]

    def queue() -> None:
        for pk in ids:
            webhook_deliver(str(pk))

    # The caller's transaction if there is one, else one of its own: only
    # once there is something to write (most events are wanted by no
    # endpoint, and a report's submission announces one after its commit).
    with transaction.atomic(savepoint=False):
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        transaction.on_commit(queue, robust=True)
    return ids


# --- Attempts --------------------------------------------------------------------------


def delivery_redeliver(*, user: User, delivery: Delivery) -> None:
    """A person asks for one more try now (the log shows it as manual)."""
    _require_admin(user, delivery.endpoint.organisation)
    if not delivery.endpoint.enabled:
        raise invalid(
            "endpoint",
            _("El destino está desactivado; actívelo antes de reenviar."),
        )
    audit_record(
        action="integrations.delivery_redelivered",
        actor=user,
        organisation=delivery.endpoint.organisation,
        obj=delivery,
    )
    transaction.on_commit(lambda: webhook_redeliver(str(delivery.pk)), robust=True)
