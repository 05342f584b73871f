"""`remedia worker`: background and periodic jobs (huey)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run background jobs and periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        from remedia.core.jobqueue import STORAGE_UNAVAILABLE
        from remedia.core.tasks import jobs_recover_now

        # A worker killed mid-job (kill -9, a crash, a power cut) left its jobs
        # running in their records: they go back in the queue before this one
        # starts taking jobs (and a queue kept as a list before priorities
        # becomes a sorted set).
        queue_upgrade = getattr(HUEY, "queue_upgrade", None)
        if queue_upgrade is not None:
            try:
                queue_upgrade()
            except STORAGE_UNAVAILABLE as exc:  # Redis down: huey waits for it
                logger.warning(
                    "jobs.queue_upgrade_failed", extra={"error": type(exc).__name__}
                )
        try:
            jobs_recover_now()
        except DatabaseError as exc:  # the every-minute sweep tries again
            logger.warning("jobs.recover_failed", extra={"error": type(exc).__name__})
        call_command("run_huey", workers=options["workers"], worker_type="thread")
