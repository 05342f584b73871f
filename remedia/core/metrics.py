"""Prometheus metrics for operators, and what `/readyz` checks.

What is measured names routes, methods, status classes, channels and queue
sizes only: never a path with an id, an address, a user, a receipt or anything
that could tell one worker from another (docs/security.md). ``/metrics`` is
served only with ``REMEDIA_METRICS_TOKEN`` (as a bearer token); without that
setting it does not exist.

Under `remedia serve` (several gunicorn processes) prometheus_client's
multiprocess mode keeps each process's numbers in files under
``PROMETHEUS_MULTIPROC_DIR`` (``DATA_DIR/metrics``, emptied when the server
starts) and the scrape adds them up; in a single process (tests, ``runserver``)
the default registry answers.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HEARTBEAT_KEY = "remedia:worker-heartbeat"

REQUESTS = Counter(
    "remedia_http_requests",
    "HTTP requests answered, by route name, method and status class.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "remedia_http_request_duration_seconds",
    "Time to answer, by route name.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
INTAKE = Counter(
    "remedia_intake_reports",
    "Reports received, by channel.",
    ["channel"],
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def request_observed(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request (the route's name, never its path)."""
    route = route or "unmatched"
    REQUESTS.labels(
        route=route,
        method=method if method in _METHODS else "OTHER",
        status=f"{status // 100}xx",
    ).inc()
    LATENCY.labels(route=route).observe(seconds)


def intake_counted(channel: str) -> None:
    INTAKE.labels(channel=channel).inc()


def heartbeat_write() -> None:
    """The job worker says it is alive (a periodic job, every minute)."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=None)


def heartbeat_age() -> float | None:
    """Seconds since the job worker last said it was alive; None: never."""
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception:  # the cache is down: readiness says so on its own
        return None
    return None if last is None else max(0.0, time.time() - float(last))


def jobs_pending() -> int | None:
    """Jobs queued and not yet taken; None when the queue cannot be asked."""
    from huey.contrib.djhuey import HUEY

    try:
        return int(HUEY.pending_count())
    except Exception:  # the queue's store is down
        return None


class _QueueCollector(Collector):
    """The queue's length and the worker's silence, read at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = jobs_pending()
        if pending is not None:
            yield GaugeMetricFamily(
                "remedia_jobs_pending", "Jobs queued and not yet taken.", value=pending
            )
        age = heartbeat_age()
        if age is not None:
            yield GaugeMetricFamily(
                "remedia_worker_heartbeat_age_seconds",
                "Seconds since the job worker last said it was alive.",
                value=age,
            )


def token_valid(header: str | None) -> bool:
    expected = settings.REMEDIA_METRICS_TOKEN
    if not expected or not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[7:].encode(), expected.encode())


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type, across processes when there are several."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, INTAKE):
            registry.register(collector)
    registry.register(_QueueCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether this process should get traffic: database, cache and job queue.

    Each check says ``ok``, ``down``, (the cache) ``fallback`` while Redis is
    down and the database carries it, or (the queue) ``backlog``, or
    ``deferred`` while jobs are kept in the database for later; no number is
    given, since the endpoint is public and a queue's length tells how busy
    the intake is.
    """
    from django.db import connection

    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "down"
    try:
        probe = f"remedia:ready:{os.getpid()}"
        cache.set(probe, 1, timeout=10)
        checks["cache"] = "ok" if cache.get(probe) == 1 else "down"
        reachable = getattr(cache, "redis_reachable", None)
        if checks["cache"] == "ok" and reachable is not None and not reachable():
            # Redis is down and the database carries the cache: serving goes on.
            checks["cache"] = "fallback"
    except Exception:
        checks["cache"] = "down"
    pending = jobs_pending()
    if pending is None:
        # A queue that keeps jobs in the database while its store is down
        # (core.jobqueue) loses nothing: serving goes on.
        from huey.contrib.djhuey import HUEY

        deferring = hasattr(HUEY, "requeue_deferred")
        checks["queue"] = "deferred" if deferring else "down"
    elif pending > settings.REMEDIA_READY_MAX_BACKLOG:
        checks["queue"] = "backlog"
    else:
        checks["queue"] = "ok"
    # A Redis outage is every instance's at once: taking them all out of the
    # load balancer would stop intake, so "fallback" and "deferred" stay ready.
    ready = (
        checks["database"] == "ok"
        and checks["cache"] in ("ok", "fallback")
        and checks["queue"] in ("ok", "deferred")
    )
    return ready, checks
