"""What each read of bench/reads.py costs inside Django (issue 21).

Run in the bench database after the set-up (bench/reads.py does it):
`remedia shell -c "import bench.profile_pages as p; p.main(PLAN)"` with PLAN a
JSON list of `[name, path or paths, headers]`. Each read is requested through
Django's test client (no network, no gunicorn), `BENCH_PROFILE_REQUESTS` times
(20), and gets one line: the median and fastest time, the queries, and the
Python function calls of one request counted by cProfile. The timings are as
noisy as the machine; the calls are not (the same page, the same data, the
same count), so a change that makes a page cheaper or dearer shows in them on
any machine. `BENCH_PROFILE=<part of a name>` prints cProfile's table of the
reads that match (`BENCH_PROFILE_SORT`, `BENCH_PROFILE_TOP`).
Prints one JSON line, BENCH-PAGES.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import time
from typing import Any

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "20"))
PROFILE = os.environ.get("BENCH_PROFILE", "")


def _client(headers: dict[str, str]) -> Any:
    from django.test import Client

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    cookie = headers.get("Cookie", "")
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    return client, {k: v for k, v in headers.items() if k == "Authorization"}


def keep_sessions_alive(plan: list[tuple[str, list[str], dict[str, str]]]) -> None:
    """Push on the idle end of the sessions the plan's cookies name.

    The data a reads bench kept (`BENCH_KEEP=1`) outlives its sessions' thirty
    idle minutes; without this, a page read after a pause answers 302 (the
    login page). Only the bench's own database is touched, and the absolute
    end of a session (`REMEDIA_SESSION_MAX_AGE`) still holds.
    """
    import datetime as dt

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    keys = [
        headers["Cookie"].partition("=")[2]
        for _, _, headers in plan
        if headers.get("Cookie", "").startswith(f"{settings.SESSION_COOKIE_NAME}=")
    ]
    if keys:
        Session.objects.filter(session_key__in=keys).update(
            expire_date=timezone.now()
            + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
        )


def _one(name: str, paths: list[str], headers: dict[str, str]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, extra = _client(headers)
    first = client.get(paths[0], headers=extra)  # warm: templates, caches
    if first.status_code != 200:
        return {"name": name, "error": first.status_code}
    times: list[float] = []
    queries: list[int] = []
    profile = cProfile.Profile() if PROFILE and PROFILE in name else None
    for index in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            if profile:
                profile.enable()
            response = client.get(paths[index % len(paths)], headers=extra)
            if profile:
                profile.disable()
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
        queries.append(len(captured.captured_queries))
    counter = cProfile.Profile()
    counter.enable()
    client.get(paths[0], headers=extra)
    counter.disable()
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(
            os.environ.get("BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(int(os.environ.get("BENCH_PROFILE_TOP", "40")))
        print(f"--- cProfile of {name} ({REQUESTS} requests)\n{out.getvalue()}")
    return {
        "name": name,
        "median_ms": statistics.median(times) * 1000,
        "fastest_ms": min(times) * 1000,
        "queries": statistics.median(queries),
        "calls": pstats.Stats(counter).total_calls,  # type: ignore[attr-defined]
        "bytes": len(response.content),
    }


def main(plan: list[tuple[str, list[str], dict[str, str]]]) -> list[dict[str, Any]]:
    keep_sessions_alive(plan)
    rows = [_one(name, paths, headers) for name, paths, headers in plan]
    print("BENCH-PAGES " + json.dumps(rows))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The lines bench/reads.py prints."""
    lines = [
        f"{'read (in-process, Django test client)':<58} {'median':>7} "
        f"{'fastest':>7} {'queries':>7} {'calls':>8}   (ms; calls = Python "
        "function calls of one request)"
    ]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['name']:<58} answered {row['error']}")
            continue
        lines.append(
            f"{row['name']:<58} {row['median_ms']:>7.1f} {row['fastest_ms']:>7.1f} "
            f"{row['queries']:>7.0f} {row['calls']:>8}"
        )
    return "\n".join(lines)
