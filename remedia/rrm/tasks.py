"""Background jobs of the RRM app."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.rrm import alerts


@db_periodic_task(crontab(minute="10", hour="8"))
def rrm_alerts_send() -> int:
    """Every morning: analysts hear of steps due within RRM_ALERT_DAYS, or overdue."""
    return alerts.rrm_alerts_send()
