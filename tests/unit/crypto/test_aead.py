"""AES-256-GCM with associated data (ugly_mugs.crypto.aead).

Proves: round trips; every nonce, ciphertext or tag bit is authenticated (a flipped bit
anywhere fails with DecryptionError); a fresh nonce each time, so the same plaintext
never encrypts to the same bytes; the wrong key or associated data fails; truncated or
otherwise malformed input fails with DecryptionError and never another exception.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.crypto import DecryptionError, aead

KEY = bytes(range(32))
AD = b"report-1|incident|1"
PLAINTEXT = b"He hit me outside the station at 2am."


def test_round_trip():
    blob = aead.encrypt(KEY, PLAINTEXT, AD)
    assert aead.decrypt(KEY, blob, AD) == PLAINTEXT


@settings(max_examples=200)
@given(plaintext=st.binary(max_size=2048), associated_data=st.binary(max_size=256))
def test_round_trip_any_bytes(plaintext, associated_data):
    key = aead.new_key()
    blob = aead.encrypt(key, plaintext, associated_data)
    assert aead.decrypt(key, blob, associated_data) == plaintext


def test_layout_is_nonce_ciphertext_tag_and_hides_the_plaintext():
    blob = aead.encrypt(KEY, PLAINTEXT, AD)
    assert len(blob) == aead.NONCE_BYTES + len(PLAINTEXT) + 16
    assert PLAINTEXT not in blob
    assert b"station" not in blob


def test_new_key_is_256_bits_and_random():
    keys = {aead.new_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(k) == aead.KEY_BYTES == 32 for k in keys)


def test_same_plaintext_encrypts_differently_twice():
    first = aead.encrypt(KEY, PLAINTEXT, AD)
    second = aead.encrypt(KEY, PLAINTEXT, AD)
    assert first != second
    # Different nonces, not only different tails: a repeated GCM nonce would leak the XOR of plaintexts.
    assert first[: aead.NONCE_BYTES] != second[: aead.NONCE_BYTES]
    assert aead.decrypt(KEY, first, AD) == aead.decrypt(KEY, second, AD) == PLAINTEXT


def test_nonces_do_not_repeat_over_many_encryptions():
    nonces = {aead.encrypt(KEY, b"x", AD)[: aead.NONCE_BYTES] for _ in range(2000)}
    assert len(nonces) == 2000


BLOB = aead.encrypt(KEY, PLAINTEXT, AD)


@settings(max_examples=300)
@given(position=st.integers(min_value=0, max_value=len(BLOB) * 8 - 1))
def test_a_flipped_bit_anywhere_fails(position):
    tampered = bytearray(BLOB)
    tampered[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        aead.decrypt(KEY, bytes(tampered), AD)


@pytest.mark.parametrize(
    "region",
    [slice(0, aead.NONCE_BYTES), slice(aead.NONCE_BYTES, -16), slice(-16, None)],
    ids=["nonce", "ciphertext", "tag"],
)
def test_every_byte_of_each_region_is_authenticated(region):
    indices = range(len(BLOB))[region]
    assert len(indices) > 0
    for i in indices:
        tampered = bytearray(BLOB)
        tampered[i] ^= 0x80
        with pytest.raises(DecryptionError):
            aead.decrypt(KEY, bytes(tampered), AD)


@pytest.mark.parametrize(
    "wrong_ad",
    [b"", b"report-2|incident|1", b"report-1|identity|1", b"report-1|incident|2", AD + b"\x00"],
)
def test_wrong_associated_data_fails(wrong_ad):
    with pytest.raises(DecryptionError):
        aead.decrypt(KEY, BLOB, wrong_ad)


def test_wrong_key_fails():
    with pytest.raises(DecryptionError):
        aead.decrypt(aead.new_key(), BLOB, AD)


@given(length=st.integers(min_value=0, max_value=len(BLOB) - 1))
def test_truncated_input_fails_cleanly(length):
    with pytest.raises(DecryptionError):
        aead.decrypt(KEY, BLOB[:length], AD)


def test_extended_input_fails():
    with pytest.raises(DecryptionError):
        aead.decrypt(KEY, BLOB + b"\x00", AD)


@settings(max_examples=300)
@given(blob=st.binary(max_size=200), associated_data=st.binary(max_size=40))
def test_arbitrary_bytes_fail_only_with_decryption_error(blob, associated_data):
    with pytest.raises(DecryptionError):
        aead.decrypt(KEY, blob, associated_data)


@pytest.mark.parametrize("size", [0, 16, 24, 31, 33, 64])
def test_key_of_wrong_size_fails_cleanly(size):
    with pytest.raises(DecryptionError):
        aead.decrypt(bytes(size), BLOB, AD)
    with pytest.raises(ValueError, match="32-byte key"):
        aead.encrypt(bytes(size), PLAINTEXT, AD)
