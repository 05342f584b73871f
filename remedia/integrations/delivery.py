"""Attempts: one try of a delivery, its record, the retry schedule, disabling."""

from __future__ import annotations

import datetime as dt
import logging
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from remedia.core.audit import audit_record
from remedia.integrations import alerts, transport
from remedia.integrations.models import (
    Attempt,
    Delivery,
    DeliveryStatus,
    DisabledReason,
    Endpoint,
)
from remedia.integrations.signing import body_of, headers_for, signing_secrets

logger = logging.getLogger(__name__)

# Waits after each failed automatic attempt (Standard Webhooks' example, about
# three days in all); the attempt after the last wait is the last one.
RETRY_DELAYS = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=14),
    dt.timedelta(hours=20),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1
RETRY_AFTER_MAX = dt.timedelta(hours=24)
# An attempt in progress holds the delivery this long (a crashed worker's
# delivery is tried again after it).
LEASE = dt.timedelta(minutes=2)


def _delay(attempts_made: int) -> dt.timedelta:
    base = RETRY_DELAYS[attempts_made - 1]
    factor = 1 + random.uniform(-JITTER, JITTER)  # noqa: S311 - jitter, not secrecy
    return base * factor


def _claim(delivery_id: Any, *, now: dt.datetime, manual: bool) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if not manual:
            if (
                delivery.status != DeliveryStatus.PENDING
                or not delivery.endpoint.enabled
                or (delivery.next_attempt_at and delivery.next_attempt_at > now)
            ):
                return None
            delivery.next_attempt_at = now + LEASE
            delivery.save(update_fields=["next_attempt_at", "updated_at"])
        return delivery


def delivery_attempt(
    delivery_id: Any, *, now: dt.datetime | None = None, manual: bool = False
) -> Attempt | None:
    """Try a delivery once, if it is due (or asked for by a person); the attempt.

    `now` is when the schedule thinks it is (tests move it on); the
    `webhook-timestamp` is always the real time, as receivers check it.
    """
    now = now or timezone.now()
    delivery = _claim(delivery_id, now=now, manual=manual)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    sent_at = timezone.now()
    body = body_of(delivery)
    outcome = transport.post(
        endpoint.url,
        body,
        headers_for(
            delivery, body=body, signing=signing_secrets(endpoint), sent_at=sent_at
        ),
    )
    return _record(delivery, outcome, now=now, manual=manual)


@transaction.atomic
def _record(
    delivery: Delivery, outcome: transport.Outcome, *, now: dt.datetime, manual: bool
) -> Attempt:
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    attempt = Attempt.objects.create(
        delivery=delivery,
        at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error=outcome.error,
        manual=manual,
    )
    code = outcome.status_code
    fields = ["status", "attempts_made", "next_attempt_at", "updated_at"]
    if code is not None and 200 <= code < 300:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        if not manual:
            delivery.attempts_made += 1
        delivery.save(update_fields=fields)
        return attempt
    if code == 410:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.attempts_made += 0 if manual else 1
        delivery.save(update_fields=fields)
        _disable(endpoint, DisabledReason.GONE, now=now)
        return attempt
    if manual:
        return attempt  # a person's try leaves the schedule as it was
    delivery.attempts_made += 1
    if delivery.attempts_made >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.save(update_fields=fields)
        _disable(endpoint, DisabledReason.FAILING, now=now)
        return attempt
    wait = _delay(delivery.attempts_made)
    if outcome.retry_after is not None:
        wait = min(dt.timedelta(seconds=max(1, outcome.retry_after)), RETRY_AFTER_MAX)
    delivery.next_attempt_at = now + wait
    delivery.save(update_fields=fields)
    return attempt


def _disable(endpoint: Endpoint, reason: str, *, now: dt.datetime) -> None:
    if not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.save(
        update_fields=["enabled", "disabled_reason", "disabled_at", "updated_at"]
    )
    audit_record(
        action="integrations.endpoint_disabled",
        organisation=endpoint.organisation,
        obj=endpoint,
        data={"reason": reason},
    )
    logger.warning(
        "webhooks.endpoint_disabled",
        extra={"endpoint": str(endpoint.pk), "reason": reason},
    )
    transaction.on_commit(
        lambda: alerts.endpoint_disabled_notify(endpoint.pk), robust=True
    )


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 200) -> list[Any]:
    """Ids of the pending deliveries whose time has come, oldest first."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            endpoint__enabled=True,
            next_attempt_at__lte=now,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
