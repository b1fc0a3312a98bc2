"""The anonymity check of alert drafts: the disclosure guard (``ugly_mugs.disclosure.guard``)
applied to a draft's free-text fields.

No Flask imports; the publishing service runs it on every publish, update and retraction
note, server-side. What is protected and how it is matched lives in the guard; this module
only names the draft's fields and keeps the shapes the alert pages use: hits that say which
field they are in, names of other people from her account to be confirmed, and the pieces of
a field for highlighting.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from ugly_mugs import disclosure

# Fields of a draft that are free text (the others are chosen from lists), and what a message
# about a passage calls each.
CHECKED_FIELDS = ("title", "body")
WHERE = {"title": "the title", "body": "the text"}

Protected = disclosure.Profile


@dataclass(frozen=True)
class Hit:
    """One place in the draft that repeats something identifying the reporter (or, flagged, a
    name of someone in her account): ``message`` names the words, the field and why."""

    field: str
    start: int
    end: int
    kind: str
    message: str = ""

    def text(self, draft: dict[str, str]) -> str:
        return draft[self.field][self.start : self.end]


@dataclass(frozen=True)
class Checked:
    """The guard's verdict on a draft's text: ``hits`` block it; ``flagged`` are names of other
    people from her account (``names``, as she wrote them), which need a confirmation."""

    hits: list[Hit] = field(default_factory=list)
    flagged: list[Hit] = field(default_factory=list)
    names: tuple[str, ...] = ()

    def confirmed_by(self, confirmed: Collection[str]) -> bool:
        return set(self.names) <= set(confirmed)


def protected_from(
    identity: Iterable[dict],
    own_free_text: Iterable[str],
    perpetrator: Iterable[dict],
    region: str = "GB",
) -> disclosure.Profile:
    """What identifies the reporter (``disclosure.build``): from the identity section's versions,
    her own words and the perpetrator section (his identifiers allowed, where he took her protected)."""
    return disclosure.build(identity, own_free_text, perpetrator, region)


def _field_of(where: str) -> str:
    return next(name for name, label in WHERE.items() if label == where)


def judge(
    draft: dict[str, str],
    protected: disclosure.Profile,
    her_words: Iterable[str] = (),
    known: Iterable[str] = (),
) -> Checked:
    """The guard on the draft's free-text fields: what blocks, and which names of other people
    in ``her_words`` (her own words in the report) it repeats; ``known`` are words that are not
    people (area names, his description)."""
    texts = {WHERE[name]: draft.get(name) or "" for name in CHECKED_FIELDS}
    verdict = disclosure.guard(texts, protected, her_words, known)

    def hit(found: disclosure.Found) -> Hit:
        return Hit(_field_of(found.where), found.start, found.end, found.kind, found.message)

    return Checked([hit(f) for f in verdict.blocked], [hit(f) for f in verdict.flagged], verdict.names)


def check(draft: dict[str, str], protected: disclosure.Profile, region: str = "GB") -> list[Hit]:
    """Every place in the draft's free-text fields that repeats something protected.

    ``region`` is kept for callers; the profile already holds the region it was built for.
    """
    return judge(draft, protected).hits


def segments(text: str, hits: Iterable[Hit], field_name: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) pieces for the hits in ``field_name``, for highlighting."""
    return disclosure.segments(text, [h for h in hits if h.field == field_name])
