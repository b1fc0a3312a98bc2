"""Receipt codes: what a reporter keeps to come back to a report.

A code is 20 Crockford base32 symbols (100 random bits) shown as five groups of four.
Reading it back (``normalise``) takes it as people type it, copy it or read it out:

- compatibility forms are folded (NFKC: fullwidth letters, superscripts, a non-breaking space);
- every space, tab, line end and invisible format character (zero-width space, soft hyphen,
  word joiner, byte order mark) and every dash (Unicode's dash punctuation, such as the en
  and em dashes a phone's keyboard or a word processor puts in, and the minus sign) is dropped;
- case does not matter, and a letter of another script that looks like one of the code's
  letters or digits is read as it (Unicode's confusables table, UTS #39, as shipped by
  ``confusable_homoglyphs``: Cyrillic А В Е К М Н О Р С Т Х from a Bulgarian keyboard, the Greek
  capitals, Cyrillic З for 3 …);
- the usual look-alikes of Crockford's alphabet are taken: O for 0, I and L for 1, U for V.

Anything else (a dot, an underscore, an accented letter, another script's digit) leaves the
text no code. With 100 bits of entropy a fast HKDF is enough to derive from it both the receipt
key (which opens the report's section keys) and the lookup id (which finds the report); neither
reveals the other or the code.
"""

from __future__ import annotations

import functools
import secrets
import unicodedata

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


# Dashes that are not Unicode dash punctuation (Pd): minus signs and a hyphen bullet.
_OTHER_DASHES = frozenset("\u2212\u2043\u02d7\u2796\ufe63")
# A typed code is at most a few times its length; longer text is no code (and is not looked at).
_MAX_TYPED = 200


@functools.cache
def _as_code_symbol(ch: str) -> str:
    """The ASCII letter or digit a non-ASCII character looks like (confusables table), else itself."""
    if ch.isascii() or not ch.isalnum():
        return ch
    from confusable_homoglyphs import confusables  # the table is large: loaded on first use

    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=[])
    for entry in found or []:
        for glyph in entry["homoglyphs"]:
            candidate = glyph["c"]
            if len(candidate) == 1 and candidate.isascii() and candidate.isalnum():
                return candidate.upper()
    return ch


def _dropped(ch: str) -> bool:
    category = unicodedata.category(ch)
    return ch.isspace() or category in ("Zs", "Zl", "Zp", "Cf", "Pd") or ch in _OTHER_DASHES


def normalise(text: str) -> str:
    """Canonical form of a typed code (20 symbols of ``ALPHABET``), read as the module's docstring
    says; raises InvalidReceiptCode if it cannot be one."""
    if not isinstance(text, str) or len(text) > _MAX_TYPED:
        raise InvalidReceiptCode("not a receipt code")
    folded = unicodedata.normalize("NFKC", text)
    kept = "".join(_as_code_symbol(ch) for ch in folded.upper() if not _dropped(ch))
    cleaned = kept.upper().translate(_LOOKALIKES)
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


def message_seed(code: str) -> bytes:
    """The 32-byte seed of the reporter's message key pair (``sealing.key_pair_from_seed``): its
    public half is stored, so that staff can seal a message to her; its private half exists
    only while she has typed her code."""
    return _derive(code, b"message key pair")
