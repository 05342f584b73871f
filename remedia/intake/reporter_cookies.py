"""What a worker's browser keeps between pages, and nothing on the server.

Two short-lived cookies, each sealed with a key only the application holds.
Both end with the browser session (no Max-Age or Expires) and their sealed
value carries its own expiry, checked on the server's clock, so a copied
cookie is worth 30 minutes at most:
- the receipt, so the receipt page can show it again in the same browser
  session (GlobaLeaks users asked for this: people leave before copying it);
- the report's key after the receipt was entered, so the follow-up pages do not
  ask for the receipt on every click.
The server stores neither: its database and logs never see a receipt.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from remedia.core import crypto

RECEIPT_COOKIE = "remedia_receipt"
FOLLOWUP_COOKIE = "remedia_followup"
# The receipt can be shown again for this long after the report was made.
RECEIPT_SECONDS = 30 * 60


def _key(purpose: bytes) -> bytes:
    return crypto.subkey(purpose.decode())


def _seal(data: dict[str, Any], purpose: bytes) -> str:
    return base64.urlsafe_b64encode(
        crypto.wrap(json.dumps(data).encode(), key=_key(purpose))
    ).decode()


def _open(value: str | None, purpose: bytes) -> dict[str, Any] | None:
    if not value:
        return None
    try:
        data = json.loads(
            crypto.unwrap(base64.urlsafe_b64decode(value), key=_key(purpose))
        )
    except (crypto.DecryptionFailed, binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return None
    return data


def _set(response: HttpResponse, name: str, value: str, *, path: str) -> None:
    # No max-age: the browser drops it when the session ends.
    response.set_cookie(
        name,
        value,
        path=path,
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Strict",
    )


def receipt_remember(response: HttpResponse, *, receipt: str) -> None:
    _set(
        response,
        RECEIPT_COOKIE,
        _seal(
            {"receipt": receipt, "exp": time.time() + RECEIPT_SECONDS},
            b"remedia.receipt",
        ),
        path="/",
    )


def receipt_recall(request: HttpRequest) -> str | None:
    data = _open(request.COOKIES.get(RECEIPT_COOKIE), b"remedia.receipt")
    return data.get("receipt") if data else None


def receipt_forget(response: HttpResponse) -> None:
    response.delete_cookie(RECEIPT_COOKIE, path="/", samesite="Strict")


def followup_open(
    response: HttpResponse, *, report_id: str, private_key: bytes
) -> None:
    """Open (or, on each follow-up page, push on) the follow-up for idle minutes."""
    minutes = settings.REMEDIA_FOLLOWUP_MINUTES
    _set(
        response,
        FOLLOWUP_COOKIE,
        _seal(
            {
                "report": report_id,
                "key": base64.b64encode(private_key).decode(),
                "exp": time.time() + minutes * 60,
            },
            b"remedia.followup",
        ),
        path="/",
    )


def followup_current(request: HttpRequest) -> tuple[str, bytes] | None:
    data = _open(request.COOKIES.get(FOLLOWUP_COOKIE), b"remedia.followup")
    if not data:
        return None
    try:
        return str(data["report"]), base64.b64decode(data["key"])
    except (KeyError, binascii.Error, ValueError):
        return None


def followup_close(response: HttpResponse) -> None:
    response.delete_cookie(FOLLOWUP_COOKIE, path="/", samesite="Strict")


def followup_access(request: HttpRequest) -> Any:
    """The report the follow-up cookie opens (a `services.ReporterAccess`), or None.

    Every page a worker reaches after entering the receipt (the follow-up, a
    retaliation answer) reads their access this way.
    """
    from remedia.intake import services

    current = followup_current(request)
    if current is None:
        return None
    try:
        return services.reporter_access_from_key(
            report_id=current[0], private_key=current[1]
        )
    except services.ReceiptRefused:
        return None
