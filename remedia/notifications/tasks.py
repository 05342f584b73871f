"""Background jobs of notifications: the retry of refused emails and the daily digest."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.notifications import digest, services


@db_periodic_task(crontab(minute="5"))
def unsent_retry() -> int:
    """Hourly: emails a mail server refused, sent again while their news holds."""
    return services.unsent_retry()


@db_periodic_task(crontab(minute="30", hour="7"))
def digest_send() -> int:
    """Every morning: one summary per staff member with work waiting."""
    return digest.digest_send()
