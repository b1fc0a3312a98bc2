"""Sealing a secret to an X25519 public key (ugly_mugs.crypto.sealing).

Proves: a sealed secret opens with the recipient's key pair and context; sealing needs
only the public key and never repeats its output; another recipient's key, another
context, a flipped bit anywhere, truncation or arbitrary bytes all fail with
DecryptionError (never another exception); the sealed bytes contain neither the secret
nor the recipient's public key.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.crypto import DecryptionError, aead, sealing

RECIPIENT = sealing.generate_key_pair()
OTHER = sealing.generate_key_pair()
SECRET = aead.new_key()
CONTEXT = b"section-key|r1|incident|1|scheme"
SEALED = sealing.seal(RECIPIENT.public, SECRET, CONTEXT)


def test_round_trip():
    assert sealing.unseal(RECIPIENT, SEALED, CONTEXT) == SECRET


@settings(max_examples=50)
@given(secret=st.binary(max_size=256), context=st.binary(max_size=64))
def test_round_trip_any_secret_and_context(secret, context):
    assert sealing.unseal(RECIPIENT, sealing.seal(RECIPIENT.public, secret, context), context) == secret


def test_key_pairs_are_x25519_and_consistent():
    pair = sealing.generate_key_pair()
    assert len(pair.private) == 32 and len(pair.public) == sealing.PUBLIC_KEY_BYTES == 32
    assert sealing.key_pair_from_private(pair.private) == pair
    expected_public = (
        X25519PrivateKey.from_private_bytes(pair.private)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert pair.public == expected_public
    assert pair != sealing.generate_key_pair()


def test_sealing_twice_differs_and_uses_a_fresh_ephemeral_key():
    again = sealing.seal(RECIPIENT.public, SECRET, CONTEXT)
    assert again != SEALED
    assert again[: sealing.PUBLIC_KEY_BYTES] != SEALED[: sealing.PUBLIC_KEY_BYTES]
    assert sealing.unseal(RECIPIENT, again, CONTEXT) == SECRET


def test_sealed_bytes_reveal_neither_the_secret_nor_the_recipient():
    assert SECRET not in SEALED
    assert RECIPIENT.public not in SEALED
    assert RECIPIENT.private not in SEALED


def test_another_recipients_key_fails():
    with pytest.raises(DecryptionError):
        sealing.unseal(OTHER, SEALED, CONTEXT)


def test_right_private_key_with_a_mismatched_public_half_fails():
    # The public key is bound into the HKDF salt: a pair that lies about its public half does not open it.
    liar = sealing.KeyPair(private=RECIPIENT.private, public=OTHER.public)
    with pytest.raises(DecryptionError):
        sealing.unseal(liar, SEALED, CONTEXT)


@pytest.mark.parametrize(
    "context",
    [b"", b"section-key|r2|incident|1|scheme", b"section-key|r1|incident|1|unit", CONTEXT + b" "],
)
def test_another_context_fails(context):
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, SEALED, context)


@settings(max_examples=300)
@given(position=st.integers(min_value=0, max_value=len(SEALED) * 8 - 1))
def test_a_flipped_bit_anywhere_fails(position):
    tampered = bytearray(SEALED)
    tampered[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, bytes(tampered), CONTEXT)


@given(length=st.integers(min_value=0, max_value=len(SEALED) - 1))
def test_truncated_input_fails_cleanly(length):
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, SEALED[:length], CONTEXT)


@settings(max_examples=300)
@given(blob=st.binary(max_size=200))
def test_arbitrary_bytes_fail_only_with_decryption_error(blob):
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, blob, CONTEXT)


def test_low_order_ephemeral_key_fails_cleanly():
    # An all-zero X25519 point gives an all-zero shared secret, which `cryptography` rejects with ValueError.
    forged = bytes(32) + SEALED[sealing.PUBLIC_KEY_BYTES :]
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, forged, CONTEXT)


def test_seal_swapped_between_recipients_fails():
    to_other = sealing.seal(OTHER.public, SECRET, CONTEXT)
    assert sealing.unseal(OTHER, to_other, CONTEXT) == SECRET
    with pytest.raises(DecryptionError):
        sealing.unseal(RECIPIENT, to_other, CONTEXT)
