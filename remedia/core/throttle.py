"""Back-off throttles kept in the shared cache (Redis or the database).

A throttle counts failures for a key (an account, a receipt guess bucket) in a
window. Once `free_failures` failures are counted, the next attempt must wait,
and every further failure doubles the wait up to a cap. An honest user who
mistypes a few times is never held for long, and a guesser is slowed to a crawl.
Keys are hashed so the cache never holds a username or anything a reporter typed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache

from remedia.core import crypto


@dataclass(frozen=True)
class Backoff:
    scope: str
    free_failures: int
    first_delay: int
    max_delay: int
    window: int

    def _cache_key(self, key: str) -> str:
        digest = hmac.new(
            crypto.subkey("core.throttle"), key.encode(), hashlib.sha256
        ).hexdigest()[:32]
        return f"throttle:{self.scope}:{digest}"

    # The state of one key: how many attempts were counted since the last
    # success ("n", a hint; the numbers themselves are handed out atomically),
    # until when the next attempt must wait, and a generation that a success
    # moves on so the numbers start again.

    def _generation(self, base: str) -> str:
        return str(cache.get(f"{base}:gen") or "0")

    def _next_number(self, base: str) -> int:
        """The next attempt number, each handed to exactly one caller.

        `cache.add` is atomic on every backend we use (Redis, the database
        cache, locmem), unlike `incr` on the database cache; the hint makes
        it one or two round trips in the common case.
        """
        generation = self._generation(base)
        number = int(cache.get(f"{base}:n") or 0)
        while True:
            number += 1
            if cache.add(f"{base}:{generation}:{number}", 1, timeout=self.window):
                cache.set(f"{base}:n", number, timeout=self.window)
                return number

    def _delay_after(self, failures: int) -> int:
        over = failures - self.free_failures
        if over < 0:
            return 0
        return int(min(self.max_delay, self.first_delay * 2**over))

    def wait_seconds(self, key: str) -> int:
        """Seconds the caller must still wait before the next attempt (0: go)."""
        until = cache.get(f"{self._cache_key(key)}:until")
        if not until:
            return 0
        return max(0, int(until - time.time() + 0.999))

    def acquire(self, key: str) -> int:
        """Take the right to one attempt before the slow check runs; 0: go.

        Parallel attempts each take their own number, so no more than the free
        ones pass together; past them, one attempt per elapsed wait goes
        through (the first to claim it), the others are told to wait. A caller
        that acquired reports the outcome with `fail(key, acquired=True)` or
        `reset(key)`.
        """
        base = self._cache_key(key)
        wait = self.wait_seconds(key)
        if wait:
            return wait
        number = self._next_number(base)
        if number <= self.free_failures:
            return 0
        until = cache.get(f"{base}:until") or 0
        if cache.add(f"{base}:claim:{until}", 1, timeout=self.window):
            return 0
        # Another attempt past the free ones is being checked right now.
        return 1

    def fail(self, key: str, *, acquired: bool = False) -> int:
        """Count a failure; return how long the next attempt must wait."""
        base = self._cache_key(key)
        if acquired:
            failures = int(cache.get(f"{base}:n") or 0)
        else:
            failures = self._next_number(base)
        delay = self._delay_after(failures)
        if delay:
            cache.set(f"{base}:until", time.time() + delay, timeout=self.window + delay)
        return delay

    @contextmanager
    def one_at_a_time(self, key: str, *, hold: int = 10) -> Iterator[bool]:
        """Whether this caller holds the key's only check in flight.

        For checks whose success must not spend an attempt (a receipt bucket
        is shared by every reporter whose receipt starts alike, so `acquire`,
        which counts every attempt, would slow honest follow-ups): parallel
        guesses for one key are checked one after another, each failure
        counted before the next may start, instead of all together while the
        slow hash runs. `hold` bounds the lock if a process dies holding it.
        """
        lock = f"{self._cache_key(key)}:busy"
        token = secrets.token_hex(8)
        held = cache.add(lock, token, timeout=hold)
        try:
            yield held
        finally:
            if held and cache.get(lock) == token:
                cache.delete(lock)

    def reset(self, key: str) -> None:
        base = self._cache_key(key)
        cache.set(f"{base}:gen", secrets.token_hex(8), timeout=self.window)
        cache.delete_many([f"{base}:n", f"{base}:until"])
