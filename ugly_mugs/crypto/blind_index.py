"""Blind indexes: keyed HMAC-SHA256 of normalised identifiers.

Phone numbers and number plates have too little entropy for a plain hash to hide them,
so each kind of identifier is indexed under its own key, derived with HKDF from a
matching key that is kept outside the database. Normalising the identifier is the
caller's job; this module only keys and hashes.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KINDS = ("phone", "vehicle", "email", "username")


def kind_key(matching_key: bytes, kind: str, version: int) -> bytes:
    """The per-kind index key for one version of the matching key."""
    if kind not in KINDS:
        raise ValueError(f"unknown identifier kind {kind!r}")
    if len(matching_key) < 32:
        raise ValueError("the matching key must be at least 32 bytes")
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"ugly-mugs blind index",
        info=f"{kind}|v{version}".encode(),
    ).derive(matching_key)


def index(key: bytes, normalised_value: str) -> str:
    return hmac.new(key, normalised_value.encode("utf-8"), hashlib.sha256).hexdigest()


def fingerprint(matching_key: bytes) -> str:
    """A public name for a matching key (to tell versions apart); reveals nothing of the key."""
    if len(matching_key) < 32:
        raise ValueError("the matching key must be at least 32 bytes")
    return (
        HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"ugly-mugs blind index",
            info=b"fingerprint",
        )
        .derive(matching_key)
        .hex()
    )
