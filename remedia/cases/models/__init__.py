"""Models of cases (being split by noun; see the next commit)."""

from remedia.cases.models.case import *  # noqa: F403
