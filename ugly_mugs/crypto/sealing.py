"""Sealing a secret to an X25519 public key.

Whoever seals needs only the recipient's public key: a one-off ephemeral key pair is
made, its shared secret with the recipient goes through HKDF-SHA256 (bound to both
public keys and a context string), and the result encrypts the secret with AES-GCM.
The reporting face therefore holds no private key at all.

Sealed format: ephemeral public key (32 bytes) || AES-GCM nonce || ciphertext.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey,
    X25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ugly_mugs.crypto import aead

PUBLIC_KEY_BYTES = 32
_INFO = b"ugly-mugs seal v1"
_RAW = serialization.Encoding.Raw


@dataclass(frozen=True)
class KeyPair:
    private: bytes
    public: bytes


def generate_key_pair() -> KeyPair:
    private = X25519PrivateKey.generate()
    return KeyPair(
        private=private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
        public=private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw),
    )


def key_pair_from_private(private: bytes) -> KeyPair:
    key = X25519PrivateKey.from_private_bytes(private)
    return KeyPair(
        private=private,
        public=key.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw),
    )


def _wrapping_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes, context: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=aead.KEY_BYTES,
        salt=ephemeral_public + recipient_public,
        info=_INFO + b"|" + context,
    ).derive(shared)


def seal(recipient_public: bytes, secret: bytes, context: bytes) -> bytes:
    """Encrypt ``secret`` so that only the holder of the matching private key opens it."""
    recipient = X25519PublicKey.from_public_bytes(recipient_public)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _wrapping_key(ephemeral.exchange(recipient), ephemeral_public, recipient_public, context)
    return ephemeral_public + aead.encrypt(key, secret, context)


def unseal(recipient: KeyPair, sealed: bytes, context: bytes) -> bytes:
    """Open a sealed secret; raises DecryptionError if it was not sealed to this key here."""
    if len(sealed) < PUBLIC_KEY_BYTES:
        raise aead.DecryptionError("sealed data is too short")
    ephemeral_public = sealed[:PUBLIC_KEY_BYTES]
    try:
        shared = X25519PrivateKey.from_private_bytes(recipient.private).exchange(
            X25519PublicKey.from_public_bytes(ephemeral_public)
        )
    except ValueError:
        raise aead.DecryptionError("sealed data has an unusable ephemeral key") from None
    key = _wrapping_key(shared, ephemeral_public, recipient.public, context)
    return aead.decrypt(key, sealed[PUBLIC_KEY_BYTES:], context)
