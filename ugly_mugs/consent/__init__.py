"""Consent: the three levels a reporter chooses, and the one rule of which report sections each
lets a police unit open (DESIGN.md §1; Home Office guidance paragraphs 6.5–6.7).

This package is the only code that decides which section keys are sealed to a police unit:

- ``consent`` (here): the levels, their labels and ``unit_may_open`` — the rule;
- ``consent.seals``: ``apply_level`` — make a report's unit seals, history and police
  releases agree with a level (used by both ways consent changes after filing); filing asks
  ``unit_may_open`` for each new section;
- ``consent.reporter``: the reporter's own change, with her receipt code;
- ``consent.staff``: consent given by phone or in person, recorded by one coordinator and
  approved by a second.

No Flask imports.
"""

from __future__ import annotations

from ugly_mugs.catalog import N_

ALERT_ONLY = "alert_only"
ANONYMOUS_INTELLIGENCE = "anonymous_intel"
FULL_REPORT = "full"

LEVELS = (ALERT_ONLY, ANONYMOUS_INTELLIGENCE, FULL_REPORT)

# What staff and statistics call each level.
LABELS: dict[str, str] = {
    ALERT_ONLY: "Alert only",
    ANONYMOUS_INTELLIGENCE: "Anonymous intelligence",
    FULL_REPORT: "Full report",
}

# What each level means for police, as coordinators see it when they record or pass on consent.
EXPLANATIONS: dict[str, str] = {
    ALERT_ONLY: "Alert only: nothing to police",
    ANONYMOUS_INTELLIGENCE: "Anonymous intelligence: incident and perpetrator, not the reporter",
    FULL_REPORT: "Full report: everything, including how to contact the reporter",
}

# The reporter's own words for each level: the choices of the report form (translated where shown).
REPORTER_WORDING: dict[str, str] = {
    ALERT_ONLY: N_(
        "Warn others only. We send a warning about him to other workers and projects. "
        "It does not say who you are. Nothing goes to the police."
    ),
    ANONYMOUS_INTELLIGENCE: N_(
        "Warn others and tell the police about him, but not about me. The police learn what he did "
        "and what he is like, to help them watch out for him. They do not get your name or how to reach you."
    ),
    FULL_REPORT: N_(
        "Warn others and give the police everything, including how to contact me. "
        "The police can then look into it as a crime. They may contact you, and he may be taken to court."
    ),
}

# The same choice as the outreach worker reads it in her list of reports filed for others:
# about "the person", in the words she used when she read the choices out to them.
OUTREACH_WORDING: dict[str, str] = {
    ALERT_ONLY: "Warn others only",
    ANONYMOUS_INTELLIGENCE: "Police may know about him, not about the person",
    FULL_REPORT: "Police may have everything",
}

# Photos: "photo_identity" (may show her, the default) is identity-level; "photo_about_him"
# (she said it shows only him, his car or his messages) goes with the perpetrator section.
SECTIONS_FOR_POLICE: dict[str, frozenset[str]] = {
    ALERT_ONLY: frozenset(),
    ANONYMOUS_INTELLIGENCE: frozenset({"incident", "perpetrator", "photo_about_him"}),
    FULL_REPORT: frozenset({"identity", "incident", "perpetrator", "photo_identity", "photo_about_him"}),
}


class ConsentError(ValueError):
    """The consent change is not possible; the message is safe to show."""


def unit_may_open(level: str, section: str) -> bool:
    """Whether a police unit may hold the key of a ``section`` ("identity", "incident",
    "perpetrator", "photo_identity", "photo_about_him") of a report whose consent level is
    ``level``. Raises KeyError for an unknown level. Every sealing to a unit goes through this rule."""
    return section in SECTIONS_FOR_POLICE[level]
