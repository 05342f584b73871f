"""Periodic housekeeping jobs run by `remedia worker`."""

from __future__ import annotations

import logging

from django.core.management import call_command
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from remedia.core import exports  # noqa: F401 - its jobs, for the worker
from remedia.core.audit import (
    SEAL_GRACE_SECONDS,
    audit_anchor_write,
    audit_seal,
    audit_verify,
)
from remedia.core.retention import RUN_HOUR, RUN_MINUTE, retention_run

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def audit_chain_seal() -> int:
    """Every minute: seal the audit entries committed since into the hash chain.

    Requests only append entries; this keeps the window in which an unsealed
    entry could be deleted unnoticed to about a minute (docs/security.md).
    """
    return audit_seal(grace_seconds=SEAL_GRACE_SECONDS).entries


@db_periodic_task(crontab(minute="17", hour="3"))
def audit_chain_check() -> bool:
    """Nightly: an operator learns of a tampered audit log the next morning."""
    return _audit_chain_check()


@db_task()
def audit_chain_check_now() -> bool:
    """The same check on demand; its result is kept for whoever queued it."""
    return _audit_chain_check()


def _audit_chain_check() -> bool:
    report = audit_verify()
    problem = report.problem
    if problem is None:
        logger.info("audit.verified", extra={"entries": report.checked})
        audit_anchor_write(report)
        return True
    logger.error(
        "audit.broken",
        extra={"first_bad_seq": problem.seq, "reason": problem.reason},
    )
    return False


@db_periodic_task(crontab(minute=str(RUN_MINUTE), hour=str(RUN_HOUR)))
def retention_nightly() -> int:
    """Nightly: every kind of personal data past its period is destroyed
    (core.retention; the kinds register in their apps)."""
    return retention_run().total()


@db_periodic_task(crontab(minute="7", hour="*/6"))
def sessions_clear() -> None:
    call_command("clearsessions")


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Every minute: the worker is alive (``remedia_worker_heartbeat_age_seconds``)."""
    # Imported here: prometheus_client must not load in `remedia serve`'s
    # master before its multiprocess directory is set (serve.py).
    from remedia.core.metrics import heartbeat_write

    heartbeat_write()


@db_periodic_task(crontab(minute="*"))
def deferred_jobs_requeue() -> int:
    """Every minute: jobs kept in the database while the queue was down, queued."""
    return deferred_jobs_requeue_now()


@db_periodic_task(crontab(minute="*"))
def jobs_recover() -> int:
    """Every minute (and when `remedia worker` starts): jobs whose worker
    died, or that the queue lost, queued again; old records of ended jobs go."""
    return jobs_recover_now()


def jobs_recover_now() -> int:
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    recover = getattr(HUEY, "jobs_recover", None)
    if recover is None or HUEY.immediate:
        return 0
    moved = int(recover(stale_seconds=settings.REMEDIA_JOB_STALE_SECONDS))
    HUEY.job_records_purge(older_than_seconds=JOB_RECORDS_KEPT_SECONDS)
    return moved


# Ended jobs' records are kept a day: a copy of a job queued twice (recovered
# while the queue still held it) finds its record ended and does not run.
JOB_RECORDS_KEPT_SECONDS = 24 * 3600


def deferred_jobs_requeue_now() -> int:
    from huey.contrib.djhuey import HUEY

    requeue = getattr(HUEY, "requeue_deferred", None)
    if requeue is None:
        return 0
    moved = int(requeue())
    if moved:
        logger.warning("jobs.requeued", extra={"jobs": moved})
    return moved


@db_periodic_task(crontab(minute="23"))
def idempotency_keys_sweep() -> int:
    """Hourly: Idempotency-Keys past their 24 hours are deleted (an expired one
    is also ignored and deleted when its key comes again)."""
    from remedia.core.idempotency import expired_sweep

    return expired_sweep()
