"""The disclosure guard (P3): does an outgoing text say anything that identifies the reporter?

One guard for every door out of the scheme: alert drafts and updates, covering notes to
police, what police see below "full report", exports and any later channel. No Flask
imports, no database: callers open the report's sections, build a ``Profile`` with
``profile_from`` and pass every text through ``guard`` before it leaves (``outgoing``).

    profile = disclosure.profile_from(opened.sections, region="GB")
    verdict = disclosure.guard({"Covering note": note}, profile)
    verdict.require()                               # raises Blocked, naming each phrase
    shown, changed = disclosure.withhold(content, profile)   # what police see below "full report"

What is protected is described in ``profile``; how each kind is matched however it is
spelled, transliterated, disguised or split, in ``normalise`` (case, diacritics,
transliteration, Unicode confusables, invisible characters), ``words`` (names and their
inflections), ``numbers`` (phone numbers, digit look-alikes, any spacing), ``contacts``
(e-mail addresses and handles), ``places`` (streets, house numbers, postcodes) and
``times`` (dates and times); every text is also read with spaced-out letters joined and
words broken by markup mended (``disguise``). The perpetrator's own details never block. Other people named in
her own account are flagged for a deliberate confirmation (``people``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ugly_mugs.disclosure import contacts, normalise, scan, times, words
from ugly_mugs.disclosure import profile as _profile
from ugly_mugs.disclosure.outgoing import WITHHELD, Blocked, Found, NamesToConfirm, Verdict, guard, withhold
from ugly_mugs.disclosure.profile import Profile
from ugly_mugs.disclosure.scan import LABELS, Hit, check, excerpt

__all__ = [
    "LABELS",
    "WITHHELD",
    "Blocked",
    "Found",
    "Hit",
    "NamesToConfirm",
    "Profile",
    "Verdict",
    "build",
    "check",
    "excerpt",
    "forget_texts",
    "guard",
    "profile_from",
    "redact",
    "segments",
    "withhold",
]


def forget_texts() -> None:
    """Empty every cache of the guard that holds what she wrote — whole texts (``normalise``,
    ``times``), the addresses read in them and how common the words read are (``contacts``,
    ``words``) — called when a
    request ends, so that nothing of hers is kept in the process after it was answered."""
    normalise.forget_texts()
    contacts.forget_texts()
    times.forget_texts()


CACHES_OF_TEXTS = (
    normalise.fold,
    normalise.fold_numbers,
    contacts._addresses,
    words.frequency,
    times._readings,
    times._dates_of,
    times._times_of,
)


def build(
    identity: Iterable[Mapping],
    her_free_text: Iterable[str],
    perpetrator: Iterable[Mapping],
    region: str = "GB",
) -> Profile:
    """The profile from the identity section's versions, her own words and the perpetrator
    section's versions; his declared identifiers that reveal nothing of hers are allowed."""
    built = _profile.build(identity, her_free_text, perpetrator, region)
    return built.with_allowed(value for value in built.declared if not check(value, built, allow=()))


def profile_from(opened_sections: Mapping[str, list[Mapping]], region: str = "GB") -> Profile:
    """The profile of the reporter of a report, from its opened sections (section name -> its
    versions, oldest first, as ``reports.reading.Opened.sections``). ``region`` is where
    phone numbers written without a country code are from (ISO 3166 alpha-2)."""
    return build(
        opened_sections.get("identity", []),
        _profile.her_free_text(opened_sections.get("incident", [])),
        opened_sections.get("perpetrator", []),
        region,
    )


def segments(text: str, hits: Iterable[Hit]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) pieces, overlapping hits merged, for highlighting.

    The pieces are plain text: a template escapes them and wraps the hits in <mark>.
    """
    return scan.segments(text, hits)


def redact(text: str, hits: Iterable[Hit], replacement: str = WITHHELD) -> str:
    """``text`` with every hit replaced by ``replacement`` (overlapping hits once)."""
    return scan.redact(text, hits, replacement)
