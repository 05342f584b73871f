"""The Redis cache, carried on by the database while Redis is unreachable.

Throttles, the intake's surge counter, the channels' conversations (SMS,
WhatsApp, voice), version counters and cached reads all live in the default
cache. When Redis stops, Django's Redis backend raises on every call, and each
of those uses would turn into a 500: a worker could not report. This backend
is Django's Redis cache until a call fails to reach Redis; then that call and
every call for the next `RETRY_SECONDS` go to the database cache
(`remedia_cache`, the table the embedded default uses), and Redis is tried
again after that. Throttles keep counting (in the database), so they neither
fail open nor lock everyone out; docs/security.md says why.

When Redis answers again, what this process wrote to the database cache in
the meantime is not copied back. Redis may still hold values older than those
writes (a version counter that moved, a routing table that was invalidated),
so the keys written during the outage are moved on in Redis: a counter is
incremented (a version counter that moves makes its readers recompute), any
other value is deleted. The log says that Redis is down and back, never a key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0
# Keys written while Redis was down, moved on in Redis when it returns. Past
# this many, the rest are left to expire (the log says so).
MAX_TOUCHED = 10_000

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


@dataclass
class _Switch:
    lock: threading.Lock = field(default_factory=threading.Lock)
    # One thread moves the keys on; the others wait for it before using Redis.
    recovering: threading.Lock = field(default_factory=threading.Lock)
    down_until: float = 0.0
    down: bool = False
    touched: set[str] = field(default_factory=set)
    overflowed: bool = False


_SWITCHES: dict[str, _Switch] = {}
_SWITCHES_LOCK = threading.Lock()


def _switch_for(server: str) -> _Switch:
    with _SWITCHES_LOCK:
        return _SWITCHES.setdefault(server, _Switch())


class FailoverRedisCache(RedisCache):
    """`RedisCache` that falls over to the cache alias `OPTIONS["FALLBACK"]`."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = str(options.pop("FALLBACK", "fallback"))
        params["OPTIONS"] = options
        super().__init__(server, params)
        # Django makes one cache object per thread; whether Redis is down, and
        # what was written meanwhile, is the process's.
        self._sw = _switch_for(server)

    # --- The switch -----------------------------------------------------------

    @property
    def fallback(self) -> BaseCache:
        return caches[self._fallback_alias]

    def redis_reachable(self) -> bool:
        """Whether Redis answers now (a ping); the readiness check asks."""
        try:
            if self._sw.down:
                self._recover()
            self._cache.get_client().ping()
        except UNREACHABLE as exc:
            self._mark_down(exc)
            return False
        return True

    def _redis_usable(self) -> bool:
        return time.monotonic() >= self._sw.down_until

    def _mark_down(self, exc: BaseException) -> None:
        with self._sw.lock:
            self._sw.down_until = time.monotonic() + RETRY_SECONDS
            if not self._sw.down:
                self._sw.down = True
                logger.warning(
                    "cache.redis_unavailable",
                    extra={"error": type(exc).__name__, "fallback": "database"},
                )

    def _recover(self) -> None:
        """Redis answers again: move on what was written meanwhile, then use it.

        Raises what Redis raises if it is still unreachable (the keys are kept
        for the next try).
        """
        with self._sw.recovering:
            with self._sw.lock:
                if not self._sw.down:
                    return  # another thread did it while this one waited
                touched, self._sw.touched = self._sw.touched, set()
                overflowed, self._sw.overflowed = self._sw.overflowed, False
            moved: set[str] = set()
            try:
                for key in touched:
                    self._move_on(key)
                    moved.add(key)
            except UNREACHABLE:
                with self._sw.lock:
                    self._sw.touched.update(touched - moved)
                    self._sw.overflowed = self._sw.overflowed or overflowed
                raise
            with self._sw.lock:
                self._sw.down = False
        logger.warning(
            "cache.redis_back",
            extra={"keys_moved_on": len(moved), "keys_left_to_expire": overflowed},
        )

    def _move_on(self, key: str) -> None:
        from redis.exceptions import ResponseError

        try:
            super().incr(key)
        except (ValueError, ResponseError):
            super().delete(key)

    def _touch_keys(self, keys: Iterable[str]) -> None:
        with self._sw.lock:
            for key in keys:
                if len(self._sw.touched) >= MAX_TOUCHED:
                    self._sw.overflowed = True
                    return
                self._sw.touched.add(key)

    def _either(
        self,
        on_redis: Callable[[], T],
        on_fallback: Callable[[], T],
        writes: Iterable[str] = (),
    ) -> T:
        if self._redis_usable():
            try:
                if self._sw.down:
                    self._recover()
                return on_redis()
            except UNREACHABLE as exc:
                self._mark_down(exc)
        self._touch_keys(writes)
        return on_fallback()

    # --- The cache API: every call goes through the switch ---------------------

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._either(
            lambda: super(FailoverRedisCache, self).add(key, value, timeout, version),
            lambda: self.fallback.add(key, value, timeout, version),
            [key],
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._either(
            lambda: super(FailoverRedisCache, self).get(key, default, version),
            lambda: self.fallback.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._either(
            lambda: super(FailoverRedisCache, self).set(key, value, timeout, version),
            lambda: self.fallback.set(key, value, timeout, version),
            [key],
        )

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._either(
            lambda: super(FailoverRedisCache, self).touch(key, timeout, version),
            lambda: self.fallback.touch(key, timeout, version),
            [key],
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._either(
            lambda: super(FailoverRedisCache, self).delete(key, version),
            lambda: self.fallback.delete(key, version),
            [key],
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._either(
            lambda: super(FailoverRedisCache, self).get_many(keys, version),
            lambda: self.fallback.get_many(keys, version),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._either(
            lambda: super(FailoverRedisCache, self).has_key(key, version),
            lambda: self.fallback.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._either(
            lambda: super(FailoverRedisCache, self).incr(key, delta, version),
            lambda: self.fallback.incr(key, delta, version),
            [key],
        )

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        data = dict(data)
        return self._either(
            lambda: super(FailoverRedisCache, self).set_many(data, timeout, version),
            lambda: self.fallback.set_many(data, timeout, version),
            list(data),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        keys = list(keys)
        self._either(
            lambda: super(FailoverRedisCache, self).delete_many(keys, version),
            lambda: self.fallback.delete_many(keys, version),
            keys,
        )

    def clear(self) -> None:
        self._either(
            lambda: super(FailoverRedisCache, self).clear(),
            lambda: self.fallback.clear(),
        )
