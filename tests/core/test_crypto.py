import hashlib
import hmac
import re

import pytest

from remedia.config import settings as settings_module
from remedia.core import crypto


def test_sealed_content_opens_only_with_its_private_key():
    # Given two keypairs
    alice, mallory = crypto.keypair_new(), crypto.keypair_new()
    # When a text is sealed to Alice
    box = crypto.seal("amenazas en la línea 3".encode(), public_key=alice.public)
    # Then only Alice's private key opens it
    assert (
        crypto.unseal(box, private_key=alice.private).decode()
        == "amenazas en la línea 3"
    )
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unseal(box, private_key=mallory.private)


def test_wrapped_data_detects_tampering_and_wrong_keys():
    key = crypto.secret_key_new()
    wrapped = bytearray(crypto.wrap(b"private key bytes", key=key))
    assert crypto.unwrap(bytes(wrapped), key=key) == b"private key bytes"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(bytes(wrapped), key=crypto.secret_key_new())
    wrapped[-1] ^= 1
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unwrap(bytes(wrapped), key=key)


def test_receipts_are_sixteen_digits_with_at_least_52_bits():
    receipts = {crypto.receipt_new() for _ in range(2000)}
    assert all(re.fullmatch(r"\d{16}", r) for r in receipts)
    assert len(receipts) == 2000
    assert 10**crypto.RECEIPT_DIGITS >= 2**52


def test_receipt_derivation_is_deterministic_and_splits_lookup_from_key():
    salt = crypto.salt_new()
    first = crypto.receipt_derive("1234567890123456", salt=salt)
    again = crypto.receipt_derive("1234567890123456", salt=salt)
    other = crypto.receipt_derive("1234567890123457", salt=salt)
    assert first == again
    assert first.lookup != first.key
    assert other.lookup != first.lookup


def test_receipt_hash_is_no_weaker_than_the_product_floor():
    # The suite runs cheaper (tests/support/plugin.py); production's floor is
    # checked in a process of its own by tests/core/test_costs.py.
    production = settings_module.REMEDIA_ARGON2ID_COST["receipt"]
    assert production["memlimit"] >= 19 * 1024 * 1024
    assert production["opslimit"] >= 2


def test_password_and_token_keys_depend_on_their_secret():
    salt = crypto.salt_new()
    assert crypto.password_key("uno", salt=salt) != crypto.password_key(
        "dos", salt=salt
    )
    assert crypto.password_key("uno", salt=salt) != crypto.password_key(
        "uno", salt=crypto.salt_new()
    )
    assert crypto.token_key("rmd_a") != crypto.token_key("rmd_b")
    assert len(crypto.token_key("rmd_a")) == crypto.KEY_BYTES


def test_subkey_is_hkdf_of_the_secret_key_per_purpose(settings):
    # Given the secret key, a purpose is expanded with HKDF-SHA256 (RFC 5869)
    settings.SECRET_KEY = "k" * 50
    prk = hmac.new(b"remedia.subkey.v1", b"k" * 50, hashlib.sha256).digest()
    expected = hmac.new(prk, b"core.throttle\x01", hashlib.sha256).digest()

    assert crypto.subkey("core.throttle") == expected
