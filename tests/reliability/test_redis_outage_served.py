"""Redis stops under a real `remedia serve`; `remedia worker` catches up afterwards.

The same program an operator runs, configured by REDIS_URL alone (so the
settings' own cache and queue classes are what is exercised), against a
private `redis-server` that is killed and started again; the suite's shared
Redis is never touched. While Redis is down every report sent to the API is
answered 201 with a receipt that works, `/readyz` stays 200, nothing answers
500 and the log shows no traceback and no receipt. Once Redis is back, a
`remedia worker` queues the jobs kept in the database (its every-minute job)
and runs them: each report's handler is notified, once.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.reliability.test_database_outage import (
    _free_port,
    _get,
    _submit,
)
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment

PASSWORD = "una-contraseña-larga-de-prueba-2026"
CONFIGURE = f"""
from remedia.accounts.services import organisation_create, user_create
from remedia.intake.models import IntakeConfiguration
org = organisation_create(name="Centro de atención", sector="civil_society")
IntakeConfiguration.objects.update_or_create(
    pk=1, defaults={{"default_organisation": org}}
)
user_create(username="hector", password={PASSWORD!r}, organisation=org, roles=["handler"])
"""
COUNT = """
from remedia.core.models import DeferredJob
from remedia.notifications.models import Notification
told = Notification.objects.filter(user__username="hector", kind="report_routed")
print("counts", DeferredJob.objects.count(), told.count(), told.values("key").distinct().count())
"""
OUTAGE_REPORTS = 8


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [str(REMEDIA), "shell", "-c", code],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _counts(env: dict[str, str]) -> tuple[int, int, int]:
    line = [x for x in _shell(env, COUNT).splitlines() if x.startswith("counts ")]
    _label, kept, told, distinct = line[-1].split()
    return int(kept), int(told), int(distinct)


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "remedia serve exited"
        try:
            if _get(base, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail("remedia serve did not come up")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def test_a_served_instance_takes_reports_while_redis_is_down(private_redis, tmp_path):
    data_dir = tmp_path / "redis-outage-var"
    data_dir.mkdir()
    env = cli_environment(
        data_dir,
        REDIS_URL=private_redis.url,
        REMEDIA_INTAKE_MAX_PER_MINUTE="100000",
    )
    env.update(
        REMEDIA_DEBUG="0",
        REMEDIA_SECRET_KEY="redis-outage-test-" + "k" * 50,
        REMEDIA_ALLOWED_HOSTS="127.0.0.1",
        REMEDIA_LOG_LEVEL="WARNING",
    )
    migrated = subprocess.run(
        [str(REMEDIA), "migrate", "--noinput"],
        env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    _shell(env, CONFIGURE)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                str(REMEDIA), "serve", "--no-collectstatic", "--workers", "2",
                "--threads", "2", "--bind", f"127.0.0.1:{port}",
            ],
            env=env, cwd=PROJECT_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_healthy(base, server)
            assert _submit(base)[0] == 201  # Redis up: the ordinary path

            # When Redis stops
            private_redis.stop()
            receipts: list[str] = []
            statuses: list[int] = []
            for _ in range(OUTAGE_REPORTS):
                status, _headers, body = _submit(base)
                statuses.append(status)
                if status == 201:
                    receipts.append(json.loads(body)["receipt"])
            followed = [
                _get(base, "/api/v1/intake/me", Authorization=f"Receipt {r}")[0]
                for r in receipts
            ]
            ready_status, ready_body = _get(base, "/readyz")
        finally:
            _stop(server)

    # Then every report is taken, and its receipt works
    assert statuses == [201] * OUTAGE_REPORTS
    assert followed == [200] * OUTAGE_REPORTS
    assert ready_status == 200, ready_body
    assert '"cache": "fallback"' in ready_body
    assert '"queue": "deferred"' in ready_body
    log_text = log_path.read_text(errors="replace")
    assert "Traceback" not in log_text
    assert '"status": 500' not in log_text
    assert "cache.redis_unavailable" in log_text
    assert "jobs.deferred" in log_text
    for receipt in receipts:
        assert receipt not in log_text
    kept, told, _distinct = _counts(env)
    assert kept == OUTAGE_REPORTS, "one notification job kept per report"

    # When Redis is back and the worker runs (its every-minute job requeues)
    private_redis.start()
    worker_log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(REMEDIA), "worker", "--workers", "1"],
        env=env, cwd=PROJECT_DIR, stdout=worker_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 150
        while True:
            kept, told, distinct = _counts(env)
            if kept == 0 and told >= OUTAGE_REPORTS:
                break
            assert worker.poll() is None, "remedia worker exited"
            assert time.monotonic() < deadline, (kept, told)
            time.sleep(3)
    finally:
        _stop(worker)
        worker_log.close()

    # Then the handler was told of every report taken during the outage, once each
    assert kept == 0
    assert told == distinct
    assert told >= OUTAGE_REPORTS
