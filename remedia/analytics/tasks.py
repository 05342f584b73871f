"""The worker's job of analytics: rebuild the dashboard's aggregates."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.analytics import services


@db_periodic_task(crontab(minute="*/10"))
def analytics_refresh() -> int:
    """Every ten minutes: the staff dashboard's tallies, rebuilt whole (unless
    the previous run is still going: on a large database it can take minutes)."""
    if services.running():
        return 0
    return services.refresh().rows
