"""The cryptographic primitives Remedia uses, in one place (libsodium via PyNaCl).

The protocol follows GlobaLeaks' (docs/security.md): a Curve25519 keypair per
report, content sealed to its public key, its private key sealed to each entitled
user's public key and to the organisation's escrow key; users' private keys
wrapped under a key derived from their password; the reporter's access through a
key derived from the receipt. This module knows nothing of reports or users: it
turns bytes into bytes, and every other app builds on it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.pwhash import argon2id
from nacl.secret import SecretBox
from nacl.utils import random as random_bytes

KEY_BYTES = 32
SALT_BYTES = argon2id.SALTBYTES  # 16

# Argon2id's costs come from settings.REMEDIA_ARGON2ID_COST (production's are
# documented there and in docs/security.md; only the test suite lowers them).
# Receipt: the floor PRODUCT.md sets (m = 19 MiB, t = 2, p = 1). It runs on every
# submission and every follow-up, so it is the cost that bounds intake throughput.
# Passwords unlock a user's private key once per login: a stronger setting.


def argon2id_cost(purpose: str) -> tuple[int, int]:
    """(opslimit, memlimit) for "password" or "receipt", from settings."""
    from django.conf import settings

    cost = settings.REMEDIA_ARGON2ID_COST[purpose]
    return int(cost["opslimit"]), int(cost["memlimit"])


RECEIPT_DIGITS = 16


class DecryptionFailed(Exception):
    """A wrong key or altered ciphertext; callers treat both alike."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes
    private: bytes


def keypair_new() -> KeyPair:
    key = PrivateKey.generate()
    return KeyPair(public=bytes(key.public_key), private=bytes(key))


def public_of(private: bytes) -> bytes:
    return bytes(PrivateKey(private).public_key)


def seal(plaintext: bytes, *, public_key: bytes) -> bytes:
    """Encrypt to a public key; only its private key opens it (anonymous sender)."""
    return bytes(SealedBox(PublicKey(public_key)).encrypt(plaintext))


def unseal(ciphertext: bytes, *, private_key: bytes) -> bytes:
    try:
        return bytes(SealedBox(PrivateKey(private_key)).decrypt(ciphertext))
    except (CryptoError, ValueError, TypeError) as exc:
        raise DecryptionFailed from exc


def secret_key_new() -> bytes:
    return random_bytes(KEY_BYTES)


def wrap(plaintext: bytes, *, key: bytes) -> bytes:
    """Symmetric authenticated encryption (XSalsa20-Poly1305, random nonce)."""
    return bytes(SecretBox(key).encrypt(plaintext))


def unwrap(ciphertext: bytes, *, key: bytes) -> bytes:
    try:
        return bytes(SecretBox(key).decrypt(ciphertext))
    except (CryptoError, ValueError, TypeError) as exc:
        raise DecryptionFailed from exc


def salt_new() -> bytes:
    return random_bytes(SALT_BYTES)


def password_key(password: str, *, salt: bytes) -> bytes:
    """The key that wraps a user's private key: Argon2id of the password."""
    opslimit, memlimit = argon2id_cost("password")
    return bytes(
        argon2id.kdf(
            KEY_BYTES,
            password.encode(),
            salt,
            opslimit=opslimit,
            memlimit=memlimit,
        )
    )


def token_key(token: str) -> bytes:
    """The key that wraps a user's private key for one API token.

    A token carries 256 random bits, so a fast keyed hash is as strong as a slow
    one here; the person context keeps it apart from any other use of the token.
    """
    return bytes(
        blake2b(
            token.encode(),
            digest_size=KEY_BYTES,
            person=b"remedia-token-k",
            encoder=RawEncoder,
        )
    )


def receipt_new() -> str:
    """16 decimal digits, about 53 bits: reads like a phone number (GlobaLeaks)."""
    return str(secrets.randbelow(10**RECEIPT_DIGITS)).zfill(RECEIPT_DIGITS)


@dataclass(frozen=True)
class ReceiptSecrets:
    lookup: bytes
    key: bytes


def receipt_derive(receipt: str, *, salt: bytes) -> ReceiptSecrets:
    """One Argon2id run gives both the stored lookup value and the reporter's key.

    The 64-byte output is split: the first half is stored (to find the report),
    the second half never leaves memory (it unwraps the report's key). Knowing
    the stored half tells nothing about the other.
    """
    opslimit, memlimit = argon2id_cost("receipt")
    out = argon2id.kdf(
        2 * KEY_BYTES,
        receipt.encode(),
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )
    return ReceiptSecrets(lookup=bytes(out[:KEY_BYTES]), key=bytes(out[KEY_BYTES:]))


# --- Keys derived from REMEDIA_SECRET_KEY ---------------------------------------

_SUBKEY_SALT = b"remedia.subkey.v1"


def subkey(purpose: str, *, secret: str | None = None) -> bytes:
    """A 32-byte key of its own for one purpose, derived from the secret key.

    HKDF-SHA256 (RFC 5869) with a fixed salt, the purpose as `info`. Every use of
    the secret key as a keyed hash takes its own subkey, so no caller-chosen
    input (a username, a receipt bucket) ever meets the secret key itself, and
    a value exposed for one purpose tells nothing about another's key.
    `secret` derives from another secret key (a previous one, after rotation).
    """
    ikm = (settings.SECRET_KEY if secret is None else secret).encode()
    prk = hmac.new(_SUBKEY_SALT, ikm, hashlib.sha256).digest()
    return hmac.new(prk, purpose.encode() + b"\x01", hashlib.sha256).digest()


# --- The receipt pepper ----------------------------------------------------------------


def receipt_peppers() -> list[bytes]:
    """The receipt pepper under the secret key, then under each previous one
    (`SECRET_KEY_FALLBACKS`, kept for a while after a rotation)."""
    secrets_ = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [subkey("intake.receipt.pepper", secret=s) for s in secrets_]


def receipt_peppered(derived: ReceiptSecrets, *, pepper: bytes) -> ReceiptSecrets:
    """Both halves of the receipt's Argon2id output, keyed with the pepper.

    The site-wide salt is in the database; the pepper is not. Without it a
    database thief can neither compare a guess with the stored lookups nor
    try it against the reporters' wrapped keys, so each guess tests nothing.
    Applied after the slow hash, one Argon2id run serves every pepper tried
    (the current one, previous ones, none for reports made before it).
    """
    return ReceiptSecrets(
        lookup=hmac.new(pepper, b"lookup" + derived.lookup, hashlib.sha256).digest(),
        key=hmac.new(pepper, b"key" + derived.key, hashlib.sha256).digest(),
    )
