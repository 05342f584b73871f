"""`make bench` (reads): staff reads measured with `wrk` against a bare-Django floor.

The Python-thread driver of bench/__main__.py shares the two cores with the
server, so its latencies mix the client's cost into the server's. Here `wrk`
(C, Debian package `wrk`) drives the reads: 2 threads, 16 connections, 12 s
each, `--latency`, and bench/wrk.lua's `done` prints p50/p90/p95/p99. In the
same run, under the same gunicorn settings (gthread, BENCH_WORKERS x
BENCH_THREADS), a bare Django app (bench/baseline) serves a 50-row JSON page of
a 100,000-row table plus its count(*): each Remedia read is printed with its
req/s, p50/p95/p99, its req/s as a ratio of that floor and its verdict against
issue 21's line. The machine is noisy: compare only within one run. The reads
cover reports, cases, triage, courses of remediation (bench/remediation.py's
2,000 courses, read by their monitor), staff petitions (bench/petitions.py's
2,000) and facilities, and the staff pages handlers live in.

Audited detail reads run at 16 and 64 connections: with the audit chain sealed
by the worker (issue 21.3) the 64-connection throughput should be >= 1.5 x the
16-connection one. `remedia audit-verify` runs after the reads, and must pass.

Environment: as bench/__main__.py (BENCH_DATABASE_URL dropped and created
anew, BENCH_REDIS_URL, BENCH_REPORTS, BENCH_CASES, BENCH_WORKERS,
BENCH_THREADS, BENCH_PORT), plus BENCH_WRK_SECONDS (default 12) and
BENCH_WRK_CONNECTIONS (default 16). Run: `python -m bench.reads`.
BENCH_KEEP=1 keeps the data directory and writes every Remedia read's plan to
it (all-reads-plan.json, whatever BENCH_READS_ONLY says) and the environment
to use it (env.json): with the database and Redis left as the run left them,
`bench/profile_pages.py` can be run again and again on the same data.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import cases as case_bench
from bench import petitions as petition_bench
from bench import profile_pages
from bench import remediation as remediation_bench

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8790"))
BASE_PORT = PORT + 5
SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "12"))
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "16"))
REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
CASES = int(os.environ.get("BENCH_CASES", "20000"))
COURSES = int(os.environ.get("BENCH_COURSES", "2000"))
PETITIONS = int(os.environ.get("BENCH_PETITIONS", "2000"))
# Only the reads whose names contain one of these (comma-separated; the two
# floor rows are always measured), and then no 16/64 scaling and no intake:
# for comparing gunicorn settings quickly (docs/operations.md).
KEEP = os.environ.get("BENCH_KEEP", "") == "1"
_KEPT_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "REMEDIA_SECRET_KEY",
    "REMEDIA_ALLOWED_HOSTS",
    "REMEDIA_DATA_DIR",
    "REMEDIA_DEBUG",
)
ONLY = [part for part in os.environ.get("BENCH_READS_ONLY", "").split(",") if part]
CORES = os.cpu_count() or 1
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
LUA = ROOT / "bench" / "wrk.lua"


@dataclass(frozen=True)
class Result:
    name: str
    rps: float
    p50: float
    p90: float
    p95: float
    p99: float
    requests: int
    errors: int


_RESULT = re.compile(r"WRK-RESULT (.*)")


def wrk(
    name: str,
    *,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    connections: int = CONNECTIONS,
    seconds: int = SECONDS,
    body: bytes | None = None,
    workdir: Path,
) -> Result:
    """Run wrk over `paths` (cycled); the figures of its `done` line."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]
    paths_file = workdir / f"{slug}.paths"
    paths_file.write_text("\n".join(paths) + "\n")
    headers_file = workdir / f"{slug}.headers"
    headers_file.write_text("".join(f"{k}: {v}\n" for k, v in headers.items()))
    args = [str(paths_file), str(headers_file)]
    if body is not None:
        body_file = workdir / f"{slug}.body"
        body_file.write_bytes(body)
        args.append(str(body_file))
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        *args,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = _RESULT.search(out)
    if match is None:
        raise RuntimeError(f"wrk printed no result for {name}:\n{out}")
    fields = dict(pair.split("=") for pair in match.group(1).split())
    requests = int(fields["requests"])
    duration = int(fields["duration_us"]) / 1e6
    return Result(
        name=name,
        rps=requests / duration if duration else 0.0,
        p50=int(fields["p50_us"]) / 1000,
        p90=int(fields["p90_us"]) / 1000,
        p95=int(fields["p95_us"]) / 1000,
        p99=int(fields["p99_us"]) / 1000,
        requests=requests,
        errors=int(fields["socket_errors"]) + int(fields["status_errors"]),
    )


def _baseline_table(db_url: str, rows: int = 100_000) -> None:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_baseline_row")
        conn.execute(
            "CREATE TABLE bench_baseline_row (id bigserial PRIMARY KEY, "
            "name text NOT NULL, state text NOT NULL, created_at timestamptz NOT NULL)"
        )
        conn.execute(
            "INSERT INTO bench_baseline_row (name, state, created_at) "
            "SELECT 'row ' || g, 'MX-AGU', now() - g * interval '1 minute' "
            "FROM generate_series(1, %s) AS g",
            [rows],
        )
        conn.execute(
            "CREATE INDEX bench_baseline_row_created ON bench_baseline_row "
            "(created_at DESC, id)"
        )
        conn.execute("ANALYZE bench_baseline_row")


def _serve_baseline(
    env: dict[str, str], workers: str, threads: str, log: Path
) -> subprocess.Popen[bytes]:
    # The settings `remedia serve` gives gunicorn (remedia/core/management/
    # commands/serve.py), for the bare app.
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.baseline.wsgi",
            "--bind",
            f"127.0.0.1:{BASE_PORT}",
            "--workers",
            workers,
            "--threads",
            threads,
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--max-requests",
            "5000",
            "--max-requests-jitter",
            "500",
            "--log-level",
            "warning",
        ],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=str(ROOT),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_port(port: int, proc: subprocess.Popen[bytes], path: str = "/") -> None:
    import http.client

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited ({proc.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path, headers=HEADERS)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"server on {port} never answered")


_IDS = r"""
import json, sys
sys.path.insert(0, {root!r})
from django.urls import reverse
from remedia.intake.models import ReportRecipient
from remedia.accounts.models import Organisation
org = Organisation.objects.get(name="Bench org")
reports = [str(r) for r in ReportRecipient.objects.filter(
    organisation=org).values_list("report_id", flat=True)[:500]]
from remedia.facilities.models import Facility
facilities = [str(f) for f in Facility.objects.values_list("id", flat=True)[:500]]
print("BENCH-IDS " + json.dumps({{
    "reports": reports,
    "facilities": facilities,
    "inbox": reverse("intake:inbox"),
    "triage": reverse("cases:triage"),
    "case_list": reverse("cases:list"),
    "case_page": reverse("cases:detail", args=["00000000-0000-0000-0000-000000000000"]),
}}))
"""


def _verdict(r: Result, ratio: float) -> str:
    """Issue 21's line for a read: API p95 < 100 ms and >= 0.6 x the floor's
    req/s; a staff page p95 < 150 ms; nothing for the floor and /healthz."""
    if not r.requests:
        return "NO ANSWER within the run's seconds"
    if r.name.startswith("GET /api/"):
        ok = r.p95 < 100 and ratio >= 0.6 and not r.errors
        return "ok" if ok else "OVER (p95 < 100 ms, >= 0.6 x)"
    if r.name.startswith("staff "):
        ok = r.p95 < 150 and not r.errors
        return "ok" if ok else "OVER (p95 < 150 ms)"
    return ""


def _line(r: Result, floor: float) -> str:
    ratio = r.rps / floor if floor else 0.0
    return (
        f"{r.name:<58} {r.rps:>8.0f} {r.p50:>7.1f} {r.p95:>7.1f} {r.p99:>7.1f} "
        f"{ratio:>6.2f} {r.errors:>6}  {_verdict(r, ratio)}"
    )


def _scaling_and_intake(
    *, api: dict[str, str], case_ids: list[str], report_ids: list[str], workdir: Path
) -> tuple[list[tuple[str, Result, Result]], Result]:
    """Audited detail reads at 16 and 64 connections (issue 21.3), then intake
    posted by wrk at 32 connections (issue 21.4)."""
    scaling = []
    for name, paths in (
        ("GET /api/v1/cases/{id}", [f"/api/v1/cases/{c}" for c in case_ids]),
        ("GET /api/v1/reports/{id}", [f"/api/v1/reports/{r}" for r in report_ids]),
    ):
        at = {}
        for connections in (16, 64):
            at[connections] = wrk(
                f"{name} at {connections} connections",
                port=PORT,
                paths=paths,
                headers=api,
                connections=connections,
                workdir=workdir,
            )
        scaling.append((name, at[16], at[64]))
    # Intake (issue 21.4): submissions posted by wrk at 32 connections.
    from bench.__main__ import INTAKE_BODY

    intake_headers = {**HEADERS, "Content-Type": "application/json"}
    intake_args = {
        "port": PORT,
        "paths": ["/api/v1/intake/reports"],
        "headers": intake_headers,
        "body": INTAKE_BODY,
        "workdir": workdir,
    }
    wrk("intake warm-up", connections=8, seconds=2, **intake_args)
    intake = wrk("POST /api/v1/intake/reports", connections=32, **intake_args)
    return scaling, intake


def _plan(
    *,
    token: str,
    loaded: dict[str, Any],
    courses: dict[str, Any],
    petitions: dict[str, Any],
    ids: dict[str, Any],
) -> list[tuple[str, int, list[str], dict[str, str]]]:
    """Every read the bench measures: a name, the port (Remedia's or the bare
    app's), the paths wrk goes round, and the headers (a token or a cookie)."""
    api = {**HEADERS, "Authorization": f"Bearer {token}"}
    cookie = loaded["cookie"]
    browser = {**HEADERS, "Cookie": f"{cookie['name']}={cookie['value']}"}
    case_ids: list[str] = loaded["case_ids"]
    report_ids: list[str] = ids["reports"]
    monitor_api = {**HEADERS, "Authorization": f"Bearer {courses['token']}"}
    monitor_cookie = courses["cookies"][0]
    monitor_browser = {
        **HEADERS,
        "Cookie": f"{monitor_cookie['name']}={monitor_cookie['value']}",
    }
    course_pages = [courses["page"].replace("{id}", c) for c in courses["course_ids"]]
    petition_pages = [petitions["page"].replace("{id}", p) for p in petitions["ids"]]
    case_pages = [
        ids["case_page"].replace("0" * 8 + "-0000-0000-0000-" + "0" * 12, c)
        for c in case_ids
    ]
    plan = [
        ("bare Django, constant JSON", BASE_PORT, ["/constant"], HEADERS),
        (
            "bare Django, 50 rows of 100k + count(*)",
            BASE_PORT,
            [f"/page?offset={k * 50}" for k in range(100)],
            HEADERS,
        ),
        ("/healthz", PORT, ["/healthz"], HEADERS),
        (
            "GET /api/v1/reports?limit=50 (pages)",
            PORT,
            [f"/api/v1/reports?limit=50&offset={k * 50}" for k in range(100)],
            api,
        ),
        (
            "GET /api/v1/reports/{id} (audited)",
            PORT,
            [f"/api/v1/reports/{r}" for r in report_ids],
            api,
        ),
        (
            "GET /api/v1/cases?limit=50 (pages)",
            PORT,
            [f"/api/v1/cases?limit=50&offset={k * 50}" for k in range(100)],
            api,
        ),
        (
            "GET /api/v1/cases/{id} (audited)",
            PORT,
            [f"/api/v1/cases/{c}" for c in case_ids],
            api,
        ),
        (
            "GET /api/v1/triage?limit=50",
            PORT,
            [f"/api/v1/triage?limit=50&offset={k * 50}" for k in range(20)],
            api,
        ),
        (
            "GET /api/v1/facilities?q= (public search)",
            PORT,
            ["/api/v1/facilities?q=planta", "/api/v1/facilities?q=textil"],
            HEADERS,
        ),
        ("staff inbox page", PORT, [ids["inbox"]], browser),
        ("staff triage page", PORT, [ids["triage"]], browser),
        (
            "staff case list page",
            PORT,
            [ids["case_list"], ids["case_list"] + "?status=active"],
            browser,
        ),
        ("staff case page (audited)", PORT, case_pages, browser),
        (
            "GET /api/v1/remediation/plans?limit=50 (pages)",
            PORT,
            [
                f"/api/v1/remediation/plans?limit=50&offset={k * 50}"
                for k in range(max(1, courses["visible"] // 50))
            ],
            monitor_api,
        ),
        (
            "GET /api/v1/remediation/plans/{id}",
            PORT,
            [f"/api/v1/remediation/plans/{c}" for c in courses["course_ids"]],
            monitor_api,
        ),
        ("staff course page", PORT, course_pages, monitor_browser),
        (
            "GET /api/v1/rrm/staff/cases?limit=50 (pages)",
            PORT,
            [
                f"/api/v1/rrm/staff/cases?limit=50&offset={k * 50}"
                for k in range(max(1, petitions["petitions"] // 50))
            ],
            api,
        ),
        (
            "GET /api/v1/rrm/staff/cases/{id}",
            PORT,
            [f"/api/v1/rrm/staff/cases/{p}" for p in petitions["ids"]],
            api,
        ),
        ("staff petition page", PORT, petition_pages, browser),
        (
            "GET /api/v1/facilities/{id}",
            PORT,
            [f"/api/v1/facilities/{f}" for f in ids["facilities"]],
            api,
        ),
    ]
    return plan


def _run_config(
    *,
    workers: str,
    threads: str,
    env: dict[str, str],
    log: Path,
    remedia: str,
    token: str,
    loaded: dict[str, Any],
    ids: dict[str, Any],
    plan: list[tuple[str, int, list[str], dict[str, str]]],
    workdir: Path,
    also_scaling: bool,
) -> tuple[list[Result], tuple[list[tuple[str, Result, Result]], Result] | None]:
    """Serve Remedia and the bare app with `workers` x `threads`, measure the
    plan's reads (and, if asked, the 16/64 scaling and intake), stop both."""
    from bench.__main__ import _wait_ready

    server = subprocess.Popen(
        [
            remedia,
            "serve",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--threads",
            threads,
        ],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    baseline = _serve_baseline(env, workers, threads, log)
    results: list[Result] = []
    try:
        _wait_ready(server)
        _wait_port(BASE_PORT, baseline, "/constant")
        for index, (name, port, paths, headers) in enumerate(plan):
            if ONLY and index >= 2 and not any(part in name for part in ONLY):
                continue
            # A short warm-up, so each worker has its connection and caches.
            wrk(
                name,
                port=port,
                paths=paths,
                headers=headers,
                seconds=2,
                workdir=workdir,
            )
            results.append(
                wrk(name, port=port, paths=paths, headers=headers, workdir=workdir)
            )
            print(f"  measured {name}", flush=True)
        extra = None
        if also_scaling:
            extra = _scaling_and_intake(
                api={**HEADERS, "Authorization": f"Bearer {token}"},
                case_ids=loaded["case_ids"],
                report_ids=ids["reports"],
                workdir=workdir,
            )
    finally:
        for proc in (server, baseline):
            proc.send_signal(signal.SIGTERM)
        for proc in (server, baseline):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    return results, extra


def main() -> None:
    from bench.__main__ import (
        DB_URL,
        SETUP,
        _argon2_seconds,
        _env,
        _fresh_database,
        _fresh_redis,
        _remedia,
    )

    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    data_dir = tempfile.mkdtemp(prefix="remedia-bench-reads-")
    workdir = Path(data_dir) / "wrk"
    workdir.mkdir()
    env = _env(data_dir)
    workers = os.environ.get("BENCH_WORKERS", str(max(2, CORES * 2)))
    threads = os.environ.get("BENCH_THREADS", "1")
    remedia = str(ROOT / ".venv" / "bin" / "remedia")
    started = time.monotonic()
    _fresh_database()
    _fresh_redis()
    _remedia(env, "migrate", "--noinput", "-v0")
    token = json.loads(_remedia(env, "shell", "-c", SETUP).strip().splitlines()[-1])[
        "token"
    ]
    loaded = case_bench.fill(
        remedia=remedia, env=env, root=str(ROOT), cases=CASES, reports=REPORTS
    )
    courses = remediation_bench.fill(
        remedia=remedia, env=env, root=str(ROOT), courses=COURSES
    )
    petitions = petition_bench.fill(
        remedia=remedia, env=env, root=str(ROOT), petitions=PETITIONS
    )
    ids = json.loads(
        _remedia(env, "shell", "-c", _IDS.format(root=str(ROOT)))
        .split("BENCH-IDS ", 1)[1]
        .strip()
    )
    _baseline_table(DB_URL)
    profile_script = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import bench.profile_case as p\n"
        f"p.main({token!r}, {loaded['case_ids'][:200]!r})\n"
    )
    profile = json.loads(
        _remedia(env, "shell", "-c", profile_script)
        .split("BENCH-PROFILE ", 1)[1]
        .strip()
    )
    plan = _plan(
        token=token, loaded=loaded, courses=courses, petitions=petitions, ids=ids
    )
    # Each Remedia read once more, in-process: its time, queries and calls.
    pages_plan = [
        (name, paths, headers)
        for name, port, paths, headers in plan
        if port == PORT
        and name != "/healthz"
        and (not ONLY or any(part in name for part in ONLY))
    ]
    plan_file = workdir / "pages-plan.json"
    plan_file.write_text(json.dumps(pages_plan))
    if KEEP:
        (Path(data_dir) / "all-reads-plan.json").write_text(
            json.dumps(
                [
                    (name, paths, headers)
                    for name, port, paths, headers in plan
                    if port == PORT and name != "/healthz"
                ]
            )
        )
        (Path(data_dir) / "env.json").write_text(
            json.dumps({k: env[k] for k in _KEPT_ENV if k in env})
        )
    pages_script = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "import bench.profile_pages as p\n"
        f"p.main(json.load(open({str(plan_file)!r})))\n"
    )
    # The pages link their stylesheet through the static manifest, which
    # `remedia serve` writes when it starts; in-process it must exist first.
    _remedia(env, "collectstatic", "--noinput", "-v0")
    pages_out = _remedia(env, "shell", "-c", pages_script)
    pages = json.loads(pages_out.split("BENCH-PAGES ", 1)[1].strip())
    if "--- cProfile" in pages_out:
        print(pages_out.split("BENCH-PAGES ", 1)[0], flush=True)
    print(
        f"set-up: {loaded['reports']:,} reports, {loaded['cases']:,} cases, "
        f"{courses['courses']:,} courses, {petitions['petitions']:,} petitions in "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    log = Path(data_dir) / "servers.log"
    configs = [
        tuple(part.strip().split("x", 1))
        for part in os.environ.get(
            "BENCH_SERVER_CONFIGS", f"{workers}x{threads}"
        ).split(",")
        if part.strip()
    ]
    runs: list[tuple[str, str, list[Result]]] = []
    scaling: list[tuple[str, Result, Result]] = []
    intake: Result | None = None
    for config_index, (workers, threads) in enumerate(configs):
        print(f"gunicorn {workers} workers x {threads} threads:", flush=True)
        results = _run_config(
            workers=workers,
            threads=threads,
            env=env,
            log=log,
            remedia=remedia,
            token=token,
            loaded=loaded,
            ids=ids,
            plan=plan,
            workdir=workdir,
            also_scaling=config_index == 0 and not ONLY,
        )
        runs.append((workers, threads, results[0]))
        if results[1] is not None:
            scaling, intake = results[1]
    hash_s = _argon2_seconds(env)
    verify = subprocess.run(
        [remedia, "audit-verify"], env=env, capture_output=True, text=True
    )
    for workers, threads, results in runs:
        floor = results[1].rps
        print(
            f"Remedia reads with wrk · {CORES} cores · PostgreSQL · gunicorn "
            f"{workers} workers x {threads} threads (both apps) · {CONNECTIONS} "
            f"connections, {SECONDS} s · {time.strftime('%Y-%m-%d %H:%M')}"
        )
        print(
            f"{'read':<58} {'req/s':>8} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'x base':>6} {'errors':>6}   (ms; x base = req/s / bare Django 50 rows)"
        )
        for r in results:
            print(_line(r, floor))
    if scaling:
        print("Audited detail reads, 16 vs 64 connections (want >= 1.5x):")
    for name, low, high in scaling:
        print(
            f"  {name:<30} {low.rps:>7.0f} req/s (p95 {low.p95:.0f} ms) -> "
            f"{high.rps:>7.0f} req/s (p95 {high.p95:.0f} ms): "
            f"{high.rps / low.rps if low.rps else 0:.2f}x"
        )
    floor_intake = 0.6 * CORES / hash_s
    if intake is not None:
        print(
            f"Intake with wrk at 32 connections: {intake.rps:.1f} submissions/s "
            f"(>= {floor_intake:.1f}/s = 60% x {CORES} cores / Argon2id "
            f"{hash_s * 1000:.0f} ms: {intake.rps / floor_intake:.2f}), p50 "
            f"{intake.p50:.0f} ms, p95 {intake.p95:.0f} ms (< 500 ms), p99 "
            f"{intake.p99:.0f} ms, {intake.errors} errors of {intake.requests}"
        )
    print(
        "Profile of GET /api/v1/cases/{id} in-process (Django test client, "
        f"{profile['requests']} cases): median {profile['total_ms_median']:.1f} ms, "
        f"{profile['queries_median']:.0f} queries, decryption "
        f"{profile['decrypt_ms_per_request']:.1f} ms "
        f"({profile['decrypt_calls_per_request']:.1f} calls), audit entry "
        f"{profile['audit_ms_per_request']:.1f} ms, commits "
        f"{profile['commit_ms_per_request']:.1f} ms per request"
    )
    print(profile_pages.table(pages))
    print(
        "audit-verify after the run: "
        + (verify.stdout.strip() or verify.stderr.strip())
        + f" (exit {verify.returncode})"
    )
    if KEEP:
        print(f"kept: {data_dir} (all-reads-plan.json, env.json)")
    else:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
