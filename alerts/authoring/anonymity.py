"""The anonymity check of alert drafts: the disclosure guard (``ugly_mugs.disclosure``) applied
to a draft's free-text fields.

No Flask imports; the publishing service runs it on every publish, update and retraction
note, server-side. What is protected and how it is matched lives in the guard; this module
only names the draft's fields and keeps the shapes the alert pages use: hits that say which
field they are in, and the pieces of a field for highlighting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ugly_mugs import disclosure

# Fields of a draft that are free text (the others are chosen from lists).
CHECKED_FIELDS = ("title", "body")

Protected = disclosure.Profile


@dataclass(frozen=True)
class Hit:
    """One place in the draft that repeats something identifying the reporter."""

    field: str
    start: int
    end: int
    kind: str
    message: str = ""

    def text(self, draft: dict[str, str]) -> str:
        return draft[self.field][self.start : self.end]


def protected_from(
    identity: Iterable[dict],
    own_free_text: Iterable[str],
    perpetrator: Iterable[dict],
    region: str = "GB",
) -> disclosure.Profile:
    """What identifies the reporter (``disclosure.build``): from the identity section's versions,
    her own words and the perpetrator section (his identifiers allowed, where he took her protected)."""
    return disclosure.build(identity, own_free_text, perpetrator, region)


def check(draft: dict[str, str], protected: disclosure.Profile, region: str = "GB") -> list[Hit]:
    """Every place in the draft's free-text fields that repeats something protected.

    ``region`` is kept for callers; the profile already holds the region it was built for.
    """
    hits: list[Hit] = []
    for name in CHECKED_FIELDS:
        text = draft.get(name) or ""
        hits += [Hit(name, h.start, h.end, h.kind, h.message) for h in disclosure.check(text, protected)]
    return hits


def segments(text: str, hits: Iterable[Hit], field_name: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) pieces for the hits in ``field_name``, for highlighting."""
    return disclosure.segments(text, [h for h in hits if h.field == field_name])
