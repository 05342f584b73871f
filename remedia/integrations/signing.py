"""Webhook secrets (kept wrapped at rest) and Standard Webhooks signatures."""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from remedia.core import crypto
from remedia.integrations.models import Delivery, Endpoint

SECRET_BYTES = 32


def _secret_keys() -> list[bytes]:
    keys = [crypto.subkey("integrations.webhook.secret")]
    for previous in getattr(settings, "SECRET_KEY_FALLBACKS", []):
        keys.append(crypto.subkey("integrations.webhook.secret", secret=previous))
    return keys


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_wrap(secret: str) -> bytes:
    return crypto.wrap(secret.encode(), key=_secret_keys()[0])


def secret_unwrap(wrapped: Any) -> str:
    data = bytes(wrapped)
    for key in _secret_keys():
        try:
            return crypto.unwrap(data, key=key).decode()
        except crypto.DecryptionFailed:
            continue
    raise crypto.DecryptionFailed


def signing_secrets(endpoint: Endpoint, *, now: dt.datetime | None = None) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    now = now or timezone.now()
    found = [secret_unwrap(endpoint.secret_wrapped)]
    if (
        endpoint.previous_secret_wrapped
        and endpoint.previous_expires_at
        and endpoint.previous_expires_at > now
    ):
        found.append(secret_unwrap(endpoint.previous_secret_wrapped))
    return found


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def headers_for(
    delivery: Delivery, *, body: bytes, signing: list[str], sent_at: dt.datetime
) -> dict[str, str]:
    signatures = " ".join(
        Webhook(s).sign(msg_id=delivery.message_id, timestamp=sent_at, data=body)
        for s in signing
    )
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signatures,
        "Content-Type": "application/json",
    }
