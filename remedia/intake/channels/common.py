"""What the phone channels share: keyed hashes of numbers, sealed state, counters.

The provider hands us only the caller's or sender's number. Everything kept
between two webhook calls is found by a keyed hash of it and sealed under a
key derived from the secret key and the number, in the shared cache, so the
number itself is never a key, a value or a log field.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache

from remedia.core import crypto


def derived_key(label: bytes) -> bytes:
    """A key of its own for each use, from the secret key (issue 15.11)."""
    return crypto.subkey(label.decode())


def keyed_digest(*, label: bytes, number: str) -> str:
    """A keyed hash of a number, for cache keys and counters."""
    return hmac.new(derived_key(label), number.encode(), hashlib.sha256).hexdigest()[
        :40
    ]


def sealing_key(*, label: bytes, number: str) -> bytes:
    """The key that seals one number's state: unreadable without the number."""
    return hmac.new(derived_key(label), number.encode(), hashlib.sha256).digest()


def sealed_load(*, cache_key: str, key: bytes) -> dict[str, Any] | None:
    """The state kept under `cache_key`, or None (absent, expired or unreadable)."""
    sealed = cache.get(cache_key)
    if not sealed:
        return None
    try:
        data = json.loads(crypto.unwrap(sealed, key=key))
    except (crypto.DecryptionFailed, ValueError, TypeError):
        # Kept under an older secret key, or damaged: start again.
        forget(cache_key=cache_key)
        return None
    return data if isinstance(data, dict) else None


def sealed_keep(
    *, cache_key: str, key: bytes, data: dict[str, Any], timeout: int
) -> None:
    plain = json.dumps(data, ensure_ascii=False).encode()
    cache.set(cache_key, crypto.wrap(plain, key=key), timeout=timeout)


def forget(*, cache_key: str) -> None:
    cache.delete(cache_key)


def count(key: str, timeout: int) -> int:
    """One more in a counter that starts at the first call and lives `timeout`."""
    try:
        return cache.incr(key)
    except ValueError:
        # First of the window (a race here only miscounts by a few).
        cache.add(key, 0, timeout=timeout)
        return cache.incr(key)


def limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))
