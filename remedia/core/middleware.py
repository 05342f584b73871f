from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("remedia.request")


class SecurityHeadersMiddleware:
    """CSP and related headers on every response (Django 5.2 has no CSP of its own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.REMEDIA_CSP)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        # The request line is logged by route, status and time only: never the
        # client's address, user agent, query string or body.
        match = getattr(request, "resolver_match", None)
        logger.info(
            "http.request",
            extra={
                "method": request.method,
                "route": match.view_name if match else "",
                "status": response.status_code,
                "ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response
