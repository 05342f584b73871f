"""Models of remediation (being split by noun; see the next commit)."""

from remedia.remediation.models.course import *  # noqa: F403
