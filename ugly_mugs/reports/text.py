"""Cleaning free text typed by people, before it is checked, encrypted or stored.

``strip_controls`` is the one rule for characters no one means to type: the request boundary
(``web/boundary.py``) applies it to every form field and query-string value of every request,
and ``clean`` applies it again to text that arrives another way (the JSON API).
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except tab, line feed and carriage return (NUL among them: a
# PostgreSQL text value cannot hold it), and the bidirectional embedding, override and isolate
# controls (U+202A-U+202E, U+2066-U+2069), which make text read differently from how it is
# stored ("Trojan Source", CVE-2021-42574). Marks such as U+200E and joiners stay: scripts need them.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def has_controls(value: str) -> bool:
    """True if ``strip_controls`` would change ``value``."""
    return bool(_CONTROLS.search(value) or _SURROGATES.search(value))


def strip_controls(value: str) -> str:
    """``value`` without control characters and bidirectional controls, and with each lone
    surrogate (which no encoding can store) replaced by U+FFFD, so that the place of a character
    that could not be read still shows; every other character, white space included, is kept."""
    if _SURROGATES.search(value):
        value = _SURROGATES.sub("\ufffd", value)
    return _CONTROLS.sub("", value)


def clean(value: str | None) -> str:
    """Strip surrounding space, drop control characters and lone surrogates, NFC-normalise."""
    if not value:
        return ""
    return unicodedata.normalize("NFC", strip_controls(value)).strip()


def lines(value: str | None, limit: int) -> list[str]:
    """Non-empty lines (or comma-separated items) of a list field, at most ``limit``."""
    items = [clean(part) for part in re.split(r"[\n,;]+", clean(value))]
    return [item for item in items if item][:limit]
