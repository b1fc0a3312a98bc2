"""AES-256-GCM with associated data.

The associated data binds a ciphertext to where it belongs (report, section, version),
so a ciphertext copied to another place fails to decrypt instead of being misread.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The key is wrong, the data was altered or it belongs somewhere else."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """Return nonce || ciphertext-with-tag under a fresh random nonce."""
    if len(key) != KEY_BYTES:
        raise ValueError("AES-256-GCM needs a 32-byte key")
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def decrypt(key: bytes, blob: bytes, associated_data: bytes) -> bytes:
    if len(key) != KEY_BYTES or len(blob) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext or key has the wrong size")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], associated_data)
    except InvalidTag:
        raise DecryptionError("ciphertext does not authenticate") from None
