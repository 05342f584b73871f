"""`Idempotency-Key` on the API's POSTs: a retried request answers as the first.

Stripe's convention (docs/security.md, "Idempotent writes"): a client sends a
key of its choosing (a UUID v4) with a POST; for 24 hours the same caller
sending the same key with the same request gets the first answer again, its
status and body, with ``Idempotent-Replayed: true``, and nothing runs twice.
The same key with another method, path or body is refused (422); while the
first request with a key runs, a second one is refused (409).

Per caller: a key belongs to the credential presented, never to a user id (an
organisation's partner token and a person's staff token are different
callers; two tokens of one person too). The authentication classes name the
credential's secret (`identity_set`): a staff or partner token (256 random
bits), or, for a worker, the report key their receipt opened (the output of
the receipt's Argon2id, never the 16 digits, which a fast hash would let a
database thief enumerate). A request without a credential (the anonymous
report form) is its own caller: the key, which for it must be random.

Only keyed hashes and a sealed answer are stored (`IdempotentRequest`): the
caller, the key and the request as HMACs under subkeys of the secret key; the
answer encrypted under a key derived from the credential's secret, the key and
the body, none of which is stored. A submission's receipt, a webhook's secret,
a note's text are in some answers: the table holds them only sealed, and only
the caller that sent that exact request can open them.

Only successful answers (2xx) are kept. A request that failed changed nothing
that a retry must not repeat (bad input, a conflict, a refusal), so its key is
released and a retry runs again; Stripe keeps those too, but its failures can
be half-done, and ours are not.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from remedia.core import crypto
from remedia.core.errors import ApplicationError, InvalidInput
from remedia.core.models import IdempotentRequest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = 255
# Printable ASCII, no spaces: what a header carries unchanged through proxies.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
KEPT = timedelta(hours=24)
# Longer than any request may run (gunicorn's timeout is 60 s): a claim older
# than this belongs to a request that died, not to one still running.
IN_FLIGHT_SECONDS = 120

_STATE = "_remedia_idempotency"
_IDENTITY = "_remedia_idempotency_identity"


class KeyInFlight(ApplicationError):
    status_code = 409


class KeyReused(ApplicationError):
    status_code = 422


def identity_set(request: HttpRequest, *, kind: str, secret: bytes) -> None:
    """Called by an authentication class: the credential's secret, for keys.

    `kind` keeps credentials of different schemes apart ("token", "receipt").
    The secret must be unguessable on its own (256 bits): it is hashed fast.
    """
    setattr(request, _IDENTITY, kind.encode() + b"\x00" + secret)


@dataclass
class _Claim:
    key: str
    identity: bytes
    caller_hash: str
    key_hash: str
    request_hash: str
    body_digest: bytes
    row_id: int | None = None
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


# --- Hashes ----------------------------------------------------------------------


def _mac(purpose: str, *parts: bytes) -> bytes:
    """HMAC-SHA256 under the purpose's own subkey of the secret key; the parts
    length-prefixed, so no two different lists hash alike."""
    mac = hmac.new(crypto.subkey(f"api.idempotency.{purpose}"), digestmod="sha256")
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.digest()


def _body_digest(request: HttpRequest) -> bytes:
    """SHA-256 of what the request carries, the same for the same request sent
    twice: the raw body, or for multipart the fields and files themselves (each
    client picks its own boundary, so the raw bytes differ between retries)."""
    digest = hashlib.sha256()
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(b"field\x00" + name.encode() + b"\x00")
                digest.update(hashlib.sha256(value.encode()).digest())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(b"file\x00" + name.encode() + b"\x00")
                digest.update((upload.name or "").encode() + b"\x00")
                content = hashlib.sha256()
                for chunk in upload.chunks():
                    content.update(chunk)
                upload.seek(0)
                digest.update(content.digest())
    else:
        digest.update(b"body\x00" + bytes(request.body))
    return digest.digest()


def _seal_key(claim: _Claim) -> bytes:
    # Derived from what only the caller holds: the credential's secret, the
    # key and the body. The database holds none of them.
    return _mac("seal", claim.identity, claim.key.encode(), claim.body_digest)


# --- The claim -------------------------------------------------------------------


def _key_checked(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if len(key) > KEY_MAX_LENGTH:
        reason = _("Es demasiado larga (máximo %(n)s caracteres).") % {
            "n": KEY_MAX_LENGTH
        }
    elif not KEY_PATTERN.fullmatch(key):
        reason = _(
            "Debe tener de 1 a %(n)s caracteres ASCII visibles, sin espacios "
            "(use un UUID v4)."
        ) % {"n": KEY_MAX_LENGTH}
    else:
        return key
    raise InvalidInput([{"field": HEADER, "reason": reason}])


def _claim_for(request: HttpRequest, key: str) -> _Claim:
    identity = getattr(request, _IDENTITY, None)
    if identity is None:
        if getattr(request, "auth", None):
            # Authenticated by a scheme that named no secret: the header itself.
            identity = b"authorization\x00" + request.headers.get(
                "Authorization", ""
            ).encode("latin-1", "replace")
        else:
            # No credential: the key is the caller's only secret.
            identity = b"anonymous\x00" + key.encode()
    body = _body_digest(request)
    return _Claim(
        key=key,
        identity=identity,
        caller_hash=_mac("caller", identity).hex(),
        key_hash=_mac("key", key.encode()).hex(),
        request_hash=_mac(
            "request",
            request.method.encode() if request.method else b"",
            request.get_full_path().encode(),
            body,
        ).hex(),
        body_digest=body,
    )


def _refuse_existing(claim: _Claim, row: IdempotentRequest) -> HttpResponse:
    """The answer to a key already claimed: a replay, or a refusal."""
    if not hmac.compare_digest(row.request_hash, claim.request_hash):
        raise KeyReused(
            _(
                "Esta clave de idempotencia ya se usó con otra petición "
                "(otro método, ruta o cuerpo). Use una clave nueva."
            ),
            extra={
                "field": HEADER,
            },
        )
    if row.status_code is None:
        age = (timezone.now() - row.created_at).total_seconds()
        if age < IN_FLIGHT_SECONDS:
            raise KeyInFlight(
                _(
                    "Una petición con esta clave de idempotencia está en curso. "
                    "Vuelva a intentar en un momento."
                ),
                extra={"field": HEADER, "retry_after": 1},
            )
        raise KeyInFlight(
            _(
                "Una petición con esta clave de idempotencia no terminó; no se "
                "sabe si tuvo efecto. Compruébelo y use una clave nueva."
            ),
            extra={"field": HEADER},
        )
    try:
        body = crypto.unwrap(bytes(row.sealed_body or b""), key=_seal_key(claim))
    except crypto.DecryptionFailed:
        # The same caller, key and request hashes but a body that does not
        # open: the secret key changed (the hashes too, then) or the row was
        # altered. Never answer with something else's content.
        raise KeyReused(
            _("Esta clave de idempotencia no se puede usar de nuevo. Use una nueva."),
            extra={"field": HEADER},
        ) from None
    response = HttpResponse(
        body, status=row.status_code, content_type=row.content_type or None
    )
    response[REPLAYED_HEADER] = "true"
    claim.replayed = True
    return response


def _claim(claim: _Claim) -> HttpResponse | None:
    """Claim the key for this request, or the answer a claimed key gives."""
    now = timezone.now()
    rows = IdempotentRequest.objects.filter(
        caller_hash=claim.caller_hash, key_hash=claim.key_hash
    )
    # An expired claim is as good as none (the sweep may not have run yet).
    rows.filter(expires_at__lte=now).delete()
    existing = rows.first()
    if existing is not None:
        return _refuse_existing(claim, existing)
    try:
        with transaction.atomic():
            row = IdempotentRequest.objects.create(
                caller_hash=claim.caller_hash,
                key_hash=claim.key_hash,
                request_hash=claim.request_hash,
                created_at=now,
                expires_at=now + KEPT,
            )
    except IntegrityError:
        # Another request with the same key claimed it a moment ago.
        existing = rows.first()
        if existing is None:  # and is gone again: it failed
            raise KeyInFlight(
                _(
                    "Una petición con esta clave de idempotencia está en curso. "
                    "Vuelva a intentar en un momento."
                ),
                extra={"field": HEADER, "retry_after": 1},
            ) from None
        return _refuse_existing(claim, existing)
    claim.row_id = row.pk
    return None


def _release(claim: _Claim) -> None:
    if claim.row_id is not None:
        IdempotentRequest.objects.filter(pk=claim.row_id).delete()
        claim.row_id = None


def _keep(claim: _Claim, response: HttpResponseBase) -> None:
    if claim.row_id is None:
        return
    if not 200 <= response.status_code < 300 or response.streaming:
        # A failure changed nothing a retry must not repeat; a streamed answer
        # (none of the POSTs stream today) cannot be kept whole.
        _release(claim)
        return
    content = bytes(response.content)  # type: ignore[attr-defined]
    IdempotentRequest.objects.filter(pk=claim.row_id).update(
        status_code=response.status_code,
        content_type=str(response.get("Content-Type", ""))[:100],
        sealed_body=crypto.wrap(content, key=_seal_key(claim)),
    )
    claim.row_id = None


# --- The two wrappers the API puts around every operation ------------------------


def operation_wrap(run: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
    """Around an operation's whole run (authentication, validation, the view,
    the answer): for a POST with the header, keeps or releases the claim the
    view wrapper made once the answer is known."""

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST" or HEADER not in request.headers:
            return run(request, *args, **kwargs)
        setattr(request, _STATE, None)
        response = run(request, *args, **kwargs)
        claim: _Claim | None = getattr(request, _STATE, None)
        if claim is not None:
            try:
                _keep(claim, response)
            except Exception:
                # The request's own work is done and committed; a claim left
                # behind answers 409 until it expires, never a second run.
                logger.exception("idempotency.keep_failed")
        return response

    return wrapped


def reads_uploads_with(
    handlers: Callable[[HttpRequest], list[Any]],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an operation whose multipart body its own upload handlers read
    (their limits, never the disk). A key's check reads the body before the
    view does, so it installs them first."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        view.idempotency_upload_handlers = handlers  # type: ignore[attr-defined]
        return view

    return mark


def view_wrap(view: Callable[..., Any]) -> Callable[..., Any]:
    """Around the view, after authentication and validation: checks the key,
    claims it or answers as the first request did."""
    upload_handlers = getattr(view, "idempotency_upload_handlers", None)

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.method != "POST" or not hasattr(request, _STATE):
            return view(request, *args, **kwargs)
        key = _key_checked(request)
        if key is None:
            return view(request, *args, **kwargs)
        if upload_handlers is not None and not hasattr(request, "_files"):
            request.upload_handlers = upload_handlers(request)
        claim = _claim_for(request, key)
        replay = _claim(claim)
        if replay is not None:
            return replay
        setattr(request, _STATE, claim)
        try:
            return view(request, *args, **kwargs)
        except BaseException:
            _release(claim)
            raise

    return wrapped


def expired_sweep(*, now: Any = None) -> int:
    """Delete the keys kept past their 24 hours (the worker, every hour)."""
    deleted, _rows = IdempotentRequest.objects.filter(
        expires_at__lte=now or timezone.now()
    ).delete()
    return deleted
