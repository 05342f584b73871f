"""The organisation's administrators are told when Remedia stops calling an endpoint.

An endpoint is disabled when its receiver answers 410 (gone) or when every
attempt of a delivery failed (about three days). The email names the
endpoint's description and host and why it stopped, and links to its page;
no event's content is in it. Each (administrator, endpoint, disabling) is
told once through the notifications app.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from remedia.accounts.models import User
from remedia.accounts.permissions import Capability
from remedia.accounts.selectors import organisations_for
from remedia.integrations.models import Endpoint
from remedia.notifications import registry
from remedia.notifications.registry import Email
from remedia.notifications.selectors import members_with
from remedia.notifications.services import absolute, notifications_send

KIND = "webhook_disabled"


def _key(endpoint: Endpoint) -> str:
    stamp = (
        endpoint.disabled_at.strftime("%Y%m%d%H%M%S") if endpoint.disabled_at else ""
    )
    return f"{endpoint.pk}:{stamp}"


def _compose(user: User, key: str, now: datetime) -> Email | None:
    endpoint_id, _sep, stamp = key.partition(":")
    try:
        pk = uuid.UUID(endpoint_id)
    except ValueError:
        return None
    admin_of = organisations_for(user=user, capability=Capability.ORGANISATION_MANAGE)
    endpoint = Endpoint.objects.filter(
        pk=pk, organisation_id__in=admin_of, enabled=False
    ).first()
    if endpoint is None or _key(endpoint) != key:
        return None
    return Email(
        "integrations/email/endpoint_disabled",
        {
            "description": endpoint.description,
            "host": urlsplit(endpoint.url).hostname or "",
            "reason": endpoint.get_disabled_reason_display(),
            "url": absolute(
                reverse("integrations:endpoint_detail", kwargs={"endpoint_id": pk})
            ),
        },
    )


def register() -> None:
    registry.kind_register(
        kind=KIND, label=_("Destino de webhooks desactivado"), composer=_compose
    )


def endpoint_disabled_notify(endpoint_id: Any) -> int:
    endpoint = Endpoint.objects.filter(pk=endpoint_id, enabled=False).first()
    if endpoint is None:
        return 0
    admins = members_with(
        organisation_ids=[endpoint.organisation_id],
        capability=Capability.ORGANISATION_MANAGE,
    )
    return notifications_send(
        kind=KIND, recipients=[(u, _key(endpoint)) for u in admins]
    )
