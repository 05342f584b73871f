"""Reads of facilities (being split by subject; see the next commit)."""

from remedia.facilities.selectors.search import *  # noqa: F403
