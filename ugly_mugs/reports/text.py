"""Cleaning free text typed by reporters before it is encrypted."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 control characters except tab, line feed and carriage return.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value: str | None) -> str:
    """Strip surrounding space, drop control characters and lone surrogates, NFC-normalise."""
    if not value:
        return ""
    value = value.encode("utf-8", "replace").decode("utf-8") if _has_surrogate(value) else value
    return unicodedata.normalize("NFC", _CONTROLS.sub("", value)).strip()


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in value)


def lines(value: str | None, limit: int) -> list[str]:
    """Non-empty lines (or comma-separated items) of a list field, at most ``limit``."""
    items = [clean(part) for part in re.split(r"[\n,;]+", clean(value))]
    return [item for item in items if item][:limit]
