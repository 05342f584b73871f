"""kill -9 under load: nothing acknowledged is lost, every queued job runs once.

A real `remedia serve` (gunicorn, three workers) and a real `remedia worker`
(huey) run on a database of their own while clients submit reports through
the API. Mid-load, two of gunicorn's workers and the job worker are killed
with SIGKILL; gunicorn starts new workers by itself, the job worker is started
again by the test (as systemd would). Asserted afterwards:

- the only client errors are connections dropped by the kill, at most one per
  client (the request it had in flight); every other answer is 201;
- every receipt answered 201 opens its report (``GET /api/v1/intake/me``);
- a report exists without its 201 only for those dropped requests;
- no report is half written: each has its categories, its recipient and its
  key grants (SQL);
- the jobs queued before, during and after the kill ran exactly once: each
  report acknowledged has one "new report" notification per handler, a
  facility import queued while the job worker was down ran once, and no
  job's record is left queued or running.

On PostgreSQL with Redis (the production set-up), the jobs in flight when the
job worker dies are made certain: the test holds a lock on the notifications
table, so the worker's threads are inside their jobs (taken off Redis, whose
queue no longer has them) when it is killed. Their records, left "running" by
a process that is gone, are queued again when `remedia worker` starts; the
notifications' keys make the repeat harmless. On SQLite (its queue in a file
beside the database) the same load and kills run without the lock.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.test_database_outage import _free_port, _get, _submit
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment

HANDLERS = ("hector", "hilda")
CLIENTS = 6
APP_WORKERS = 3
KILLED_APP_WORKERS = 2
IMPORT_ROWS = 40
PASSWORD = "una-contraseña-larga-de-prueba-2026"
CONFIGURE = f"""
from remedia.accounts.services import organisation_create, user_create
from remedia.intake.models import IntakeConfiguration
org = organisation_create(name="Centro de atención", sector="civil_society")
IntakeConfiguration.objects.update_or_create(
    pk=1, defaults={{"default_organisation": org}}
)
for name in {HANDLERS!r}:
    user_create(username=name, password={PASSWORD!r}, organisation=org, roles=["handler"])
"""
# Queued while the job worker is down, from a process of its own (as the
# staff page's upload would): the import's record and its job.
QUEUE_IMPORT = f"""
import csv, io
from remedia.facilities import services, tasks
out = io.StringIO(newline="")
writer = csv.writer(out)
writer.writerow(["name", "state", "municipality", "workers"])
towns = ["Puebla", "Tehuacán", "Atlixco", "Cholula", "Huejotzingo"]
for i in range({IMPORT_ROWS}):
    writer.writerow([f"Planta {{i:03d}} {{'xyzw'[i % 4] * (i % 7 + 1)}}", "MX-PUE",
                     towns[i % 5], 10 + i])
imported = services.facility_import_queue(
    data=out.getvalue().encode(), file_name="crash.csv", dry_run=False, created_by=None
)
tasks.facility_import_job(str(imported.pk), None, "es")
print("import", imported.pk)
"""


@dataclass
class Backend:
    """Where the served instance keeps its data, and how the test reads it."""

    name: str
    env: dict[str, str]
    sql: Callable[[str], list[tuple[Any, ...]]]
    # Held while the job worker is killed: its jobs wait inside, mid-run.
    jobs_blocked: Callable[[], AbstractContextManager[Any]]


def _required(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI (the crash test)")
    pytest.skip(f"{what} is not available here: the crash test does not run")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A database of its own on the suite's PostgreSQL server, dropped after."""
    try:
        import psycopg

        admin = psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres",
            autocommit=True,
            connect_timeout=5,
        )
    except Exception as exc:  # noqa: BLE001 (any failure means: no server here)
        _required(f"PostgreSQL on 127.0.0.1:5432 ({type(exc).__name__})")
    name = f"remedia_crash_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgres://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Each pass of the suite crashes its own database: the SQLite pass (`make
# test`) on SQLite, the PostgreSQL pass (DATABASE_URL set) on PostgreSQL with
# Redis. Both together would double a test whose set-up is most of its time.
_SUITE_ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


@pytest.fixture(params=["postgresql"] if _SUITE_ON_POSTGRES else ["sqlite"])
def backend(request, tmp_path) -> Backend:
    data_dir = tmp_path / "crash-var"
    data_dir.mkdir()
    if request.param == "sqlite":
        env = cli_environment(data_dir, REMEDIA_INTAKE_MAX_PER_MINUTE="100000")

        def sql_sqlite(query: str) -> list[tuple[Any, ...]]:
            with sqlite3.connect(data_dir / "remedia.sqlite3", timeout=30) as db:
                return list(db.execute(query))

        return Backend("sqlite", env, sql_sqlite, nullcontext)

    import psycopg

    url = request.getfixturevalue("postgres_database")
    redis_server = request.getfixturevalue("private_redis")
    env = cli_environment(
        data_dir,
        DATABASE_URL=url,
        REDIS_URL=redis_server.url,
        REMEDIA_INTAKE_MAX_PER_MINUTE="100000",
    )
    conninfo = url.replace("postgres://", "postgresql://", 1)

    def sql_postgres(query: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(conninfo, autocommit=True) as db:
            return list(db.execute(query).fetchall())

    class NotificationsLocked:
        def __enter__(self) -> None:
            self.db = psycopg.connect(conninfo)
            self.db.execute("LOCK TABLE cases_notification IN EXCLUSIVE MODE")

        def __exit__(self, *exc: object) -> None:
            self.db.rollback()
            self.db.close()

    return Backend("postgresql", env, sql_postgres, NotificationsLocked)


@dataclass
class Load:
    receipts: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _clients(base: str, load: Load, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status, _headers, body = _submit(base)
        except OSError as exc:  # the connection a killed worker held
            with load.lock:
                load.dropped.append(repr(exc))
            continue
        with load.lock:
            if status == 201:
                load.receipts.append(json.loads(body)["receipt"])
            else:
                load.refused.append(f"{status}: {body[:200]!r}")


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _run(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [str(REMEDIA), *argv],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _start(env: dict[str, str], log: Path, *argv: str) -> subprocess.Popen[bytes]:
    # A file, not a pipe: an unread pipe fills up and blocks the process.
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(REMEDIA), *argv],
            env=env, cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _wait_for(
    what: str,
    done: Callable[[], bool],
    seconds: float,
    explain: Callable[[], str] = lambda: "",
) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.2)


def _jobs_explained(
    sql: Callable[[str], list[tuple[Any, ...]]], worker_log: Path, receipts: int
) -> str:
    """What the job records say when the jobs do not end (for the failure)."""
    rows = sql(
        "SELECT name, state, attempts, count(*) FROM core_jobrecord"
        " GROUP BY name, state, attempts ORDER BY name, state"
    )
    lines = [f"{receipts} receipts; job records (name, state, attempts, count):"]
    lines += [f"  {row}" for row in rows]
    lines.append("worker log (end):")
    lines.append(worker_log.read_text(errors="replace")[-3000:])
    return "\n".join(lines)


def _served(base: str) -> bool:
    try:
        return _get(base, "/healthz")[0] == 200
    except OSError:
        return False


_STARTED = [0.0]


def _phase(name: str) -> None:
    """Where the time goes (shown when the test fails)."""
    print(f"{time.monotonic() - _STARTED[0]:6.1f}s {name}")  # noqa: T201


def _me(base: str, receipt: str) -> int:
    return _get(base, "/api/v1/intake/me", Authorization=f"Receipt {receipt}")[0]


def test_kill_9_under_load_loses_nothing_acknowledged_and_runs_jobs_once(
    backend, tmp_path
):
    env = backend.env
    env.update(
        REMEDIA_DEBUG="0",
        REMEDIA_SECRET_KEY="crash-test-" + "k" * 50,
        REMEDIA_ALLOWED_HOSTS="127.0.0.1",
        REMEDIA_LOG_LEVEL="WARNING",
    )
    sql = backend.sql
    _STARTED[0] = time.monotonic()
    _run(env, "migrate", "--noinput")
    _phase("migrated")
    _run(env, "shell", "-c", CONFIGURE)
    _phase("configured")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log, worker_log = tmp_path / "serve.log", tmp_path / "worker.log"
    server = _start(
        env, serve_log, "serve", "--no-collectstatic", "--workers", str(APP_WORKERS),
        "--threads", "2", "--bind", f"127.0.0.1:{port}",
    )  # fmt: skip
    worker = _start(env, worker_log, "worker", "--workers", "2")
    importer: subprocess.Popen[bytes] | None = None
    load, stop = Load(), threading.Event()
    clients = [
        threading.Thread(target=_clients, args=(base, load, stop), daemon=True)
        for _ in range(CLIENTS)
    ]
    try:
        _wait_for("remedia serve", lambda: _served(base), 90)
        _phase("served")
        for client in clients:
            client.start()
        _wait_for("reports under load", lambda: len(load.receipts) >= 10, 60)
        _phase(f"under load: {len(load.receipts)} reports")

        # The kill: the job worker inside its jobs (on PostgreSQL, certainly:
        # they wait on the locked notifications table), and two app workers.
        with backend.jobs_blocked():
            if backend.name == "postgresql":
                _wait_for(
                    "the job worker inside its jobs",
                    lambda: (
                        sql(
                            "SELECT count(*) FROM core_jobrecord WHERE state = 'running'"  # noqa: S608
                            f" AND owner LIKE '%:{worker.pid}:%'"
                        )[0][0]
                        >= 2
                    ),
                    30,
                )
            app_workers = _children(server.pid)
            assert len(app_workers) == APP_WORKERS, app_workers
            for pid in app_workers[:KILLED_APP_WORKERS]:
                os.kill(pid, signal.SIGKILL)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        _phase("killed")
        in_flight_at_kill = sql(
            "SELECT count(*) FROM core_jobrecord WHERE state = 'running'"
        )[0][0]
        acknowledged_at_kill = len(load.receipts)

        # The job worker is down: jobs queue up, and an import is queued (by
        # a process of its own, meanwhile).
        import_out = tmp_path / "import.out"
        importer = _start(env, import_out, "shell", "-c", QUEUE_IMPORT)
        _wait_for(
            "gunicorn to replace its workers",
            lambda: (
                len(set(_children(server.pid)) - set(app_workers)) >= KILLED_APP_WORKERS
            ),
            60,
        )
        _wait_for(
            "reports after the kill",
            lambda: len(load.receipts) >= acknowledged_at_kill + 10,
            60,
        )
        stop.set()
        for client in clients:
            client.join(timeout=60)
        _phase(f"served again: {len(load.receipts)} reports")
        queued = import_out.read_text() if importer.wait(timeout=120) == 0 else ""
        assert "import " in queued, import_out.read_text()[-3000:]
        import_id = queued.split("import ", 1)[1].split()[0]
        _phase("import queued")

        # The job worker comes back (as systemd would start it again).
        # A job whose record was written by an app worker killed before it
        # reached the queue is found by the every-minute sweep once it is
        # QUEUED_GRACE_SECONDS old: up to about 90 seconds after the kill.
        worker = _start(env, worker_log, "worker", "--workers", "2")
        _wait_for(
            "every job to end",
            lambda: (
                sql(
                    "SELECT count(*) FROM core_jobrecord WHERE state IN ('queued', 'running')"
                )[0][0]
                == 0
                and sql(
                    "SELECT count(*) FROM core_jobrecord"
                    " WHERE name LIKE '%notify_report_routed'"
                )[0][0]
                >= len(load.receipts)
            ),
            180,
            explain=lambda: _jobs_explained(sql, worker_log, len(load.receipts)),
        )
        _phase("jobs ended")
        with ThreadPoolExecutor(max_workers=4) as pool:
            opened = list(pool.map(lambda r: _me(base, r), load.receipts))
        _phase(f"{len(opened)} receipts opened")
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=60)
        for process in (importer, worker, server):
            if process is not None:
                _stop(process)
        _phase("stopped")

    # Then the only client errors are the requests the killed workers held
    assert load.refused == []
    assert len(load.dropped) <= CLIENTS, load.dropped
    # ...every acknowledged report opens with its receipt
    assert opened == [200] * len(load.receipts)
    # ...a report exists without its 201 only for a dropped request
    reports = [
        str(uuid.UUID(str(row[0]))) for row in sql("SELECT id FROM intake_report")
    ]
    assert len(load.receipts) <= len(reports) <= len(load.receipts) + len(load.dropped)
    # ...and none is half written
    for table, least in (
        ("intake_reportcategory", 1),
        ("intake_reportrecipient", 1),
        ("intake_reportkeygrant", len(HANDLERS)),
    ):
        counts = {
            str(uuid.UUID(str(report))): count
            for report, count in sql(
                f"SELECT report_id, count(*) FROM {table} GROUP BY report_id"  # noqa: S608
            )
        }
        short = [r for r in reports if counts.get(r, 0) < least]
        assert short == [], (table, len(short))

    # Then every job ran once: one notification per handler for each report
    told = dict(
        sql(
            "SELECT key, count(*) FROM cases_notification"
            " WHERE kind = 'report_routed' GROUP BY key"
        )
    )
    untold = [r for r in reports if told.get(r, 0) != len(HANDLERS)]
    # A report whose request was dropped between its commit and the queuing
    # of its job may have no notification (never more than the drops).
    assert len(untold) <= len(reports) - len(load.receipts), untold
    assert all(told.get(r, 0) == 0 for r in untold)
    assert sum(told.values()) == len(HANDLERS) * (len(reports) - len(untold))
    # ...the import queued while the worker was down ran, once
    key = import_id if backend.name == "postgresql" else uuid.UUID(import_id).hex
    status, attempts = sql(
        f"SELECT status, attempts FROM facilities_facilityimport WHERE id = '{key}'"  # noqa: S608
    )[0]
    assert (status, attempts) == ("done", 1)
    # ...and no job is left behind, none failed
    states = dict(sql("SELECT state, count(*) FROM core_jobrecord GROUP BY state"))
    assert set(states) == {"done"}, states
    if backend.name == "postgresql":
        # The jobs killed mid-run were run again (a second attempt), and said so.
        assert in_flight_at_kill >= 2
        rerun = sql("SELECT count(*) FROM core_jobrecord WHERE attempts > 1")[0][0]
        assert rerun >= 2
        assert "jobs.recovered" in worker_log.read_text(errors="replace")
    serve_text = serve_log.read_text(errors="replace")
    assert '"status": 500' not in serve_text
    for receipt in load.receipts[:20]:
        assert receipt not in serve_text
