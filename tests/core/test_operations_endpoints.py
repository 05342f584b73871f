"""What an operator's monitoring reads: `/healthz`, `/readyz` and `/metrics`.

`/healthz` says only that the process answers; `/readyz` asks the database,
the cache and the job queue and answers 503 with Retry-After when one fails;
`/metrics` (Prometheus) exists only for a scraper holding the token, counts
requests by route name and reports by channel, and carries nothing that could
identify a worker. Under `remedia serve` with several workers, one scrape adds
every worker's numbers up.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.intake.support import submit_ok
from tests.support.cli import PROJECT_DIR, REMEDIA, cli_environment

TOKEN = "scraper-token-0123456789"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_health_is_alive_without_asking_anything_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_ready_when_database_cache_and_queue_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_not_ready_when_the_queue_has_a_backlog(client, settings):
    settings.REMEDIA_READY_MAX_BACKLOG = -1

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["checks"]["queue"] == "backlog"


@pytest.mark.django_db
def test_not_ready_when_the_cache_is_unreachable(client, settings):
    # A real Redis client against a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "cache": "down",
        "queue": "ok",
    }


@pytest.mark.django_db
def test_metrics_do_not_exist_without_the_token(client, settings):
    settings.REMEDIA_METRICS_TOKEN = None
    assert client.get("/metrics").status_code == 404
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404
    )

    settings.REMEDIA_METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong-token").status_code
        == 404
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404


def test_metrics_count_routes_and_channels_and_name_no_one(
    client, orgs, settings, django_capture_on_commit_callbacks
):
    settings.REMEDIA_METRICS_TOKEN = TOKEN
    before = _scrape(client)

    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page/")
    with django_capture_on_commit_callbacks(execute=True):
        receipt = submit_ok(client)
    client.get(f"/api/v1/reports/{receipt}/messages")
    after = _scrape(client)

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert (
        grew("remedia_http_requests_total", route="health", method="GET", status="2xx")
        == 3
    )
    # With its method: another test of this process may have sent a POST nowhere.
    assert (
        grew(
            "remedia_http_requests_total", route="unmatched", method="GET", status="4xx"
        )
        >= 1
    )
    assert grew("remedia_intake_reports_total", channel="api") == 1
    assert grew("remedia_http_request_duration_seconds_count", route="health") == 3
    assert "remedia_jobs_pending" in after
    # Routes by name only: no receipt, no id, no address, no path.
    assert receipt not in after
    assert not _UUID.search(after)
    assert "127.0.0.1" not in after
    assert "/denunciar" not in after
    assert "/api/v1" not in after


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, **headers: str) -> tuple[int, str]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_one_scrape_adds_up_every_worker_of_remedia_serve(cli_data_dir):
    # Given `remedia serve` with two worker processes
    port = _free_port()
    env = cli_environment(cli_data_dir, REMEDIA_METRICS_TOKEN=TOKEN)
    env["REMEDIA_ALLOWED_HOSTS"] = "127.0.0.1"
    env["REMEDIA_SECRET_KEY"] = "x" * 60
    log_path = cli_data_dir / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [
            str(REMEDIA),
            "serve",
            "--no-collectstatic",
            "--workers",
            "2",
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        cwd=PROJECT_DIR,
        # A file, not a pipe: an unread pipe fills up and blocks the server.
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    pytest.fail(f"remedia serve did not start: {log_path.read_text()}")
                time.sleep(0.2)
        # When many requests are answered (by both workers, in turns)
        for _ in range(40):
            assert _get(base + "/healthz")[0] == 200
        # Then one scrape counts them all, whichever worker answers it
        status, text = _get(base + "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200
        assert (
            _sample(text, "remedia_http_requests_total", route="health", status="2xx")
            >= 41
        )
        status, ready = _get(base + "/readyz")
        assert status == 200
        assert '"database": "ok"' in ready
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert (cli_data_dir / "metrics").is_dir()
