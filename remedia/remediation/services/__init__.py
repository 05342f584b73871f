"""Writes of remediation (being split by subject; see the next commit)."""

from remedia.remediation.services.courses import *  # noqa: F403
