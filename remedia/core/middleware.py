from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from remedia.core import metrics

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
        route = match.view_name if match else ""
        seconds = time.monotonic() - started
        logger.info(
            "http.request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "ms": round(seconds * 1000, 1),
            },
        )
        metrics.request_observed(
            route=route,
            method=request.method or "",
            status=response.status_code,
            seconds=seconds,
        )
        return response
