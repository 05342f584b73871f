"""Background jobs of analytics."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from remedia.analytics import public_figures


@db_periodic_task(crontab(minute="25", hour="3"))
def public_figures_publish() -> bool:
    """Nightly: publish the public figures once a month has closed (or the
    threshold changed); otherwise nothing. True when it published."""
    if not public_figures.publication_due():
        return False
    public_figures.publication_create()
    return True
