"""Analytics' own tables: what the worker materialised, and when."""

from remedia.analytics.models.refresh import Publication, Refresh
from remedia.analytics.models.tallies import (
    ALL_CATEGORIES,
    ALL_CHANNELS,
    Bucket,
    CaseTally,
    FacilityTally,
    ReportTally,
)

__all__ = [
    "ALL_CATEGORIES",
    "ALL_CHANNELS",
    "Bucket",
    "CaseTally",
    "FacilityTally",
    "Publication",
    "Refresh",
    "ReportTally",
]
