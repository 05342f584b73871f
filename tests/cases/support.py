"""Helpers of the case tests (fixtures stay in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

from remedia.intake import services as intake
from remedia.intake.models import Report

SubmitReport = Callable[..., intake.Submitted]


def fresh(report: Report) -> Report:
    """The report as the database holds it now."""
    return Report.objects.get(pk=report.pk)
