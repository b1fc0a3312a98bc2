"""Sealing a secret to a public key (ugly_mugs.crypto.sealing), for both kinds of key pair.

Proves, for hybrid (X25519 + ML-KEM-768, HPKE) and first-release X25519 key pairs alike: a
sealed secret opens with the recipient's key pair and context; sealing needs only the public
key and never repeats its output; another recipient's key, another context, a flipped bit
anywhere, truncation, arbitrary bytes or a pair whose halves do not belong together all fail
with DecryptionError (never another exception); the sealed bytes contain neither the secret nor
the recipient's keys. For the formats: new key pairs are hybrid; a hybrid seal is version 2,
starts with its version byte and is plain RFC 9180 HPKE that ``cryptography``'s own HPKE opens;
any other version byte fails; a seal made by the first release (a fixed vector) still opens; a
key of one kind never opens a seal of the other; a key derived from a passphrase seed is the
same every time and the seed expansion is X-Wing's (SHAKE256 to 96 bytes); the database columns for
public keys hold the longest kind.
"""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.crypto import DecryptionError, aead, sealing

KINDS = (sealing.HYBRID, sealing.X25519)
PAIRS = {kind: sealing.generate_key_pair(kind) for kind in KINDS}
OTHERS = {kind: sealing.generate_key_pair(kind) for kind in KINDS}
SECRET = aead.new_key()
CONTEXT = b"section-key|r1|incident|1|scheme"
SEALED = {kind: sealing.seal(PAIRS[kind].public, SECRET, CONTEXT) for kind in KINDS}

# Made by the first release's sealing module (X25519 + HKDF-SHA256 + AES-256-GCM) and stored
# here byte for byte: what databases written before hybrid keys hold.
V1_PRIVATE = bytes.fromhex("97458a1368343f8d73c1c104d0a1d055b7b2cc594731308478edd560e69a81b4")
V1_PUBLIC = bytes.fromhex("81d74d5e5df2b16863972f776c2c5d6ed1988a7199249fc4348b0b7d2eed820d")
V1_SECRET = bytes.fromhex("f98f6833d96bf825058398c02eba8724007ab9cbf77f1b54819e727f824cc9e0")
V1_SEALED = bytes.fromhex(
    "3074affd8f4c629d26562b5683dcb40241026844fb8357a49f367a3ab4441b536d81df45fc7579e88b22dc13d8b1f17d"
    "210c24cca52be5cf4f25e3abba995ae247d5d35bbfbd2dfa8c97c4abd1772b0cea711821203ce76214ec86dc"
)

kinds = pytest.mark.parametrize("kind", KINDS)


# --- every kind ----------------------------------------------------------------------------


@kinds
def test_round_trip(kind):
    assert sealing.unseal(PAIRS[kind], SEALED[kind], CONTEXT) == SECRET


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(KINDS), secret=st.binary(max_size=256), context=st.binary(max_size=64))
def test_round_trip_any_secret_and_context(kind, secret, context):
    pair = PAIRS[kind]
    assert sealing.unseal(pair, sealing.seal(pair.public, secret, context), context) == secret


@kinds
def test_key_pairs_are_consistent_and_new_each_time(kind):
    pair = sealing.generate_key_pair(kind)
    assert pair.kind == kind
    assert sealing.key_pair_from_private(pair.private) == pair
    assert pair != sealing.generate_key_pair(kind)


@kinds
def test_sealing_twice_differs(kind):
    again = sealing.seal(PAIRS[kind].public, SECRET, CONTEXT)
    assert again != SEALED[kind]
    assert sealing.unseal(PAIRS[kind], again, CONTEXT) == SECRET


@kinds
def test_sealed_bytes_reveal_neither_the_secret_nor_the_recipient(kind):
    pair = PAIRS[kind]
    for needle in (SECRET, pair.public, pair.private, pair.public[-32:], pair.private[-32:]):
        assert needle not in SEALED[kind]


@kinds
def test_another_recipients_key_fails(kind):
    with pytest.raises(DecryptionError):
        sealing.unseal(OTHERS[kind], SEALED[kind], CONTEXT)


@kinds
def test_right_private_key_with_a_mismatched_public_half_fails(kind):
    liar = sealing.KeyPair(private=PAIRS[kind].private, public=OTHERS[kind].public)
    with pytest.raises(DecryptionError):
        sealing.unseal(liar, SEALED[kind], CONTEXT)


@kinds
@pytest.mark.parametrize(
    "context",
    [b"", b"section-key|r2|incident|1|scheme", b"section-key|r1|incident|1|unit", CONTEXT + b" "],
)
def test_another_context_fails(kind, context):
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[kind], SEALED[kind], context)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_a_flipped_bit_anywhere_fails(kind, data):
    sealed = SEALED[kind]
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) * 8 - 1))
    tampered = bytearray(sealed)
    tampered[position // 8] ^= 1 << (position % 8)
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[kind], bytes(tampered), CONTEXT)


@settings(deadline=None)
@given(kind=st.sampled_from(KINDS), data=st.data())
def test_truncated_input_fails_cleanly(kind, data):
    sealed = SEALED[kind]
    length = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[kind], sealed[:length], CONTEXT)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(KINDS), blob=st.binary(max_size=1300))
def test_arbitrary_bytes_fail_only_with_decryption_error(kind, blob):
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[kind], blob, CONTEXT)


@kinds
def test_seal_swapped_between_recipients_fails(kind):
    to_other = sealing.seal(OTHERS[kind].public, SECRET, CONTEXT)
    assert sealing.unseal(OTHERS[kind], to_other, CONTEXT) == SECRET
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[kind], to_other, CONTEXT)


# --- the formats -----------------------------------------------------------------------------


def test_new_key_pairs_are_hybrid_with_a_kind_prefix():
    pair = sealing.generate_key_pair()
    assert pair.kind == sealing.HYBRID == sealing.DEFAULT_KIND
    assert len(pair.public) == sealing.HYBRID_PUBLIC_BYTES == sealing.MAX_PUBLIC_KEY_BYTES == 1 + 1184 + 32
    assert len(pair.private) == sealing.HYBRID_PRIVATE_BYTES == 33
    assert pair.public[0] == pair.private[0] == 2
    assert sealing.kind_of(pair.public) == sealing.HYBRID


def test_first_release_key_pairs_are_raw_x25519():
    pair = sealing.generate_key_pair(sealing.X25519)
    assert len(pair.private) == len(pair.public) == sealing.PUBLIC_KEY_BYTES == 32
    expected_public = (
        X25519PrivateKey.from_private_bytes(pair.private)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert pair.public == expected_public


@pytest.mark.parametrize("public", [b"", b"\x02" * 31, b"\x02" * 33, b"\x01" + bytes(1216), bytes(1217 + 1)])
def test_unknown_public_key_encodings_are_refused(public):
    with pytest.raises(ValueError):
        sealing.kind_of(public)
    with pytest.raises(ValueError):
        sealing.seal(public, SECRET, CONTEXT)


@pytest.mark.parametrize("private", [b"", bytes(31), b"\x01" + bytes(32), b"\x02" + bytes(30), b"\x02" + bytes(33)])
def test_unknown_private_key_encodings_are_refused(private):
    with pytest.raises(ValueError):
        sealing.key_pair_from_private(private)


def test_a_first_release_seal_still_opens():
    pair = sealing.key_pair_from_private(V1_PRIVATE)
    assert pair.public == V1_PUBLIC and pair.kind == sealing.X25519
    assert sealing.seal_version(pair.kind, V1_SEALED) == sealing.SEAL_V1
    assert sealing.unseal(pair, V1_SEALED, CONTEXT) == V1_SECRET
    with pytest.raises(DecryptionError):
        sealing.unseal(pair, V1_SEALED, CONTEXT + b"x")


def test_a_seal_to_a_first_release_key_keeps_its_format():
    # Version 1 is what an X25519 key can take; an old key keeps working until rotation replaces it.
    sealed = sealing.seal(V1_PUBLIC, SECRET, CONTEXT)
    assert len(sealed) == 32 + 12 + len(SECRET) + 16
    assert sealing.unseal(sealing.key_pair_from_private(V1_PRIVATE), sealed, CONTEXT) == SECRET


def test_a_hybrid_seal_carries_version_2_and_is_plain_hpke():
    sealed = SEALED[sealing.HYBRID]
    assert sealed[0] == sealing.SEAL_V2
    assert len(sealed) == 1 + hpke.KEM.MLKEM768_X25519.enc_length() + len(SECRET) + 16
    assert sealing.seal_version(sealing.HYBRID, sealed) == sealing.SEAL_V2
    # Opened here without this module: X-Wing's seed expansion, then RFC 9180 HPKE single-shot.
    pair = PAIRS[sealing.HYBRID]
    expanded = hashlib.shake_256(pair.private[1:]).digest(96)
    ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    x = X25519PrivateKey.from_private_bytes(expanded[64:])
    assert pair.public[1:] == ml.public_key().public_bytes_raw() + x.public_key().public_bytes_raw()
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    private = hpke.MLKEM768X25519PrivateKey(ml, x)
    assert suite.decrypt(sealed[1:], private, info=b"ugly-mugs seal v2|" + CONTEXT) == SECRET


@pytest.mark.parametrize("version", [0, 1, 3, 0x7F, 0xFF])
def test_a_hybrid_seal_with_another_version_byte_fails(version):
    sealed = bytes([version]) + SEALED[sealing.HYBRID][1:]
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[sealing.HYBRID], sealed, CONTEXT)
    with pytest.raises(ValueError):
        sealing.seal_version(sealing.HYBRID, sealed)


def test_a_key_never_opens_a_seal_of_the_other_kind():
    hybrid, old = PAIRS[sealing.HYBRID], sealing.key_pair_from_private(V1_PRIVATE)
    for pair, sealed in ((hybrid, V1_SEALED), (old, SEALED[sealing.HYBRID]), (hybrid, SEALED[sealing.X25519])):
        with pytest.raises(DecryptionError):
            sealing.unseal(pair, sealed, CONTEXT)


@kinds
def test_a_key_pair_from_a_seed_is_the_same_every_time(kind):
    seed = hashlib.sha256(b"a key derived from a passphrase").digest()
    pair = sealing.key_pair_from_seed(seed, kind)
    assert pair == sealing.key_pair_from_seed(seed, kind) and pair.kind == kind
    assert sealing.unseal(pair, sealing.seal(pair.public, SECRET, CONTEXT), CONTEXT) == SECRET
    assert pair != sealing.key_pair_from_seed(hashlib.sha256(seed).digest(), kind)


@pytest.mark.parametrize("seed", [b"", bytes(31), bytes(33)])
def test_a_seed_must_be_32_bytes(seed):
    with pytest.raises(ValueError):
        sealing.key_pair_from_seed(seed)


def test_low_order_ephemeral_key_fails_cleanly():
    # An all-zero X25519 point gives an all-zero shared secret, which `cryptography` rejects with ValueError.
    forged = bytes(32) + SEALED[sealing.X25519][32:]
    with pytest.raises(DecryptionError):
        sealing.unseal(PAIRS[sealing.X25519], forged, CONTEXT)


def test_the_public_key_columns_hold_the_longest_key():
    from ugly_mugs.models import Account, GroupKey, RecoveryKey

    for model in (Account, GroupKey, RecoveryKey):
        assert model.__table__.c.public_key.type.length == sealing.MAX_PUBLIC_KEY_BYTES
