"""Values kept in the shared cache until a version counter moves.

Some reads are costly and change only when a known kind of row is written (any
account row; any report's inbox state). The writers bump a version key; a
reader keeps its value beside the version it was computed under and recomputes
when the two differ. One round trip to the cache reads both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

T = TypeVar("T")


def version_bump(version_key: str) -> None:
    # `add` then `incr`: two processes bumping a missing key both count.
    cache.add(version_key, 0, timeout=None)
    cache.incr(version_key)


def kept_until_version_moves(
    *,
    version_key: str,
    key: str,
    load: Callable[[], T],
    timeout: int,
    keep_none: bool = True,
) -> T:
    """`load()`, or the value kept under `key` while `version_key` has not moved."""
    found: dict[str, Any] = cache.get_many([version_key, key])
    version = found.get(version_key, 0)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = load()
    if value is not None or keep_none:
        cache.set(key, (version, value), timeout)
    return value
