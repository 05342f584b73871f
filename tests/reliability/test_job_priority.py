"""A job someone waits for overtakes the notifications, on both queues.

The soak showed staff imports waiting minutes behind a backlog of "new
report" notifications. Jobs a person watches on a page (a facility import, an
export) carry `PRIORITY_WAITED`; Redis's queue is a sorted set and SQLite's
table is read by priority, so they run first. A Redis queue left as a list by
an earlier release is moved into the sorted set, oldest first, nothing lost.
"""

from __future__ import annotations

import pytest
import redis

from remedia.core.exports import export_job
from remedia.core.jobqueue import PRIORITY_WAITED, RedisHuey, SqliteHuey
from remedia.facilities.tasks import facility_import_job

# Real commits: each job's record is written as `remedia worker` would see it.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_flushable_audit_log"),
]


def _queue_and_take(huey) -> list[str]:
    taken: list[str] = []

    @huey.task()
    def notify(n: int) -> None:
        taken.append(f"notify {n}")

    @huey.task(priority=PRIORITY_WAITED)
    def import_rows(n: int) -> None:
        taken.append(f"import {n}")

    for n in range(5):
        notify(n)
    import_rows(1)
    notify(5)
    import_rows(2)
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    return taken


EXPECTED = ["import 1", "import 2"] + [f"notify {n}" for n in range(6)]


def test_the_waited_for_jobs_are_the_imports_and_exports() -> None:
    assert facility_import_job.task_class.default_priority == PRIORITY_WAITED
    assert export_job.task_class.default_priority == PRIORITY_WAITED


def test_on_sqlite_an_import_overtakes_the_notifications(tmp_path) -> None:
    huey = SqliteHuey(
        "priority", filename=str(tmp_path / "jobs.sqlite3"), immediate=False
    )
    assert _queue_and_take(huey) == EXPECTED


def test_on_redis_an_import_overtakes_the_notifications(private_redis) -> None:
    huey = RedisHuey("priority", url=private_redis.url, immediate=False)
    assert _queue_and_take(huey) == EXPECTED


def test_a_queue_left_as_a_list_becomes_a_sorted_set_losing_nothing(
    private_redis,
) -> None:
    old = RedisHuey("upgrade", url=private_redis.url, immediate=False)
    taken: list[int] = []

    @old.task()
    def notify(n: int) -> None:
        taken.append(n)

    # What the release before priorities left: LPUSHed, read with BRPOP.
    conn = redis.Redis.from_url(private_redis.url)
    key = old.storage.queue_key
    for n in range(4):
        conn.lpush(key, old.serialize_task(notify.s(n)))
    assert conn.type(key) == b"list"

    # A process queues before the worker restarted: the queue is moved first.
    notify(4)
    assert conn.type(key) == b"zset"
    assert old.queue_upgrade() == 0  # already done: nothing moves twice
    while (task := old.dequeue()) is not None:
        old.execute(task)
    assert taken == [0, 1, 2, 3, 4]
    assert conn.keys("*list-before-priorities*") == []
