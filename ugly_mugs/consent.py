"""Consent levels and which report sections each one lets police read (DESIGN.md §1)."""

from __future__ import annotations

ALERT_ONLY = "alert_only"
ANONYMOUS_INTELLIGENCE = "anonymous_intel"
FULL_REPORT = "full"

LEVELS = (ALERT_ONLY, ANONYMOUS_INTELLIGENCE, FULL_REPORT)

SECTIONS_FOR_POLICE: dict[str, frozenset[str]] = {
    ALERT_ONLY: frozenset(),
    ANONYMOUS_INTELLIGENCE: frozenset({"incident", "perpetrator"}),
    FULL_REPORT: frozenset({"identity", "incident", "perpetrator"}),
}


def rank(level: str) -> int:
    return LEVELS.index(level)
