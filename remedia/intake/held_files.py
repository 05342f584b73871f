"""Files a worker attached, kept for a few minutes across a form that came back.

When the report form comes back (a missing field, the no-JavaScript "Buscar"),
a browser cannot put the chosen files back into the file input: without this,
the worker's photo is silently lost at the hardest moment. So each file that
passed the checks is kept, already cleaned of its metadata, sealed
(XSalsa20-Poly1305) under a random key that exists only in the page sent back
to the worker: a hidden field holds the key and the entry's id. The shared
cache holds only the sealed bytes, under a hash of the id, for
`HELD_SECONDS`. Without the page, the cache's rows (a database dump, a Redis
snapshot) open nothing; with a wrong or altered key, or after the time, the
file is simply gone and the worker is told to choose it again.

Nothing here touches the disk in plain: the bytes arrive in memory
(`uploads.BoundedMemoryUploadHandler`), are sealed in memory, and the cache
stores only the sealed value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import secrets
import struct
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from remedia.core import crypto
from remedia.core.files import CleanFile

logger = logging.getLogger(__name__)

# Long enough to fix a field and send again; short enough that a key left in a
# page of the browser's history is soon worth nothing.
HELD_SECONDS = 15 * 60
# What one form may keep in the cache, all its files together; past it a file
# is not kept and the worker is told to choose it again.
HELD_MAX_BYTES = 16 * 1024 * 1024

_ID_BYTES = 16
_PREFIX = "intake:held:"
_NAME_MAX = 120


@dataclass(frozen=True)
class HeldFile:
    token: str
    name: str
    size: int
    clean: CleanFile


def _now() -> float:
    return time.time()


def _seconds() -> int:
    return int(getattr(settings, "REMEDIA_HELD_FILES_SECONDS", HELD_SECONDS))


def held_max_bytes() -> int:
    return int(getattr(settings, "REMEDIA_HELD_FILES_MAX_BYTES", HELD_MAX_BYTES))


def _cache_key(entry_id: bytes) -> str:
    # The id is half of what the worker holds: the cache sees only its hash.
    return _PREFIX + hashlib.sha256(entry_id).hexdigest()


def _encode(entry_id: bytes, key: bytes, name: str) -> str:
    raw = base64.urlsafe_b64encode(entry_id + key).decode().rstrip("=")
    # The name rides along (in the worker's own page) so that an expired file
    # can still be named in "choose it again"; the sealed name is the one shown
    # while the file is kept.
    label = base64.urlsafe_b64encode(name[:_NAME_MAX].encode()).decode().rstrip("=")
    return f"{raw}.{label}"


def _decode(token: str) -> tuple[bytes, bytes, str] | None:
    raw, _, label = (token or "").partition(".")
    try:
        both = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        name = base64.urlsafe_b64decode(label + "=" * (-len(label) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if len(both) != _ID_BYTES + crypto.KEY_BYTES:
        return None
    return both[:_ID_BYTES], both[_ID_BYTES:], name[:_NAME_MAX]


def held_file_keep(*, name: str, clean: CleanFile) -> HeldFile:
    """Seal one cleaned file into the cache; the token is the only way back."""
    entry_id = secrets.token_bytes(_ID_BYTES)
    key = crypto.secret_key_new()
    meta = json.dumps(
        {
            "name": name[:_NAME_MAX],
            "type": clean.content_type,
            "ext": clean.extension,
            "exp": _now() + _seconds(),
        },
        ensure_ascii=False,
    ).encode()
    plain = struct.pack(">I", len(meta)) + meta + clean.data
    cache.set(_cache_key(entry_id), crypto.wrap(plain, key=key), timeout=_seconds())
    return HeldFile(
        token=_encode(entry_id, key, name),
        name=name[:_NAME_MAX],
        size=len(clean.data),
        clean=clean,
    )


def held_file_name(token: str) -> str:
    """The name a token carries (for "choose it again"), or ""."""
    decoded = _decode(token)
    return decoded[2] if decoded else ""


def held_file_recall(token: str) -> HeldFile | None:
    """The file kept under `token`, or None: unknown, expired, altered, wrong key."""
    decoded = _decode(token)
    if decoded is None:
        return None
    entry_id, key, _name = decoded
    sealed = cache.get(_cache_key(entry_id))
    if not isinstance(sealed, bytes):
        return None
    try:
        plain = crypto.unwrap(sealed, key=key)
        (length,) = struct.unpack(">I", plain[:4])
        meta = json.loads(plain[4 : 4 + length])
        data = plain[4 + length :]
        if not isinstance(meta, dict) or float(meta["exp"]) < _now():
            return None
        clean = CleanFile(
            content_type=str(meta["type"]), data=data, extension=str(meta["ext"])
        )
        name = str(meta["name"])
    except (crypto.DecryptionFailed, struct.error, ValueError, KeyError, TypeError):
        logger.info("intake.held_file.unreadable")
        return None
    return HeldFile(token=token, name=name, size=len(data), clean=clean)


def held_file_release(token: str) -> None:
    """Drop a kept file now (sent with the report, or taken off by the worker)."""
    decoded = _decode(token)
    if decoded is not None:
        cache.delete(_cache_key(decoded[0]))
