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
import time
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

    def wait_seconds(self, key: str) -> int:
        """Seconds the caller must still wait before the next attempt (0: go)."""
        state = cache.get(self._cache_key(key))
        if not state:
            return 0
        return max(0, int(state.get("until", 0) - time.time() + 0.999))

    def fail(self, key: str) -> int:
        """Count a failure; return how long the next attempt must wait."""
        cache_key = self._cache_key(key)
        state = cache.get(cache_key) or {"failures": 0, "until": 0}
        state["failures"] += 1
        over = state["failures"] - self.free_failures
        delay = 0
        if over >= 0:
            delay = min(self.max_delay, self.first_delay * 2**over)
            state["until"] = time.time() + delay
        cache.set(cache_key, state, timeout=self.window + delay)
        return delay

    def reset(self, key: str) -> None:
        cache.delete(self._cache_key(key))
