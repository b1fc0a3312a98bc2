"""A published alert as a text message of at most two segments, in the subscriber's language.

Built from the published message alone (``render.Published``), like every other channel: no
report is read. In order of what matters on a basic phone, and so in the order things are kept
when space runs out:

1. the perpetrator's number plates and phone numbers, first, so she can compare at a glance;
2. what the message is: its severity (an alert) or "Update" / "Withdrawn", in her language;
3. the link to the full alert, never cut;
4. the title, cut at a word with an ellipsis when it does not fit;
5. the areas, when the title does not already name them;
6. the reminder that no warning does not mean safe, only when it costs no extra segment.

Typographic punctuation (dashes, curly quotes, the ellipsis, no-break spaces) becomes its plain
twin first, so an English alert is not sent as UCS-2 for the sake of a dash; letters are never
changed, so Polish, Romanian or Bulgarian text goes as UCS-2 when it needs to. Line breaks
become spaces: a text message is read as one paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from alerts.delivery.render import Published
from alerts.delivery.sms import segments
from alerts.delivery.wording import Wording
from ugly_mugs.matching import normalise

MAX_SEGMENTS = 2
# The fewest digits (without the country code) read as a phone number, as the anonymity check
# reads them: the matcher also takes the digits of a plate ("KR 12345") or a time for a number.
MIN_PHONE_DIGITS = 7

_PLAIN = str.maketrans(
    {
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2012": "-",  # figure dash
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u2022": "-",  # bullet
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space
        "\u2009": " ",  # thin space
    }
)


@dataclass(frozen=True)
class SmsText:
    """The text to send, the alphabet it needs and the segments it takes."""

    text: str
    encoding: segments.Encoding
    segments: int


def plain(text: str) -> str:
    """``text`` on one line with plain punctuation, runs of white space made one space."""
    return " ".join(text.translate(_PLAIN).split())


def _display_phone(e164: str, region: str) -> str:
    """A number as her phone shows a caller: national form at home, international otherwise."""
    if e164.startswith("digits:"):
        return e164.removeprefix("digits:")
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = number.country_code == phonenumbers.country_code_for_region(region)
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def _country_digits(value: str) -> int:
    if value.startswith("digits:"):
        return 0
    try:
        return len(str(phonenumbers.parse(value, None).country_code))
    except phonenumbers.NumberParseException:
        return 0


def identifiers(m: Published, region: str = "GB") -> list[str]:
    """The plates and phone numbers the published title and text name, plates first.

    Found with the matching normaliser (``ugly_mugs.matching.normalise.from_text``), so an
    alert names the same identifiers here as the number check finds: a plate after "reg",
    "registration" or "plate", a phone number anywhere. ``region`` reads national numbers.
    """
    found = normalise.from_text(f"{m.title}\n{m.body}", region)
    plates = [i.value for i in found if i.kind == normalise.VEHICLE]
    phones = [
        _display_phone(i.value, region)
        for i in found
        if i.kind == normalise.PHONE and len(re.sub(r"\D", "", i.value)) - _country_digits(i.value) >= MIN_PHONE_DIGITS
    ]
    return list(dict.fromkeys(plates + phones))


def _fits(text: str, budget: int) -> bool:
    return segments.count(text) <= budget


def _cuts(title: str) -> list[int]:
    """Where the title may be cut, longest first: after each word, else between characters."""
    words = [i for i, ch in enumerate(title) if ch == " " and i > 0]
    if words:
        return sorted(words, reverse=True)
    # One long word: any place that does not part a letter from its combining mark.
    return [i for i in range(len(title) - 1, 0, -1) if not unicodedata.combining(title[i])]


def render(
    m: Published,
    w: Wording,
    link: str,
    *,
    names: Sequence[str] | None = None,
    region: str = "GB",
    max_segments: int = MAX_SEGMENTS,
) -> SmsText:
    """The text message for ``m`` in ``w``'s language, ending with ``link`` (whole, never cut).

    ``names`` are the plates and numbers to put first (default: ``identifiers(m, region)``).
    Raises ``ValueError`` if even the label, the first of ``names`` and the link need more than
    ``max_segments`` segments (a link far too long for a text).
    """
    link = link.strip()
    if not link or " " in link:
        raise ValueError("the link must be one word")
    ids = [plain(n) for n in (identifiers(m, region) if names is None else names) if plain(n)]
    label = plain(w.kinds.get(m.kind, m.kind) if m.kind != "alert" else w.severities.get(m.severity, m.severity))
    title = plain(m.title)
    areas = plain(m.areas)
    if all(a.strip().casefold() in title.casefold() for a in areas.split(",") if a.strip()):
        areas = ""
    reminder = plain(w.no_warning_means_safe)

    def compose(n_ids: int, title: str, areas: str, reminder: str) -> str:
        head = ", ".join(ids[:n_ids])
        what = f"{label}: {title}" if title else label
        core = f"{head} - {what}" if head else what
        if areas:
            core += f" ({areas})"
        return f"{core}. {reminder} {link}" if reminder else f"{core} {link}"

    def done(text: str) -> SmsText:
        cut = segments.split(text)
        return SmsText(text, cut.encoding, cut.segments)

    everything = compose(len(ids), title, areas, "")
    if _fits(everything, max_segments):
        with_reminder = compose(len(ids), title, areas, reminder)
        same_cost = segments.count(with_reminder) == segments.count(everything)
        return done(with_reminder if same_cost else everything)
    for n_ids in range(len(ids), 0 if ids else -1, -1):
        if _fits(compose(n_ids, title, "", ""), max_segments):
            return done(compose(n_ids, title, "", ""))
        for cut in _cuts(title):
            short = title[:cut].rstrip(" ,.;:-")
            if not short:
                continue
            ellipsis = "…" if segments.encoding_for(compose(n_ids, short, "", "")) is segments.UCS2 else "..."
            text = compose(n_ids, short + ellipsis, "", "")
            if _fits(text, max_segments):
                return done(text)
        if _fits(compose(n_ids, "", "", ""), max_segments):
            return done(compose(n_ids, "", "", ""))
    raise ValueError(f"the label, the first identifier and the link need more than {max_segments} segments")
