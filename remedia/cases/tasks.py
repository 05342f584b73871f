"""Background jobs of case management: reminders and check-ins.

Closed cases past retention go in the one nightly retention job
(`core.tasks.retention_nightly`, kind "cases").

The jobs queued on an event (a report routed, a case assigned...) are in
`alerts`, so that `services` can queue them without importing this module.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.cases import alerts, services


@db_periodic_task(crontab(minute="5"))
def reminders_send() -> int:
    """Hourly: tasks and SLA clocks falling due within a day, each announced once."""
    return alerts.reminders_send()


@db_periodic_task(crontab(minute="15", hour="10"))
def checkins_send() -> int:
    """Daily: retaliation questions that fall due today go to the reporters."""
    return services.checkins_send_due()
