"""Integrations' kind of personal data under retention: webhook delivery logs.

A delivery holds ids and states only (never content, never a person), but its
log says which organisation heard of which report, case or referral and when:
finished deliveries and their attempts go once their period has run from their
creation. Pending ones stay until they end.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from remedia.core.retention import (
    Destroyed,
    RetentionKind,
    expired_delete,
    retention_kind_register,
)
from remedia.integrations.models import Delivery, DeliveryStatus


def _destroy(rows: Any) -> Destroyed:
    # Attempts go with their delivery (CASCADE).
    return Destroyed(rows=expired_delete(rows=rows))


def register() -> None:
    retention_kind_register(
        RetentionKind(
            name="webhook_logs",
            label=_("Registros de entrega de webhooks"),
            clock_label=_("la creación de la entrega"),
            rows=lambda: Delivery.objects.exclude(status=DeliveryStatus.PENDING),
            clock="created_at",
            destroy=_destroy,
            order=95,
        )
    )
