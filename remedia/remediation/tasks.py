"""Background jobs of courses of remediation."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.remediation import alerts


@db_periodic_task(crontab(minute="20", hour="8"))
def remediation_alerts_send() -> int:
    """Every morning: monitors hear of measures due within REMEDIATION_ALERT_DAYS,
    or overdue."""
    return alerts.remediation_alerts_send()
