"""Sealing a secret to a public key: whoever seals needs only the recipient's public key.

Reports of violence are kept for years, so a seal made today must still hold when a quantum
computer can break X25519 ("collect now, decrypt later"). New key pairs are therefore hybrid:
X25519 together with ML-KEM-768 (FIPS 203), and seals to them use HPKE (RFC 9180, base mode)
with the hybrid KEM ``MLKEM768-X25519``, HKDF-SHA256 and AES-256-GCM, as the ``cryptography``
package implements it. A seal stays safe while either half of the hybrid holds.

Key pairs of the first release are plain X25519 and keep working: a seal to such a key is made
in that key's format (an X25519 key cannot take more), until rotation replaces the key.

Kinds of key pair (``KeyPair.kind``), and how their halves are stored:

=========  ==========================================  ====================================
kind       public key                                  private key
=========  ==========================================  ====================================
X25519     32 raw bytes (no prefix: first release)     32 raw bytes
HYBRID     0x02 || ML-KEM-768 (1184) || X25519 (32)    0x02 || 32-byte seed
=========  ==========================================  ====================================

A hybrid private key is stored as the 32-byte seed it is expanded from with SHAKE256 to 96
bytes (the ML-KEM-768 seed d||z, then the X25519 private key), as X-Wing does
(draft-connolly-cfrg-xwing-kem), so that a key derived from a passphrase is as short as before.

Sealed formats, chosen by the recipient key's kind and checked when opening:

- version 1 (X25519 keys): ephemeral public key (32) || AES-GCM nonce (12) || ciphertext+tag;
  the AES key is HKDF-SHA256 of the X25519 shared secret, salted with both public keys, info
  ``ugly-mugs seal v1|<context>``. It predates the version byte, and only X25519 keys open it.
- version 2 (HYBRID keys): 0x02 || HPKE encapsulated key (1120) || ciphertext+tag, with HPKE
  info ``ugly-mugs seal v2|<context>`` binding the seal to where it belongs.

No Flask and no project imports: this module is used by filing, key groups, staff accounts and
the command line alike.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ugly_mugs.crypto import aead

X25519 = "x25519"
HYBRID = "mlkem768-x25519"
# The kind of every key pair made from now on.
DEFAULT_KIND = HYBRID

SEAL_V1 = 1
SEAL_V2 = 2

_HYBRID_TAG = b"\x02"  # the prefix of hybrid public and private keys, and of version-2 seals
X25519_KEY_BYTES = 32
MLKEM768_PUBLIC_BYTES = 1184
SEED_BYTES = 32
HYBRID_PUBLIC_BYTES = 1 + MLKEM768_PUBLIC_BYTES + X25519_KEY_BYTES
HYBRID_PRIVATE_BYTES = 1 + SEED_BYTES
# The longest public key of any kind: what a database column for public keys must hold.
MAX_PUBLIC_KEY_BYTES = HYBRID_PUBLIC_BYTES
# Kept for callers of the first release: the size of an X25519 public key.
PUBLIC_KEY_BYTES = X25519_KEY_BYTES

_INFO_V1 = b"ugly-mugs seal v1"
_INFO_V2 = b"ugly-mugs seal v2|"
_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_ENC_BYTES = hpke.KEM.MLKEM768_X25519.enc_length()
_AEAD_TAG_BYTES = 16
_RAW = serialization.Encoding.Raw


def kind_of(public: bytes) -> str:
    """The kind of a stored public key (X25519 or HYBRID); ValueError for anything else."""
    if len(public) == X25519_KEY_BYTES:
        return X25519
    if len(public) == HYBRID_PUBLIC_BYTES and public[:1] == _HYBRID_TAG:
        return HYBRID
    raise ValueError("not a public key of a known kind")


def _private_kind(private: bytes) -> str:
    if len(private) == X25519_KEY_BYTES:
        return X25519
    if len(private) == HYBRID_PRIVATE_BYTES and private[:1] == _HYBRID_TAG:
        return HYBRID
    raise ValueError("not a private key of a known kind")


def _expand(seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, X25519PrivateKey]:
    expanded = hashlib.shake_256(seed).digest(96)
    return (
        mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64]),
        X25519PrivateKey.from_private_bytes(expanded[64:]),
    )


def _x25519_public(private: X25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def _hybrid_private(private: bytes) -> tuple[hpke.MLKEM768X25519PrivateKey, bytes]:
    """The HPKE private key of a stored hybrid private key, and the public key that belongs to it."""
    if _private_kind(private) != HYBRID:
        raise ValueError("not a hybrid private key")
    ml, x = _expand(private[1:])
    public = _HYBRID_TAG + ml.public_key().public_bytes_raw() + _x25519_public(x)
    return hpke.MLKEM768X25519PrivateKey(ml, x), public


@dataclass(frozen=True)
class KeyPair:
    """A private key and its public key, in the stored encodings above; ``kind`` tells which."""

    private: bytes
    public: bytes
    # Key pairs this one replaces while a group key is rotated (ugly_mugs.keys.rotation): a seal
    # not yet moved to the new key still opens. Empty outside a rotation.
    previous: tuple[KeyPair, ...] = field(default=(), compare=False, repr=False)

    @property
    def kind(self) -> str:
        return kind_of(self.public)

    @cached_property
    def _hybrid(self) -> tuple[hpke.MLKEM768X25519PrivateKey, bytes]:
        # Expanding the seed costs about as much as opening a seal: once per pair is enough.
        return _hybrid_private(self.private)


def generate_key_pair(kind: str = DEFAULT_KIND) -> KeyPair:
    """A new random key pair of ``kind`` (hybrid unless asked otherwise)."""
    if kind == X25519:
        private = X25519PrivateKey.generate()
        raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        return KeyPair(private=raw, public=_x25519_public(private))
    return key_pair_from_seed(os.urandom(SEED_BYTES), kind)


def key_pair_from_seed(seed: bytes, kind: str = DEFAULT_KIND) -> KeyPair:
    """The key pair of ``kind`` made from a 32-byte secret ``seed`` (a key derived from a passphrase)."""
    if len(seed) != SEED_BYTES:
        raise ValueError("a key pair is made from a 32-byte seed")
    if kind == X25519:
        return key_pair_from_private(seed)
    if kind != HYBRID:
        raise ValueError(f"unknown kind of key pair {kind!r}")
    return key_pair_from_private(_HYBRID_TAG + seed)


def key_pair_from_private(private: bytes) -> KeyPair:
    """The whole key pair from a stored private key (of either kind); ValueError if it is none."""
    if _private_kind(private) == X25519:
        return KeyPair(private=private, public=_x25519_public(X25519PrivateKey.from_private_bytes(private)))
    parts = _hybrid_private(private)
    pair = KeyPair(private=private, public=parts[1])
    pair.__dict__["_hybrid"] = parts  # what cached_property would store: expand the seed once
    return pair


@lru_cache(maxsize=64)
def _hybrid_public(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    # Public keys are few (the scheme key, unit keys, people) and sealed to again and again.
    ml = mlkem.MLKEM768PublicKey.from_public_bytes(public[1 : 1 + MLKEM768_PUBLIC_BYTES])
    x = X25519PublicKey.from_public_bytes(public[1 + MLKEM768_PUBLIC_BYTES :])
    return hpke.MLKEM768X25519PublicKey(ml, x)


def seal(recipient_public: bytes, secret: bytes, context: bytes) -> bytes:
    """Encrypt ``secret`` so that only the holder of the matching private key opens it.

    ``context`` (bytes) says where the seal belongs; opening needs the same context. The format
    follows the recipient key's kind (see the module docstring). Raises ValueError if
    ``recipient_public`` is not a public key of a known kind.
    """
    if kind_of(recipient_public) == HYBRID:
        return _HYBRID_TAG + _SUITE.encrypt(secret, _hybrid_public(recipient_public), info=_INFO_V2 + context)
    return _seal_v1(recipient_public, secret, context)


def seal_version(recipient_kind: str, sealed: bytes) -> int:
    """The format version of ``sealed``, a seal to a key of ``recipient_kind``; ValueError if it is none."""
    if recipient_kind == HYBRID and sealed[:1] == _HYBRID_TAG:
        return SEAL_V2
    if recipient_kind == X25519:
        return SEAL_V1
    raise ValueError("not a seal to a key of this kind")


def unseal(recipient: KeyPair, sealed: bytes, context: bytes) -> bytes:
    """Open a sealed secret; raises DecryptionError if it was not sealed to this key (or one of
    ``recipient.previous``) with this context, was altered, is in a format this key does not use,
    or the key pair's halves do not belong together."""
    try:
        return _unseal_one(recipient, sealed, context)
    except aead.DecryptionError:
        for older in recipient.previous:
            try:
                return _unseal_one(older, sealed, context)
            except aead.DecryptionError:
                continue
        raise


def _unseal_one(recipient: KeyPair, sealed: bytes, context: bytes) -> bytes:
    try:
        kind = recipient.kind
        version = seal_version(kind, sealed)
    except ValueError:
        raise aead.DecryptionError("sealed data of an unknown version, or a key of an unknown kind") from None
    if version == SEAL_V1:
        return _unseal_v1(recipient, sealed, context)
    try:
        private, public = recipient._hybrid
    except ValueError:
        raise aead.DecryptionError("the private key is not a hybrid key") from None
    if public != recipient.public:
        raise aead.DecryptionError("the private key does not belong to this public key")
    if len(sealed) < 1 + _ENC_BYTES + _AEAD_TAG_BYTES:
        raise aead.DecryptionError("sealed data is too short")
    try:
        return _SUITE.decrypt(sealed[1:], private, info=_INFO_V2 + context)
    except (InvalidTag, ValueError):
        raise aead.DecryptionError("sealed data does not authenticate") from None


# --- version 1: X25519 + HKDF-SHA256 + AES-256-GCM, for X25519 keys of the first release ------


def _wrapping_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, context: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=aead.KEY_BYTES,
        salt=ephemeral_public + recipient_public,
        info=_INFO_V1 + b"|" + context,
    ).derive(shared)


def _seal_v1(recipient_public: bytes, secret: bytes, context: bytes) -> bytes:
    recipient = X25519PublicKey.from_public_bytes(recipient_public)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _x25519_public(ephemeral)
    key = _wrapping_key(ephemeral.exchange(recipient), ephemeral_public, recipient_public, context)
    return ephemeral_public + aead.encrypt(key, secret, context)


def _unseal_v1(recipient: KeyPair, sealed: bytes, context: bytes) -> bytes:
    if len(sealed) < X25519_KEY_BYTES:
        raise aead.DecryptionError("sealed data is too short")
    ephemeral_public = sealed[:X25519_KEY_BYTES]
    try:
        shared = X25519PrivateKey.from_private_bytes(recipient.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public)
        )
    except ValueError:
        raise aead.DecryptionError("an unusable ephemeral key, or a private key that is not X25519") from None
    key = _wrapping_key(shared, ephemeral_public, recipient.public, context)
    return aead.decrypt(key, sealed[X25519_KEY_BYTES:], context)
