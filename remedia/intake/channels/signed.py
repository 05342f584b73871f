"""Only the telephony provider may call the hooks: ``X-Twilio-Signature``.

Every request to ``/hooks/twilio/...`` is checked with the twilio library's
own ``RequestValidator`` against the address the provider called: the public
``REMEDIA_BASE_URL`` plus the request's path and query (a proxy in front may
rewrite host and scheme, so the request's own host is never trusted). A
request without a valid signature, or any request while ``TWILIO_AUTH_TOKEN``
is not configured, is answered 403 before anything is read or stored, and the
caller's number is never logged.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def public_url(request: HttpRequest) -> str:
    """The address the provider signed: the configured base URL and this path."""
    return settings.REMEDIA_BASE_URL + request.get_full_path()


def signature_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature or request.method != "POST":
        return False
    params = {key: request.POST.get(key, "") for key in request.POST}
    return bool(
        RequestValidator(token).validate(public_url(request), params, signature)
    )


def twilio_signed(view: View) -> View:
    """Refuse (403) what the provider did not sign; CSRF does not apply here."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not signature_valid(request):
            logger.warning("hooks.signature_refused", extra={"path": request.path})
            return HttpResponseForbidden(b"", content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapped
