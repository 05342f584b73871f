"""Background jobs of protection.

The jobs queued on an event (a referral sent, answered, revoked) are in
`alerts`, so that services can queue them without importing this module.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.protection import alerts


@db_periodic_task(crontab(minute="25"))
def referrals_overdue() -> int:
    """Hourly: referrals past their due time still unanswered, flagged and told once."""
    return alerts.referrals_overdue_notify()
