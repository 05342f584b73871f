"""Retention: closed reports are destroyed on schedule, keys and files included."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.intake import services


@db_periodic_task(crontab(minute="41", hour="2"))
def reports_expire() -> int:
    return services.reports_destroy_expired()
