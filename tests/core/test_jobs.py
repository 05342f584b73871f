"""`remedia worker` runs queued jobs, from SQLite storage by default and from Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment

ENQUEUE = (
    "from remedia.core.tasks import audit_chain_check_now\n"
    "result = audit_chain_check_now()\n"
    "print('job result:', result.get(blocking=True, timeout=60))\n"
)


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _run_job_through_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    worker = subprocess.Popen(
        [str(REMEDIA), "worker", "--workers", "1"],
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(1.5)
        return subprocess.run(
            [str(REMEDIA), "shell", "-c", ENQUEUE],
            env=env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_worker_runs_a_queued_job_from_the_default_sqlite_storage(cli_data_dir):
    # Given a worker on the embedded default (jobs in DATA_DIR/jobs.sqlite3)
    env = cli_environment(cli_data_dir)
    # When another process queues a job and waits for its result
    done = _run_job_through_worker(env)
    # Then the worker ran it (the audit chain of a fresh install is intact)
    assert done.returncode == 0, done.stderr
    assert "job result: True" in done.stdout
    assert (cli_data_dir / "jobs.sqlite3").exists()


def test_worker_runs_a_queued_job_from_redis(cli_data_dir):
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is required under CI at 127.0.0.1:6379")
        pytest.skip("no Redis server at 127.0.0.1:6379 on this machine")
    import redis

    redis.Redis.from_url("redis://127.0.0.1:6379/14").flushdb()
    (cli_data_dir / "jobs.sqlite3").unlink(missing_ok=True)
    # Given REDIS_URL, jobs go through Redis instead of the SQLite file
    env = cli_environment(cli_data_dir, REDIS_URL="redis://127.0.0.1:6379/14")
    done = _run_job_through_worker(env)
    assert done.returncode == 0, done.stderr
    assert "job result: True" in done.stdout
    assert not (cli_data_dir / "jobs.sqlite3").exists()
