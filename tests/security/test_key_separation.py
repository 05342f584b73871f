"""Issue 15.11: one derived subkey per purpose; no use of the secret key takes
caller-chosen input in the same keyed hash as the label-derived keys."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from remedia.core import crypto
from remedia.core.throttle import Backoff


def _label_key(label: bytes) -> bytes:
    # How the audit, cookie and channel keys are derived from the secret key.
    return hmac.new(settings.SECRET_KEY.encode(), label, hashlib.sha256).digest()


def test_subkeys_differ_by_purpose_and_follow_the_secret_key():
    # Given two purposes
    first = crypto.subkey("core.throttle")
    second = crypto.subkey("core.audit.anchor")

    # Then each has its own 32-byte key, stable across calls
    assert len(first) == len(second) == 32
    assert first != second
    assert crypto.subkey("core.throttle") == first
    # And another secret key gives other subkeys
    with override_settings(SECRET_KEY="another secret key, long enough " * 2):
        assert crypto.subkey("core.throttle") != first


def test_a_username_equal_to_a_key_label_does_not_put_that_key_in_the_cache():
    # Given a guesser who types the audit chain's key label as a username
    label = "remedia.audit.v1"
    backoff = Backoff(
        scope="login", free_failures=5, first_delay=30, max_delay=900, window=1800
    )

    # When the failure is counted in the cache
    backoff.fail(label)

    # Then the cache key holds no part of the audit key (it did when the
    # throttle used the secret key itself as its HMAC key)
    audit_key_hex = _label_key(label.encode()).hex()
    keys = list(cache._cache.keys()) if hasattr(cache, "_cache") else []
    cache_key = backoff._cache_key(label)
    assert audit_key_hex[:32] not in cache_key
    assert all(audit_key_hex[:32] not in str(k) for k in keys)
