"""Receipt codes: what a reporter keeps to come back to a report.

A code is 20 Crockford base32 symbols (100 random bits) shown as five groups of four.
Reading it back is case-insensitive, ignores spaces and dashes, and takes the usual
look-alikes (O for 0, I and L for 1). With 100 bits of entropy a fast HKDF is enough to
derive from it both the receipt key (which opens the report's section keys) and the
lookup id (which finds the report); neither reveals the other or the code.
"""

from __future__ import annotations

import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SYMBOLS = 20
GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SALT = b"ugly-mugs receipt v1"


class InvalidReceiptCode(ValueError):
    """The text cannot be a receipt code (wrong length or symbols)."""


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return format_code(raw)


def format_code(normalised: str) -> str:
    return "-".join(normalised[i : i + GROUP] for i in range(0, len(normalised), GROUP))


def normalise(text: str) -> str:
    """Canonical form of a typed code; raises InvalidReceiptCode if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n").translate(_LOOKALIKES)
    if len(cleaned) != SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        raise InvalidReceiptCode("not a receipt code")
    return cleaned


def _derive(code: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose).derive(normalise(code).encode("ascii"))


def receipt_key(code: str) -> bytes:
    """The symmetric key that the report's section keys are sealed to for the reporter."""
    return _derive(code, b"receipt key")


def lookup_id(code: str) -> str:
    """The value stored with the report to find it from the code."""
    return _derive(code, b"lookup id").hex()
