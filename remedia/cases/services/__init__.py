"""Writes of case management (being split by subject; see the next commit)."""

from remedia.cases.services.opening import *  # noqa: F403
