"""The job queue's classes: a job that cannot be queued is kept in the database.

Jobs are queued after a write commits (`transaction.on_commit`): a report's
notifications, a reply to deliver, an import to run. If the queue's storage
(Redis, or the SQLite file) cannot take the job at that moment, raising would
answer 500 for a write that was stored (a worker would never see the receipt
of a report that exists), and the job would be lost. Instead the job, as the
queue would have stored it, goes into `core.DeferredJob`, and
`core.tasks.deferred_jobs_requeue` (every minute, from `remedia worker`) puts
it on the queue once the storage answers again. Periodic jobs are not kept:
the worker's clock queues them again at their next time.

The queue hands a job to the worker by removing it (Redis pops it, the SQLite
storage deletes its row): a worker killed while running a job would lose it.
So every job queued outside tests also gets a `core.JobRecord`, written before
the job reaches the queue. The worker marks it running, with its own name
(host, process and the process's start), before the job starts, and done or
failed when it ends. `jobs_recover` (when `remedia worker` starts, and every
minute) puts back in the queue the jobs left running by a process that no
longer exists (or running for longer than REMEDIA_JOB_STALE_SECONDS on another
machine), and the queued jobs the queue no longer holds (taken by a worker
killed before it claimed them, or lost with the queue's content). A job whose
record is already running elsewhere, done or failed is not run again, so a job
queued twice runs once; a job killed mid-run runs again from its start, which
is why every job must be idempotent (the notifications are keyed per user, kind
and event; an import is claimed; a screening exists once per report and team).
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
from datetime import timedelta
from functools import cache
from typing import Any

import huey
from huey.api import PeriodicTask, Result
from huey.exceptions import CancelExecution
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

STORAGE_UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    sqlite3.OperationalError,
    OSError,
)


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if none runs."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return "?"
    return "?"  # no /proc: alive, start unknown


@cache
def worker_name() -> str:
    """This process, as a job record names who runs it: host, pid and start."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def _owner_gone(owner: str) -> bool | None:
    """Whether the process named `owner` is gone; None if it ran on another
    host (then only the job's age tells)."""
    host, _sep, rest = owner.partition(":")
    pid, _sep, ticks = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    now = _start_ticks(int(pid))
    return now is None or (ticks not in ("", "?") and now not in ("?", ticks))


# Jobs someone waits for on a page (an import, an export) go before those
# nobody watches (notifications, webhooks): the larger number runs first.
PRIORITY_WAITED = 10

# A queued job's record is written just before the job reaches the queue: one
# younger than this may be on its way there, and is not taken for lost.
QUEUED_GRACE_SECONDS = 30
# Beyond this many jobs waiting, the queue is not read to find the lost ones
# (the next sweep, with a shorter queue, does).
QUEUE_READ_LIMIT = 20000


# What a job queued again (a retry) resets in its record; its attempts stay.
_RECORD_RESET = ("name", "payload", "priority", "state", "owner", "queued_at")


def _recordable(task: Any) -> bool:
    return not isinstance(task, PeriodicTask) and bool(getattr(task, "id", None))


class DeferringMixin:
    """`enqueue` that records the job and keeps it in the database when the
    storage fails; the consumer's hooks that follow the record."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pre_execute("job_record_claim")(self._record_claim)  # type: ignore[attr-defined]
        self.post_execute("job_record_end")(self._record_end)  # type: ignore[attr-defined]

    def enqueue(self, task: Any) -> Any:
        if not self.immediate and _recordable(task):  # type: ignore[attr-defined]
            from django.db import transaction

            self._record(task)
            if transaction.get_connection().in_atomic_block:
                # Queued inside a transaction: the record is part of it, and
                # the job reaches the queue once it commits (never a job for a
                # write rolled back, nor one run before the write is visible).
                transaction.on_commit(lambda: self._push(task))
                return Result(self, task) if self.results else None  # type: ignore[attr-defined]
        return self._push(task)

    def _push(self, task: Any) -> Any:
        try:
            return super().enqueue(task)  # type: ignore[misc]
        except STORAGE_UNAVAILABLE as exc:
            if isinstance(task, PeriodicTask) or not hasattr(task, "name"):
                raise
            self._defer(task, exc)
            return None

    def _defer(self, task: Any, exc: BaseException) -> None:
        from remedia.core.models import DeferredJob

        DeferredJob.objects.create(
            name=task.name[:200],
            payload=self.serialize_task(task),  # type: ignore[attr-defined]
            priority=task.priority or 0,
        )
        # The job's name only: its arguments may be a report's id.
        logger.warning(
            "jobs.deferred", extra={"job": task.name, "error": type(exc).__name__}
        )

    # --- The job's record ------------------------------------------------------------

    def _record(self, task: Any) -> None:
        """Write (or, for a retry, reset) the job's record before it is queued.

        A database that refuses costs the record only: the job is queued and
        runs as if unrecorded (it is then not recovered after a crash)."""
        from django.db import Error
        from django.utils import timezone

        from remedia.core.kit import savepoint_if_in_transaction
        from remedia.core.models import JobRecord, JobState

        record = JobRecord(
            pk=str(task.id),
            name=task.name[:200],
            payload=self.serialize_task(task),  # type: ignore[attr-defined]
            priority=task.priority or 0,
            state=JobState.QUEUED,
            owner="",
            queued_at=timezone.now(),
        )
        # One statement (INSERT ... ON CONFLICT DO UPDATE), not a read, two
        # savepoints and a write: a report's submission queues a job after its
        # commit, and this ran on every one (issue 21.4).
        try:
            with savepoint_if_in_transaction():
                JobRecord.objects.bulk_create(
                    [record],
                    update_conflicts=True,
                    unique_fields=["id"],
                    update_fields=[*_RECORD_RESET],
                )
        except Error as exc:
            logger.warning(
                "jobs.unrecorded", extra={"job": task.name, "error": type(exc).__name__}
            )

    def _record_claim(self, task: Any) -> None:
        """Before a job runs: take its record, or skip a job already taken."""
        if self.immediate or not _recordable(task):  # type: ignore[attr-defined]
            return
        from django.db.models import F
        from django.utils import timezone

        from remedia.core.models import JobRecord, JobState

        records = JobRecord.objects.filter(pk=str(task.id))
        if records.filter(state=JobState.QUEUED).update(
            state=JobState.RUNNING,
            owner=worker_name(),
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
        ):
            return
        state = records.values_list("state", flat=True).first()
        if state is None:
            return  # unrecorded (queued before records, or the database refused)
        logger.info("jobs.duplicate_skipped", extra={"job": task.name, "state": state})
        raise CancelExecution(retry=False)

    def _record_end(self, task: Any, value: Any, exc: BaseException | None) -> None:
        """After a job ran: done, failed, or back in the queue for its retry."""
        if self.immediate or not _recordable(task):  # type: ignore[attr-defined]
            return
        from django.utils import timezone

        from remedia.core.models import JobRecord, JobState

        records = JobRecord.objects.filter(pk=str(task.id), owner=worker_name())
        if exc is not None and task.retries:
            records.update(state=JobState.QUEUED, owner="")
            return
        records.update(
            state=JobState.DONE if exc is None else JobState.FAILED,
            finished_at=timezone.now(),
        )

    def jobs_recover(self, *, stale_seconds: int, limit: int = 1000) -> int:
        """Queue again the jobs whose worker died, and those the queue lost.

        Running jobs of a process of this host that no longer exists, or of
        another host's worker for longer than `stale_seconds`; queued jobs
        (for more than `QUEUED_GRACE_SECONDS`) that neither the queue nor its
        schedule holds: taken out by a worker killed before it claimed them,
        or lost with the queue's content. Each is taken by a conditional
        update, so two sweeps at once queue it once; a job queued twice runs
        once (its record is taken by the first run)."""
        from django.utils import timezone

        from remedia.core.models import JobRecord, JobState

        now = timezone.now()
        cutoff = now - timedelta(seconds=stale_seconds)
        moved = 0
        candidates = list(
            JobRecord.objects.filter(state=JobState.RUNNING)
            .order_by("queued_at")
            .values_list("pk", "state", "owner", "started_at", "queued_at")[:limit]
        )
        queued = JobRecord.objects.filter(
            state=JobState.QUEUED,
            queued_at__lt=now - timedelta(seconds=QUEUED_GRACE_SECONDS),
        ).order_by("queued_at")
        if queued.exists():
            held = self._held_ids()
            if held is not None:
                candidates += [
                    row
                    for row in queued.values_list(
                        "pk", "state", "owner", "started_at", "queued_at"
                    )[:limit]
                    if row[0] not in held
                ]
        for pk, state, owner, started_at, queued_at in candidates:
            if state == JobState.RUNNING:
                gone = _owner_gone(owner)
                if gone is None:  # another host's worker: stale when too old
                    gone = started_at is None or started_at < cutoff
                if not gone:
                    continue  # still running, however long it takes
            same = JobRecord.objects.filter(
                pk=pk, state=state, owner=owner, queued_at=queued_at
            )
            if not same.update(state=JobState.QUEUED, owner="", queued_at=now):
                continue
            record = JobRecord.objects.get(pk=pk)
            try:
                self.storage.enqueue(  # type: ignore[attr-defined]
                    bytes(record.payload), record.priority or None
                )
            except STORAGE_UNAVAILABLE:
                break  # still queued in its record: the next sweep tries again
            moved += 1
            logger.warning(
                "jobs.recovered",
                extra={"job": record.name, "was": state, "attempts": record.attempts},
            )
        return moved

    def _held_ids(self) -> set[str] | None:
        """The ids of the jobs the queue and its schedule hold; None when the
        queue is too long to read at once (or cannot be read)."""
        storage = self.storage  # type: ignore[attr-defined]
        try:
            if storage.queue_size() + storage.schedule_size() > QUEUE_READ_LIMIT:
                return None
            messages = [*storage.enqueued_items(), *storage.scheduled_items()]
        except STORAGE_UNAVAILABLE:
            return None
        held: set[str] = set()
        for data in messages:
            try:
                message = self.serializer.deserialize(data)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 (an unreadable message holds no id we know)
                logger.warning("jobs.unreadable_message")
                continue
            held.add(str(message.id))
        return held

    def job_records_purge(self, *, older_than_seconds: int) -> int:
        """Records of ended jobs, kept a while to skip a job queued twice."""
        from django.utils import timezone

        from remedia.core.models import JobRecord, JobState

        cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
        deleted, _rows = JobRecord.objects.filter(
            state__in=(JobState.DONE, JobState.FAILED), finished_at__lt=cutoff
        ).delete()
        return deleted

    # --- Jobs kept while the storage was down -------------------------------------------

    def requeue_deferred(self, *, limit: int = 500) -> int:
        """Queue the kept jobs, oldest first; stop while the storage still fails."""
        moved = 0
        while moved < limit:
            try:
                if not self._requeue_one():
                    break
            except STORAGE_UNAVAILABLE:
                break  # still down: the job stays kept, the next minute tries again
            moved += 1
        return moved

    def _requeue_one(self) -> bool:
        from django.db import transaction

        from remedia.core.models import DeferredJob

        with transaction.atomic():
            job = (
                DeferredJob.objects.select_for_update(skip_locked=True)
                .order_by("created_at", "pk")
                .first()
            )
            if job is None:
                return False
            # Queued, then deleted in the same transaction: a crash in between
            # queues it twice (the notification jobs are keyed per user, kind
            # and event, so a repeat tells nobody twice), never zero times.
            self.storage.enqueue(  # type: ignore[attr-defined]
                bytes(job.payload), job.priority or None
            )
            job.delete()
        return True


class RedisHuey(DeferringMixin, huey.PriorityRedisHuey):
    """Redis's queue as a sorted set, so a job with a higher priority (one a
    person waits for: an import, an export) overtakes the notifications.

    Before priorities the queue was a list under the same key; `queue_upgrade`
    (when `remedia worker` starts, or when a process queues on a list) moves
    its jobs into the sorted set, oldest first, at the default priority."""

    def queue_upgrade(self) -> int:
        storage = self.storage
        key = storage.queue_key
        if storage.conn.type(key) not in (b"list", "list"):
            return 0
        legacy = f"{key}.list-before-priorities"
        try:
            storage.conn.rename(key, legacy)
        except RedisResponseError:  # another process moved it a moment ago
            return 0
        # The list was filled with LPUSH and read with BRPOP: the oldest last.
        moved = 0
        for data in reversed(storage.conn.lrange(legacy, 0, -1)):
            storage.enqueue(data, None)
            moved += 1
        storage.conn.delete(legacy)
        logger.warning("jobs.queue_upgraded", extra={"jobs": moved})
        return moved

    def _push(self, task: Any) -> Any:
        try:
            return super()._push(task)
        except RedisResponseError as exc:
            if "WRONGTYPE" not in str(exc):
                raise
            self.queue_upgrade()
            return super()._push(task)


class SqliteHuey(DeferringMixin, huey.SqliteHuey):
    pass
