"""Retention of closed reports runs in the one nightly retention job
(`core.tasks.retention_nightly`, kind "reports"); this module keeps the
report-only run for whoever calls it."""

from __future__ import annotations

from remedia.intake import services


def reports_expire() -> int:
    return services.reports_destroy_expired()
