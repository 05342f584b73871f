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
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import huey
from huey.api import PeriodicTask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

STORAGE_UNAVAILABLE = (
    RedisConnectionError,
    RedisTimeoutError,
    sqlite3.OperationalError,
    OSError,
)


class DeferringMixin:
    """`enqueue` that keeps the job in the database when the storage fails."""

    def enqueue(self, task: Any) -> Any:
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


class RedisHuey(DeferringMixin, huey.RedisHuey):
    pass


class SqliteHuey(DeferringMixin, huey.SqliteHuey):
    pass
