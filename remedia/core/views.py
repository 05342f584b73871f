from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def start_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/start.html")


@require_GET
def health_view(request: HttpRequest) -> HttpResponse:
    """For the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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


def server_error_view(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
