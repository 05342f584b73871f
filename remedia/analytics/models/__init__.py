"""Analytics' own tables: what the worker materialised, and when."""

from remedia.analytics.models.refresh import Publication, Refresh
from remedia.analytics.models.tallies import (
    ALL_CATEGORIES,
    Bucket,
    CaseTally,
    FacilityTally,
    ReportTally,
)

__all__ = [
    "ALL_CATEGORIES",
    "Bucket",
    "CaseTally",
    "FacilityTally",
    "Publication",
    "Refresh",
    "ReportTally",
]
