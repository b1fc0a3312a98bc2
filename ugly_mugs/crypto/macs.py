"""Authentication codes (HMAC-SHA256) under keys kept outside the database.

Whoever can write to the database but does not hold the key cannot make a code that checks,
so a row it writes or rewrites is found out. Each use gets its own key, derived with HKDF-SHA256
from one secret of at least 32 bytes (the audit key), so a code made for one purpose never
passes for another.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MIN_KEY_BYTES = 32
_SALT = b"ugly-mugs mac"


def subkey(secret: bytes, purpose: str) -> bytes:
    """The 32-byte key for ``purpose`` (ASCII, e.g. ``"audit entry v1"``); ValueError if ``secret`` is short."""
    if len(secret) < MIN_KEY_BYTES:
        raise ValueError(f"the key must be at least {MIN_KEY_BYTES} bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode("ascii")).derive(secret)


def tag(key: bytes, data: bytes) -> str:
    """The authentication code of ``data``: 64 lowercase hexadecimal digits."""
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def matches(key: bytes, data: bytes, expected: str | None) -> bool:
    """Whether ``expected`` is the code of ``data`` (in constant time; False for None or junk)."""
    if not isinstance(expected, str):
        return False
    return hmac.compare_digest(tag(key, data), expected.encode("ascii", "replace").decode("ascii"))
