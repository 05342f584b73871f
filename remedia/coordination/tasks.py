"""Background jobs of coordination.

The jobs an event sets off (an update submitted, reviewed) run after commit
from `alerts`, so that services need not import this module.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.coordination import alerts


@db_periodic_task(crontab(hour="7", minute="40"))
def coordination_overdue() -> int:
    """Daily: each group's lead told once of overdue actions and reports."""
    return alerts.overdue_notify()
