"""Analytics' own tables: what the worker materialised, and when."""

from remedia.analytics.models.refresh import Publication, Refresh

__all__ = ["Publication", "Refresh"]
