"""`make bench`: Remedia's performance budgets (PRODUCT.md, Performance), measured.

Starts `remedia serve` (gunicorn) on a fresh PostgreSQL database, drives it over
loopback like real clients, and prints one table: each figure, its limit, and
the ratio of the two measured in the same run. It is a benchmark, not a test:
it never fails the build, it reports.

It runs as production does: PostgreSQL and Redis. Environment:
BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/remedia_bench,
dropped and created anew), BENCH_REDIS_URL (default redis://127.0.0.1:6379/15,
flushed), BENCH_SECONDS (intake duration, default 20), BENCH_REPORTS (reports for
the read benchmark, default 100000), BENCH_WORKERS and BENCH_THREADS (gunicorn),
BENCH_FACILITIES (registry for the search benchmark, default 100000),
BENCH_SEARCH_QUERIES (misspelt queries, default 1000), BENCH_SQLITE=0 to skip
the search benchmark on SQLite, BENCH_CASES (cases for the case-reads
benchmark, default 20000), BENCH_COURSES (courses of remediation for the
monitor-reads benchmark, default 2000), BENCH_IMPORT_ROWS (rows of the
generated list `remedia import-facilities` imports, default 100000; on SQLite
and on a PostgreSQL database of its own, BENCH_DATABASE_URL + "_import"),
BENCH_ANALYTICS_REPORTS (reports the staff dashboard is read over, default
1000000, loaded with SQL), BENCH_CHANNELS=0 to skip the provider's webhooks (bench/channels.py: SMS
conversations and phone calls, the provider stand-in on BENCH_PORT + 2),
BENCH_PARTS (which parts run, comma-separated, default all: intake, reads,
cases, remediation, analytics, facilities, channels, sqlite, import; e.g.
BENCH_PARTS=analytics measures the staff dashboard over 1,000,000 reports alone).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench import analytics as analytics_bench
from bench import cases as case_bench
from bench import channels as channel_bench
from bench import drive as drive_kit
from bench import facilities as facility_bench
from bench import facility_import
from bench import remediation as remediation_bench
from bench.drive import Latencies, Request

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8790"))
DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/remedia_bench"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
READ_REPORTS = int(os.environ.get("BENCH_REPORTS", "100000"))
FACILITIES = int(os.environ.get("BENCH_FACILITIES", "100000"))
SEARCH_QUERIES = int(os.environ.get("BENCH_SEARCH_QUERIES", "1000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
# The report both intake benchmarks post (Python clients here, wrk in reads.py).
INTAKE_BODY = json.dumps(
    {
        "language": "es",
        "categories": ["intimidation"],
        "narrative": "El supervisor amenazó a quienes apoyan al sindicato.",
        "facility_id": None,
        "facility_name": "Planta de prueba",
        "state": "MX-AGU",
        "occurred_on": None,
    }
).encode()
# Which parts run (comma-separated; default all), e.g. BENCH_PARTS=analytics
# to measure the dashboard over 1,000,000 reports alone on a quiet machine.
PARTS_ALL = (
    "intake",
    "reads",
    "cases",
    "remediation",
    "analytics",
    "facilities",
    "channels",
    "sqlite",
    "import",
)
PARTS = {
    part.strip()
    for part in os.environ.get("BENCH_PARTS", ",".join(PARTS_ALL)).split(",")
    if part.strip()
}
CORES = os.cpu_count() or 1


@dataclass
class Row:
    name: str
    value: str
    limit: str
    ratio: float | None
    note: str = ""


def _env(data_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": DB_URL,
            "REMEDIA_SECRET_KEY": "bench-" + "x" * 60,
            "REMEDIA_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "REMEDIA_DATA_DIR": data_dir,
            "REMEDIA_DEBUG": "0",
            "REMEDIA_INTAKE_MAX_PER_MINUTE": "1000000",
        }
    )
    env["REDIS_URL"] = REDIS_URL
    return env


def _fresh_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"bench: Redis is needed at {REDIS_URL}: {exc}") from None


def _remedia(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "remedia"), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"bench: `remedia {' '.join(args)}` failed")
    return out.stdout


def _fresh_database() -> None:
    url = urlparse(DB_URL)
    name = url.path.lstrip("/")
    admin = f"{url.scheme}://{url.netloc}/postgres"
    import psycopg

    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(f"bench: PostgreSQL is needed at {admin}: {exc}") from None


SETUP = r"""
import json, sys
from remedia.accounts import keys, services
from remedia.accounts.permissions import Sector
from remedia.intake.models import IntakeConfiguration, RoutingRule
org = services.organisation_create(name="Bench org", sector=Sector.CIVIL_SOCIETY)
keys.organisation_escrow_issue(organisation=org)
handler = services.user_create(username="bench", password="bench password 1234",
                               organisation=org, roles=["handler"])
RoutingRule.objects.create(organisation=org, state="")
config = IntakeConfiguration.objects.get(id=1)
config.default_organisation = org
config.save()
private = keys.user_key_unlock(user=handler, password="bench password 1234")
token, raw = services.token_issue(user=handler, name="bench", private_key=private)
print(json.dumps({"token": raw}))
"""

FILL = r"""
import os, random, sys
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from remedia.accounts.models import User, Organisation
from remedia.accounts import keys
from remedia.core import crypto
from remedia.intake.models import Report, ReportCategory, ReportRecipient, ReportKeyGrant
from remedia.intake.categories import Category
n = int(sys.argv[1])
org = Organisation.objects.get(name="Bench org")
user = User.objects.get(username="bench")
user_pub = bytes(user.key.public_key)
codes = [c.value for c in Category]
states = ["MX-AGU", "MX-PUE", "MX-CMX", "MX-JAL", "MX-GUA", "MX-TLA"]
now = timezone.now()
made = 0
while made < n:
    batch = min(2000, n - made)
    reports, cats, recips, grants = [], [], [], []
    for i in range(batch):
        pair = crypto.keypair_new()
        r = Report(channel="web", state=random.choice(states), urgent=random.random() < 0.1,
                   public_key=pair.public,
                   content=crypto.seal(b'{"narrative": "bench", "facility_name": ""}', public_key=pair.public),
                   receipt_lookup=os.urandom(32), reporter_wrapped_key=os.urandom(72))
        reports.append(r)
        cats.append(ReportCategory(report=r, code=random.choice(codes)))
        recips.append(ReportRecipient(report=r, organisation=org, purpose="labour_rights"))
        grants.append(ReportKeyGrant(report=r, user=user, recipient_public_key=user_pub,
                                     sealed_key=crypto.seal(pair.private, public_key=user_pub)))
    with transaction.atomic():
        Report.objects.bulk_create(reports)
        ReportCategory.objects.bulk_create(cats)
        ReportRecipient.objects.bulk_create(recips)
        ReportKeyGrant.objects.bulk_create(grants)
    made += batch
Report.objects.update(created_at=now - timedelta(days=1))
from django.db import connection
with connection.cursor() as c:
    c.execute("ANALYZE")
print(Report.objects.count())
"""


def _argon2_seconds(env: dict[str, str]) -> float:
    """The receipt's Argon2id at production's cost, read from production's settings
    (the bench's own environment; never the test suite's lowered cost)."""
    sys.path.insert(0, str(ROOT))
    os.environ.update(env, DJANGO_SETTINGS_MODULE="remedia.config.settings")
    import django

    django.setup()
    from remedia.core import crypto

    salt = crypto.salt_new()
    crypto.receipt_derive("0000000000000000", salt=salt)
    times = []
    for _ in range(15):
        started = time.perf_counter()
        crypto.receipt_derive(crypto.receipt_new(), salt=salt)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _drive(
    *, clients: int, seconds: float, make: Callable[[int, int], Request], expect: int
) -> Latencies:
    return drive_kit.http_loop(
        port=PORT,
        clients=clients,
        seconds=seconds,
        request=make,
        judge=lambda _asked, status, _body: status == expect,
    )


BASE_HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1"}


def _wait_ready(proc: subprocess.Popen[bytes]) -> None:
    # collectstatic runs first and takes a minute on a busy 2-core machine.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("bench: the server stopped while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            status, _ = _request(conn, "GET", "/healthz", None, BASE_HEADERS)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("bench: the server did not start")


def _worker_rss_mb(master_pid: int) -> float:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return max(sizes) if sizes else float("nan")


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="remedia-bench-")
    env = _env(data_dir)
    # The provider's account, token and API (a stand-in) for the webhooks.
    env.update(channel_bench.server_env(standin_port=PORT + 2))
    rows: list[Row] = []
    _fresh_database()
    _fresh_redis()
    _remedia(env, "migrate", "--noinput", "-v0")
    token = json.loads(_remedia(env, "shell", "-c", SETUP).strip().splitlines()[-1])[
        "token"
    ]

    hash_s = _argon2_seconds(env)
    rows.append(
        Row(
            "Argon2id receipt hash (m=19 MiB, t=2, p=1)",
            f"{hash_s * 1000:.1f} ms",
            "—",
            None,
        )
    )

    workers = os.environ.get("BENCH_WORKERS", str(max(2, CORES * 2)))
    threads = os.environ.get("BENCH_THREADS", "8")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "remedia"),
            "serve",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--threads",
            threads,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(server)
        if "intake" in PARTS:
            body = INTAKE_BODY
            headers = {**BASE_HEADERS, "Content-Type": "application/json"}

            def submit(_i: int, _n: int) -> tuple[str, str, bytes, dict[str, str]]:
                return "POST", "/api/v1/intake/reports", body, headers

            _drive(clients=8, seconds=3, make=submit, expect=201)  # warm-up
            lat = _drive(clients=32, seconds=SECONDS, make=submit, expect=201)
            rate = len(lat.samples) / SECONDS
            floor = 0.6 * CORES / hash_s
            rows.append(
                Row(
                    "Intake: submissions/s at 32 clients (PostgreSQL)",
                    f"{rate:.1f}/s",
                    f">= {floor:.1f}/s (60% x {CORES} cores / hash)",
                    rate / floor,
                )
            )
            rows.append(
                Row(
                    "Intake: p50 / p99 latency",
                    f"{lat.pct(50) * 1000:.0f} / {lat.pct(99) * 1000:.0f} ms",
                    "—",
                    None,
                )
            )
            rows.append(
                Row(
                    "Intake: p95 latency",
                    f"{lat.pct(95) * 1000:.0f} ms",
                    "< 500 ms",
                    lat.pct(95) / 0.5,
                )
            )
            rows.append(
                Row(
                    "Intake: errors",
                    f"{lat.errors} of {len(lat.samples)}",
                    "0",
                    None,
                    "ok" if lat.errors == 0 else "FAILED",
                )
            )

        if "reads" in PARTS:
            # Staff reads over a large inbox.
            subprocess.run(
                [
                    str(ROOT / ".venv" / "bin" / "remedia"),
                    "shell",
                    "-c",
                    f"import sys; sys.argv=['', '{READ_REPORTS}']\n" + FILL,
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            auth = {**BASE_HEADERS, "Authorization": f"Bearer {token}"}
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            _s, page = _request(conn, "GET", "/api/v1/reports?limit=50", None, auth)
            ids = [item["id"] for item in json.loads(page)["items"]]
            conn.close()

            def read(i: int, n: int) -> tuple[str, str, None, dict[str, str]]:
                if n % 2 == 0:
                    return (
                        "GET",
                        f"/api/v1/reports?limit=50&offset={(n * 50) % 5000}",
                        None,
                        auth,
                    )
                return "GET", f"/api/v1/reports/{ids[(i + n) % len(ids)]}", None, auth

            _drive(clients=4, seconds=2, make=read, expect=200)
            reads = _drive(clients=16, seconds=min(SECONDS, 15), make=read, expect=200)
            rows.append(
                Row(
                    f"Staff API reads p95, 16 clients, {READ_REPORTS:,} reports",
                    f"{reads.pct(95) * 1000:.0f} ms",
                    "< 100 ms",
                    reads.pct(95) / 0.1,
                    f"{len(reads.samples)} requests, {reads.errors} errors",
                )
            )
        # Cases (issue 5): 20,000 cases over the same reports, read by staff;
        # courses of remediation read by a monitor; the staff dashboard (issue
        # 18) over 1,000,000 reports (SQL load) and the public figures.
        common = {
            "remedia": str(ROOT / ".venv" / "bin" / "remedia"),
            "env": env,
            "root": str(ROOT),
            "port": PORT,
            "headers": BASE_HEADERS,
            "seconds": min(SECONDS, 15),
        }
        for part, module, extra in (
            ("cases", case_bench, {"token": token, "reports": READ_REPORTS}),
            ("remediation", remediation_bench, {}),
            ("analytics", analytics_bench, {}),
        ):
            if part in PARTS:
                rows.extend(Row(*row) for row in module.run(**common, **extra))
        if "facilities" in PARTS:
            # Facility search (issue 4) over a generated registry, misspelt queries.
            facility_bench.fill(
                str(ROOT / ".venv" / "bin" / "remedia"), env, str(ROOT), FACILITIES
            )
            for name, value, limit, ratio, note in facility_bench.search_rows(
                label="PostgreSQL",
                port=PORT,
                headers=BASE_HEADERS,
                n=FACILITIES,
                query_count=SEARCH_QUERIES,
                seconds=min(SECONDS, 15),
            ):
                rows.append(Row(name, value, limit, ratio, note))
        # The provider's webhooks (issue 8): SMS conversations and phone calls.
        if "channels" in PARTS and os.environ.get("BENCH_CHANNELS", "1") != "0":
            for name, value, limit, ratio, note in channel_bench.run(
                port=PORT,
                headers=BASE_HEADERS,
                standin_port=PORT + 2,
                seconds=min(SECONDS, 15),
            ):
                rows.append(Row(name, value, limit, ratio, note))
        rss = _worker_rss_mb(server.pid)
        rows.append(
            Row(
                "Memory: largest app worker after the run",
                f"{rss:.0f} MB",
                "< 200 MB",
                rss / 200,
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data_dir, ignore_errors=True)

    if "sqlite" in PARTS and os.environ.get("BENCH_SQLITE", "1") != "0":
        for name, value, limit, ratio, note in facility_bench.sqlite_search_rows(
            remedia=str(ROOT / ".venv" / "bin" / "remedia"),
            env=env,
            root=str(ROOT),
            port=PORT + 1,
            headers=BASE_HEADERS,
            n=FACILITIES,
            query_count=SEARCH_QUERIES,
            seconds=min(SECONDS, 15),
            workers=workers,
            threads=threads,
        ):
            rows.append(Row(name, value, limit, ratio, note))

    if "import" in PARTS:
        for name, value, limit, ratio, note in facility_import.bench_rows(
            remedia=ROOT / ".venv" / "bin" / "remedia",
            env=env,
            db_url=DB_URL,
            n=IMPORT_ROWS,
        ):
            rows.append(Row(name, value, limit, ratio, note))

    width = max(len(r.name) for r in rows)
    print(
        f"Remedia bench · {CORES} cores · PostgreSQL + Redis · gunicorn "
        f"{workers} workers x {threads} threads · {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(f"{'measure'.ljust(width)}  {'value':>22}  {'limit':<34} {'ratio':>6}  note")
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        print(
            f"{r.name.ljust(width)}  {r.value:>22}  {r.limit:<34} {ratio:>6}  {r.note}"
        )


if __name__ == "__main__":
    main()
