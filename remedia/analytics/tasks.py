"""The worker's jobs of analytics: the dashboard's aggregates, the public figures."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.analytics import public_figures, services


@db_periodic_task(crontab(minute="*/10"))
def analytics_refresh() -> int:
    """Every ten minutes: the staff dashboard's tallies, rebuilt whole (unless
    the previous run is still going: on a large database it can take minutes)."""
    if services.running():
        return 0
    return services.refresh().rows


@db_periodic_task(crontab(minute="25", hour="3"))
def public_figures_publish() -> bool:
    """Nightly: publish the public figures once a month has closed (or the
    threshold changed); otherwise nothing. True when it published."""
    if not public_figures.publication_due():
        return False
    public_figures.publication_create()
    return True
