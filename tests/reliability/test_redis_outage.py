"""Redis stops, and comes back: worker intake stays available, no job is lost.

A private `redis-server` (its own port, no persistence; the suite's shared
Redis at 127.0.0.1:6379 is never touched) carries the cache
(`core.cache_failover.FailoverRedisCache`, as settings build it when
REDIS_URL is set) and the job queue (the process's own huey instance, moved
onto that Redis and out of immediate mode). The server is killed to make the
outage, and started again on the same port. In process, so that after-commit
callbacks really run (transactional database) and the queue's jobs are taken
and run here. Asserted:

- intake through the API and the web form answers 201/302 with Redis down,
  the report is stored and its receipt works; nothing answers 500;
- receipt guessing is still throttled during the outage (the database
  carries the counters);
- the notification job that could not be queued is kept in the database,
  queued when Redis returns, and its notification is there once it runs;
- `/readyz` says `fallback`/`deferred` and stays ready;
- a version counter bumped during the outage has moved in Redis once back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from unittest import mock

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from huey.storage import PriorityRedisStorage

from remedia.core.jobqueue import DeferringMixin
from remedia.core.models import DeferredJob
from remedia.core.tasks import deferred_jobs_requeue_now
from remedia.intake.models import Report
from remedia.notifications.models import Notification
from tests.intake.support import ME_URL, receipt_auth, report_form, submit
from tests.reliability.conftest import PrivateRedis

RECEIPT_IN_TEXT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


@pytest.fixture
def on_redis(private_redis, settings) -> Iterator[PrivateRedis]:
    """The cache and the job queue on the private Redis, as with REDIS_URL."""
    from huey.contrib.djhuey import HUEY

    assert isinstance(HUEY, DeferringMixin), "settings must build the deferring queue"
    settings.CACHES = {
        "default": {
            "BACKEND": "remedia.core.cache_failover.FailoverRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "remedia",
            "OPTIONS": {"FALLBACK": "fallback", "socket_connect_timeout": 1},
        },
        "fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "remedia_cache",
            "KEY_PREFIX": "remedia",
        },
    }
    saved = (HUEY.storage, HUEY._immediate)
    HUEY.storage = PriorityRedisStorage("remedia-outage", url=private_redis.url)
    HUEY._immediate = False
    try:
        yield private_redis
    finally:
        HUEY.storage, HUEY._immediate = saved


def _run_queued_jobs() -> int:
    """Run what the queue holds, here, as `remedia worker` would.

    A worker's job closes its process's stale database connections first; run
    inside this test's transaction that would close the test's own connection
    (on PostgreSQL; SQLite's in-memory one ignores it), so that one step is
    left out here.
    """
    from huey.contrib import djhuey

    ran = 0
    with mock.patch.object(djhuey, "close_old_connections", return_value=None):
        while (task := djhuey.HUEY.dequeue()) is not None:
            djhuey.HUEY.execute(task)
            ran += 1
    return ran


@pytest.fixture
def worker() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_intake_stays_available_and_its_jobs_run_once_redis_is_back(
    on_redis, worker, orgs, pue_handler, django_capture_on_commit_callbacks
):
    # Given the cache and the queue on Redis, working
    assert cache.set("probe", 1) is None
    assert cache.get("probe") == 1

    # When Redis stops
    on_redis.stop()
    started = time.monotonic()
    # (The test's transaction never commits: what a commit runs is run here.)
    with django_capture_on_commit_callbacks(execute=True) as after_api:
        api = submit(worker, state="MX-PUE")
    with django_capture_on_commit_callbacks(execute=True) as after_form:
        form = worker.post("/denunciar/", report_form(state="MX-PUE"))
    receipt = api.json().get("receipt", "")
    followup = worker.get(ME_URL, headers=receipt_auth(receipt))
    ready = worker.get("/readyz")
    during = time.monotonic() - started

    # Then the worker's report is taken, and followed up, as usual
    assert api.status_code == 201, api.content[:300]
    assert form.status_code == 302, form.content[:300]
    assert form["Location"] == "/denunciar/recibo/"
    assert worker.get("/denunciar/recibo/").status_code == 200
    assert followup.status_code == 200, followup.content[:300]
    assert Report.objects.count() == 2
    # The load balancer keeps the instance: it serves, Redis or not
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": "ok",
        "cache": "fallback",
        "queue": "deferred",
    }
    # The notification jobs could not be queued: kept, not lost, not run yet
    assert after_api
    assert after_form
    kept = DeferredJob.objects.count()
    assert kept >= 2
    assert not Notification.objects.exists()
    assert deferred_jobs_requeue_now() == 0, "nothing is queued while Redis is down"
    assert DeferredJob.objects.count() == kept
    assert during < 20, f"the outage made answers slow ({during:.1f} s)"

    # When Redis is back, the minute job queues what was kept, the worker runs it
    on_redis.start()
    time.sleep(5.1)  # the cache tries Redis again after RETRY_SECONDS
    assert deferred_jobs_requeue_now() == kept
    assert not DeferredJob.objects.exists()
    assert _run_queued_jobs() >= kept

    # Then each report's staff were told, once
    told = Notification.objects.filter(user=pue_handler.user, kind="report_routed")
    assert told.count() == 2
    assert deferred_jobs_requeue_now() == 0
    assert worker.get("/readyz").json()["checks"]["queue"] == "ok"


@pytest.mark.django_db
def test_receipt_guessing_stays_throttled_while_redis_is_down(
    on_redis, worker, orgs, settings
):
    settings.REMEDIA_RECEIPT_FREE_FAILURES = 3
    settings.REMEDIA_RECEIPT_FIRST_DELAY = 30
    receipt = submit(worker, state="MX-PUE").json()["receipt"]
    on_redis.stop()

    # Wrong receipts in the real one's bucket, while Redis is down
    statuses = []
    for n in range(4):
        guess = receipt[:4] + f"{(int(receipt[4:]) + n + 1) % 10**12:012d}"
        statuses.append(worker.get(ME_URL, headers=receipt_auth(guess)).status_code)
    throttled = worker.get(ME_URL, headers=receipt_auth(receipt))

    # The guesser is slowed as usual: the database carries the counters
    assert statuses[:3] == [401, 401, 401]
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 30
    assert 500 not in statuses


@pytest.mark.django_db
def test_what_changed_during_the_outage_is_not_read_stale_from_redis(on_redis):
    from remedia.core.cache import kept_until_version_moves, version_bump

    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    def read() -> int:
        return kept_until_version_moves(
            version_key="v:test", key="v:test:value", load=load, timeout=600
        )

    # Given a value kept in Redis under a version
    version_bump("v:test")
    assert read() == 1
    assert read() == 1

    # When the version moves while Redis is down (in the database's cache)
    on_redis.stop()
    version_bump("v:test")
    on_redis.start()  # a fresh Redis here; a restarted one keeps its old values
    client = redis.Redis.from_url(on_redis.url)
    client.set(cache.make_and_validate_key("v:test"), 1)
    client.set(
        cache.make_and_validate_key("v:test:value"),
        cache._cache._serializer.dumps((1, 1)),
    )
    time.sleep(5.1)  # the failover tries Redis again after RETRY_SECONDS

    # Then, Redis back with its old values, the version has moved there too
    assert read() == 2


@pytest.mark.django_db
def test_the_surge_counter_fails_open_without_naming_anyone(
    worker, orgs, monkeypatch, caplog
):
    from django.core.cache import cache as default

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(default, "incr", broken)
    monkeypatch.setattr(default, "add", broken)

    response = submit(worker, state="MX-PUE")

    assert response.status_code == 201
    assert Report.objects.count() == 1
    unchecked = [
        r for r in caplog.records if r.getMessage() == "intake.surge_unchecked"
    ]
    assert len(unchecked) == 1
    assert unchecked[0].__dict__["error"] == "ConnectionError"
    assert response.json()["receipt"] not in caplog.text


@pytest.fixture
def telephony(settings) -> None:
    from tests.channels import support as phone

    settings.TWILIO_ACCOUNT_SID = phone.ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = phone.AUTH_TOKEN
    settings.TWILIO_SMS_FROM = phone.OUR_SMS_NUMBER
    settings.TWILIO_WHATSAPP_FROM = phone.OUR_WHATSAPP_NUMBER
    settings.REMEDIA_BASE_URL = "https://remedia.example.org"


@pytest.mark.django_db
def test_a_report_by_sms_and_its_follow_up_work_while_redis_is_down(
    on_redis, telephony, orgs, django_capture_on_commit_callbacks
):
    from tests.channels.support import WORKER, report_steps, sms

    client = Client(raise_request_exception=False)
    # Given a conversation begun while Redis answered
    assert "Responda con un número" in sms(client, WORKER, "Hola")

    # When Redis stops in the middle of it (`sms` asserts a 200 TwiML answer)
    on_redis.stop()
    lost_place = sms(client, WORKER, "3")
    # Then the worker is answered (the conversation's place was in Redis: a
    # bare "3" starts one afresh with that category), and it ends in a receipt
    assert "fábrica o centro de trabajo" in lost_place
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            sms(client, WORKER, step) for step in report_steps(wants_replies=False)[2:]
        ]
    found = RECEIPT_IN_TEXT.search(answers[-1])
    assert found, answers[-1]
    assert Report.objects.filter(channel="sms").count() == 1
    assert DeferredJob.objects.exists()

    # And the receipt is followed up by SMS, still with Redis down
    assert "recibo de 16 dígitos" in sms(client, WORKER, "ESTADO")
    status = sms(client, WORKER, found.group(1).replace(" ", "-"))
    assert "Su denuncia: Recibida." in status


@pytest.mark.django_db
def test_staff_login_works_and_stays_throttled_while_redis_is_down(
    on_redis, client, facility_officer, log_in, settings
):
    on_redis.stop()

    # A staff member signs in as usual (sessions are in the database)
    assert log_in("fernando").status_code == 302
    client.logout()

    # And a password guesser is held as usual: the counters are in the database
    for _attempt in range(settings.REMEDIA_LOGIN_FREE_FAILURES):
        assert log_in("fernando", password="not the password").status_code == 400
    throttled = log_in("fernando")
    assert throttled.status_code == 429
