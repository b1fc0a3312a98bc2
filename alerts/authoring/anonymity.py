"""The anonymity check (P3): does an alert draft say anything that could identify the reporter?

No Flask imports; the publishing service runs it on every publish and update, server-side.

The rule. An alert exists to describe *him*: his phone numbers, emails, car and name are what
other workers need, so they must never block publishing. What must not reach an alert is what
identifies the person it happened to. That is:

* everything in the report's **identity section** (every version): the name the reporter gave,
  how to contact them, the exact place and the exact date and time. From it we protect the
  name's words (not "no name" and the like), every phone number, email address and street
  (house number and street words), the whole place as written, and every exact date and time
  found anywhere in it;
* phone numbers and email addresses that the reporter wrote in their **own free text** in the
  incident section (the form's free-text fields that are stored there, e.g. "what happened")
  *unless* the same number or address is given anywhere in the perpetrator section. A number
  that the reporter did not list as his is treated as possibly theirs: blocking a number of his
  costs the coordinator a rewording, leaking hers could cost her life.

The perpetrator section is never a source of protected words, so his own details never block;
but if the same value is also in the identity section, the identity section wins and it blocks.

Matching is on normalised tokens: words are compared case- and diacritic-insensitively and whole
(so "Ann" does not match "Annual"); phone numbers (seven digits or more) as E.164 (so 07700 900123
equals +44 7700 900123; the default region comes from the configuration); emails case-insensitively; streets with their
usual abbreviations expanded (St, Rd, Ave …); dates in any of the usual spellings (21/11/2026,
21.11.26, 2026-11-21, 21 Nov, 21st November, November 21); times as minutes of the day (23:15,
11.15pm, 11:15 p.m., 2315hrs; a time written without am/pm matches either half of the day).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import phonenumbers

# Fields of a draft that are free text (the others are chosen from lists).
CHECKED_FIELDS = ("title", "body")

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# The fewest digits read as a phone number: no dialable number in the scheme's countries is
# shorter, while times (2315), amounts (1500) and house numbers are.
MIN_PHONE_DIGITS = 7
_DIGITS_RUN = re.compile(r"\+?\d[\d\s().-]{5,}\d")

STREET_SUFFIXES = {
    "street": "street",
    "st": "street",
    "road": "road",
    "rd": "road",
    "lane": "lane",
    "ln": "lane",
    "avenue": "avenue",
    "ave": "avenue",
    "av": "avenue",
    "close": "close",
    "cl": "close",
    "way": "way",
    "drive": "drive",
    "dr": "drive",
    "terrace": "terrace",
    "ter": "terrace",
    "terr": "terrace",
    "place": "place",
    "pl": "place",
    "court": "court",
    "ct": "court",
    "crescent": "crescent",
    "cres": "crescent",
    "grove": "grove",
    "gr": "grove",
    "gardens": "gardens",
    "gdns": "gardens",
    "row": "row",
    "walk": "walk",
    "square": "square",
    "sq": "square",
    "parade": "parade",
    "mews": "mews",
    "hill": "hill",
    "view": "view",
    "mount": "mount",
    "green": "green",
    "park": "park",
}
# Words that end a street name when reading backwards from its suffix ("near the Co-op on Kirkstall Road").
_STREET_STOP = {
    "on",
    "in",
    "at",
    "the",
    "near",
    "by",
    "off",
    "of",
    "my",
    "his",
    "her",
    "flat",
    "house",
    "from",
    "to",
    "and",
    "outside",
    "behind",
    "corner",
    "top",
    "bottom",
    "end",
    "a",
    "an",
}

# What people type into "What should we call you?" when they give no name; these words alone
# would block almost every alert ("no condom") while identifying nobody.
NOT_A_NAME = {
    "no",
    "none",
    "name",
    "not",
    "given",
    "anon",
    "anonymous",
    "prefer",
    "say",
    "rather",
    "just",
    "me",
    "my",
    "call",
    "the",
    "and",
    "or",
    "n/a",
    "na",
    "nothing",
    "nobody",
    "unknown",
}

MONTHS = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "sept": 9,
    "september": 9,
    "oct": 10,
    "october": 10,
    "nov": 11,
    "november": 11,
    "dec": 12,
    "december": 12,
}
_MONTH = "(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?\b"),
    re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+(?P<y>\d{{4}}))?\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>\d{{4}}))?\b", re.IGNORECASE),
]
_MERIDIEM = r"(?P<ap>[ap](?:\.m\.|m\b))"
_TIME_PATTERNS = [
    re.compile(rf"\b(?P<h>[01]?\d|2[0-3])[:.](?P<min>[0-5]\d)(?:\s*{_MERIDIEM})?", re.IGNORECASE),
    re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s*{_MERIDIEM}", re.IGNORECASE),
    re.compile(r"\b(?P<h>[01]\d|2[0-3])(?P<min>[0-5]\d)\s*(?:hrs|hours|h)\b", re.IGNORECASE),
]


@dataclass(frozen=True)
class Hit:
    """One place in the draft that repeats something identifying the reporter."""

    field: str
    start: int
    end: int
    kind: str

    def text(self, draft: dict[str, str]) -> str:
        return draft[self.field][self.start : self.end]


@dataclass
class Protected:
    """What must not appear in an alert, already normalised."""

    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    streets: set[tuple[str, ...]] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)
    dates: set[tuple[int, int, int | None]] = field(default_factory=set)
    times: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return any((self.names, self.phones, self.emails, self.streets, self.phrases, self.dates, self.times))


# --- normalising --------------------------------------------------------------------------


def fold(word: str) -> str:
    """Case- and diacritic-insensitive form of a word."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().replace("’", "'")


def words(text: str) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for each word of ``text``."""
    return [(fold(m.group()), m.start(), m.end()) for m in _WORD.finditer(text)]


def _street_word(word: str) -> str:
    return STREET_SUFFIXES.get(word, word)


def phones(text: str, region: str) -> Iterator[tuple[str, int, int]]:
    """(E.164 number, start, end) of each phone number written in ``text``."""
    seen: set[tuple[int, int]] = set()
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        seen.add((match.start, match.end))
        # The matcher takes "2300" or "1500" for a possible number; a time or an amount in her
        # words must not become a "phone number" that blocks the same time or amount in an alert.
        if len(re.sub(r"\D", "", match.raw_string)) < MIN_PHONE_DIGITS:
            continue
        yield phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164), match.start, match.end
    # Runs of digits the matcher passes over (odd spacing, no region prefix) still count.
    for match in _DIGITS_RUN.finditer(text):
        if any(s <= match.start() < e for s, e in seen):
            continue
        digits = re.sub(r"\D", "", match.group())
        if len(digits) < MIN_PHONE_DIGITS:
            continue
        try:
            number = phonenumbers.parse(match.group(), region)
            value = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            value = "+" + digits
        yield value, match.start(), match.end()


def emails(text: str) -> Iterator[tuple[str, int, int]]:
    for match in _EMAIL.finditer(text):
        yield match.group().casefold(), match.start(), match.end()


def _valid_date(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def dates(text: str) -> Iterator[tuple[tuple[int, int, int | None], int, int]]:
    """((day, month, year or None), start, end) of each date written in ``text``."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            month = MONTHS[parts["mon"].casefold()] if parts.get("mon") else int(parts["m"])
            day = int(parts["d"])
            year = parts.get("y")
            full_year = None if not year else int(year) + (2000 if len(year) == 2 else 0)
            if _valid_date(day, month):
                yield (day, month, full_year), match.start(), match.end()


def times(text: str) -> Iterator[tuple[set[int], int, int]]:
    """(possible minutes of the day, start, end) of each time written in ``text``."""
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            hour, minute = int(parts["h"]), int(parts.get("min") or 0)
            meridiem = (parts.get("ap") or "").replace(".", "").casefold()
            if meridiem:
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
                yield {hour * 60 + minute}, match.start(), match.end()
            elif hour <= 12:
                yield {hour % 12 * 60 + minute, (hour % 12 + 12) * 60 + minute}, match.start(), match.end()
            else:
                yield {hour * 60 + minute}, match.start(), match.end()


def streets(text: str) -> Iterator[tuple[tuple[str, ...], int, int]]:
    """(street words ending in a normalised suffix, start, end) of each street named in ``text``,
    the span including a house number written before it."""
    tokens = words(text)
    for i, (word, _, end) in enumerate(tokens):
        if word not in STREET_SUFFIXES or i == 0:
            continue
        name: list[str] = []
        j = i - 1
        while j >= 0 and len(name) < 3 and tokens[j][0].isalpha() and tokens[j][0] not in _STREET_STOP:
            name.insert(0, tokens[j][0])
            j -= 1
        if not name:
            continue
        start = tokens[j + 1][1]
        if j >= 0 and re.fullmatch(r"\d+[a-z]?", tokens[j][0]):
            start = tokens[j][1]
        yield (*name, _street_word(word)), start, end


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


# --- what to protect ----------------------------------------------------------------------


def protected_from(
    identity: Iterable[dict],
    own_free_text: Iterable[str],
    perpetrator: Iterable[dict],
    region: str = "GB",
) -> Protected:
    """What identifies the reporter: drawn from the identity section's versions, and the phone
    numbers and emails in the reporter's own free text that are not his (see the module docstring)."""
    found = Protected()
    for version in identity:
        for word, _, _ in words(str(version.get("name") or "")):
            if len(word) >= 2 and word not in NOT_A_NAME:
                found.names.add(word)
        place = tuple(w for w, _, _ in words(str(version.get("place") or "")))
        if place:
            found.phrases.add(tuple(_street_word(w) for w in place))
        raw_date = str(version.get("date") or "")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
            year, month, day = (int(p) for p in raw_date.split("-"))
            found.dates.add((day, month, year))
        for text in _strings(version):
            _collect(found, text, region)
            found.dates.update(value for value, _, _ in dates(text))
            for minutes, _, _ in times(text):
                found.times.update(minutes)
    his_text = " \n ".join(text for version in perpetrator for text in _strings(version))
    his_phones = {value for value, _, _ in phones(his_text, region)}
    his_emails = {value for value, _, _ in emails(his_text)}
    for text in own_free_text:
        found.phones.update(value for value, _, _ in phones(text, region) if value not in his_phones)
        found.emails.update(value for value, _, _ in emails(text) if value not in his_emails)
    return found


def _collect(found: Protected, text: str, region: str) -> None:
    found.phones.update(value for value, _, _ in phones(text, region))
    found.emails.update(value for value, _, _ in emails(text))
    found.streets.update(value for value, _, _ in streets(text))


# --- checking -----------------------------------------------------------------------------


def _sequence_hits(tokens: list[tuple[str, int, int]], sequences: set[tuple[str, ...]]) -> Iterator[tuple[int, int]]:
    normalised = [_street_word(w) for w, _, _ in tokens]
    for sequence in sequences:
        n = len(sequence)
        for i in range(len(normalised) - n + 1):
            if tuple(normalised[i : i + n]) == sequence:
                yield tokens[i][1], tokens[i + n - 1][2]


def check(draft: dict[str, str], protected: Protected, region: str = "GB") -> list[Hit]:
    """Every place in the draft's free-text fields that repeats something protected."""
    hits: list[Hit] = []
    for name in CHECKED_FIELDS:
        text = draft.get(name) or ""
        if not text:
            continue
        tokens = words(text)
        hits += [Hit(name, s, e, "name") for w, s, e in tokens if w in protected.names]
        hits += [Hit(name, s, e, "phone") for v, s, e in phones(text, region) if v in protected.phones]
        hits += [Hit(name, s, e, "email") for v, s, e in emails(text) if v in protected.emails]
        hits += [Hit(name, s, e, "street") for v, s, e in streets(text) if v in protected.streets]
        hits += [Hit(name, s, e, "street") for s, e in _sequence_hits(tokens, protected.streets)]
        hits += [Hit(name, s, e, "place") for s, e in _sequence_hits(tokens, protected.phrases)]
        for (day, month, year), s, e in dates(text):
            if any(d == day and m == month and (year is None or y is None or y == year) for d, m, y in protected.dates):
                hits.append(Hit(name, s, e, "date"))
        hits += [Hit(name, s, e, "time") for minutes, s, e in times(text) if minutes & protected.times]
    return sorted(set(hits), key=lambda h: (h.field, h.start, -h.end))


def segments(text: str, hits: Iterable[Hit], field_name: str) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_hit) pieces, overlapping hits merged, for highlighting.

    The pieces are plain text: the template escapes them and wraps the hits in <mark>.
    """
    spans = sorted((h.start, h.end) for h in hits if h.field == field_name)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in merged:
        if start > position:
            pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces
