"""Writes of facilities (being split by subject; see the next commit)."""

from remedia.facilities.services.registry import *  # noqa: F403
