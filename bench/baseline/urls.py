"""The floor's two reads: a constant, and a page of 50 rows of 100,000 with the count."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path

TABLE = "bench_baseline_row"


def constant(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def page(request: HttpRequest) -> JsonResponse:
    try:
        offset = max(0, min(int(request.GET.get("offset", "0")), 99_950))
    except ValueError:
        offset = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
        total = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT id, name, state, created_at FROM {TABLE} "  # noqa: S608
            "ORDER BY created_at DESC, id LIMIT 50 OFFSET %s",
            [offset],
        )
        rows = cursor.fetchall()
    items = [
        {"id": r[0], "name": r[1], "state": r[2], "created_at": r[3].isoformat()}
        for r in rows
    ]
    return JsonResponse({"count": total, "items": items})


urlpatterns = [path("constant", constant), path("page", page)]
