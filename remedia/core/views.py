from __future__ import annotations

import sys

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from remedia.core import metrics
from remedia.core.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS


@require_GET
def start_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/start.html")


@require_GET
def favicon_view(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says:
    send them to the icon (hashed name in production, so cached for good)."""
    return HttpResponsePermanentRedirect(static("remedia/icon.svg"))


@require_GET
def health_view(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. It asks nothing else, so a database
    outage never gets a healthy process restarted (``/readyz`` says that)."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready_view(request: HttpRequest) -> HttpResponse:
    """Readiness for the load balancer: database, cache and job queue."""
    ready, checks = metrics.readiness()
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
    if not ready:
        response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for a scraper holding ``REMEDIA_METRICS_TOKEN``.

    Without the setting, or with a wrong token, the answer is the same 404 as
    any unknown address: the endpoint does not show that it exists.
    """
    if not metrics.token_valid(request.headers.get("Authorization")):
        raise Http404
    body, content_type = metrics.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "core/error.html", {"status": status}, status=status)


def bad_request_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 400)


def forbidden_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 403)


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403)


def not_found_view(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error(request, 404)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After while the database is out: JSON for the API and the
    channels' hooks, a short page in the visitor's language for the rest.

    The page is rendered without the request's context processors: they read
    the session and the user, which live in the database.
    """
    message = _(
        "El servicio no está disponible por un momento. No se guardó nada a "
        "medias: intente de nuevo en un minuto."
    )
    if request.path.startswith(("/api/", "/hooks/")):
        response: HttpResponse = JsonResponse(
            {"detail": message, "retry_after": RETRY_AFTER_SECONDS}, status=503
        )
    else:
        response = HttpResponse(
            render_to_string("core/unavailable.html", {"message": message}),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error_view(request: HttpRequest) -> HttpResponse:
    # Django calls this while it handles the exception: sys.exc_info() holds it.
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return unavailable_response(request)
    return _error(request, 500)
