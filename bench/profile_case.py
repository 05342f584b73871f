"""Where the time of `GET /api/v1/cases/{id}` goes (issue 21.2), inside Django.

Run in the bench database after the cases are loaded (bench/reads.py does it):
`remedia shell -c "import bench.profile_case as p; p.main(TOKEN, IDS)"`. For
each case, one request through Django's test client (no network, no gunicorn)
with the queries counted and three parts timed: decryption (`crypto.unseal`,
`crypto.unwrap`, `crypto.token_key`), the audit entry (`audit_record`) and the
commit of the request's transaction. Prints one JSON line, BENCH-PROFILE.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from typing import Any


def _timed(bucket: list[float], fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            bucket.append(time.perf_counter() - started)

    return wrapper


def main(token: str, case_ids: list[str]) -> dict[str, Any]:
    from unittest import mock

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from remedia.core import crypto

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    headers = {"Authorization": f"Bearer {token}"}
    decrypt: list[float] = []
    auditing: list[float] = []
    totals: list[float] = []
    queries: list[int] = []
    commits: list[float] = []
    patches = [
        mock.patch.object(crypto, "unseal", _timed(decrypt, crypto.unseal)),
        mock.patch.object(crypto, "unwrap", _timed(decrypt, crypto.unwrap)),
        mock.patch.object(crypto, "token_key", _timed(decrypt, crypto.token_key)),
    ]
    for p in patches:
        p.start()
    import remedia.cases.services.reading as reading

    patches += [
        mock.patch.object(
            reading, "audit_record", _timed(auditing, reading.audit_record)
        ),
        mock.patch.object(connection, "commit", _timed(commits, connection.commit)),
    ]
    for p in patches[3:]:
        p.start()
    try:
        client.get(f"/api/v1/cases/{case_ids[0]}", headers=headers)  # warm
        for bucket in (decrypt, auditing, commits):
            bucket.clear()
        for case_id in case_ids:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(f"/api/v1/cases/{case_id}", headers=headers)
                totals.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries.append(len(captured.captured_queries))
    finally:
        for p in patches:
            p.stop()
    n = len(case_ids)
    out = {
        "requests": n,
        "total_ms_median": statistics.median(totals) * 1000,
        "queries_median": statistics.median(queries),
        "decrypt_ms_per_request": sum(decrypt) * 1000 / n,
        "decrypt_calls_per_request": len(decrypt) / n,
        "audit_ms_per_request": sum(auditing) * 1000 / n,
        "commit_ms_per_request": sum(commits) * 1000 / n,
    }
    print("BENCH-PROFILE " + json.dumps(out))
    return out
