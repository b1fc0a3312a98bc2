"""Exact dates and times, in the usual spellings of the scheme's five languages.

Dates: 21/11/2026, 21.11.26, 2026-11-21 (also in a timestamp: 2026-11-21T23:15), 2026/11/21,
2026 11 21, 20261121, 14.XI.2026, 11/21/2026 (month first, with slashes, when an outgoing text
is checked), 21 Nov,
21st November, November 21, and month names of English, Polish, Romanian, Bulgarian and
Brazilian Portuguese as the Unicode CLDR data in ``babel`` spells them (wide and abbreviated,
in a date and standing alone: "21 listopada", "21 noiembrie", "21 ноември", "21 de novembro de
2026"). Times as minutes of the day: 23:15, 23.15, 23h15, 11.15pm, 11:15 p.m., 1115pm, 11 15pm,
2315hrs; a time written without am/pm matches either half of the day. Text is read through
``normalise.fold_numbers`` first, so other scripts' digits, look-alike digits and invisible
characters do not hide a date or time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from babel.dates import get_month_names

from ugly_mugs.disclosure import normalise

LANGUAGES = ("en", "pl", "ro", "bg", "pt_BR")


@functools.cache
def months() -> dict[str, int]:
    """Folded month name -> month number, for every language and form."""
    names: dict[str, int] = {"sept": 9}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    for looks in (True, False):
                        folded = normalise.fold(name.rstrip("."), looks=looks).text
                        if len(folded) >= 3:
                            names.setdefault(folded, number)
    return names


ROMAN_MONTHS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")
_ROMAN = "|".join(sorted(ROMAN_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th|\.|-?go|-?ego|-?a|-ti|-ri|-mi|o|º)?"
_MERIDIEM = r"(?P<ap>[ap](?:\.\s?m\.|m\b))"


@functools.cache
def _date_patterns() -> list[re.Pattern]:
    month = "(?P<mon>" + "|".join(sorted(map(re.escape, months()), key=len, reverse=True)) + r")\.?"
    return [
        re.compile(r"\b(?P<y>\d{4})\s*(?P<sep>[/._ -])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})(?!\d)"),
        re.compile(r"\b(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}|\d{2}))?\b"),
        # A month in Roman numerals, as Polish and Romanian dates often write it: 14.XI.2026, 14-XI-2026.
        re.compile(rf"\b(?P<d>\d{{1,2}})\s*[./-]\s*(?P<rom>{_ROMAN})\s*[./-]\s*(?P<y>\d{{4}})\b"),
        # Year, month and day run together: 20261121.
        re.compile(r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"),
        re.compile(rf"\b(?P<d>\d{{1,2}}){_ORD}\s+(?:(?:of|de)\s+)?{month}(?:,?\s+(?:de\s+)?(?P<y>\d{{4}}))?\b"),
        re.compile(rf"\b{month}\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>\d{{4}}))?\b"),
    ]


# What every date and time pattern needs somewhere: texts without one are not searched.
_DIGIT = re.compile(r"\d")
_TIME_PATTERNS = [
    re.compile(rf"\b(?P<h>[01]?\d|2[0-3])\s?[:.h]\s?(?P<min>[0-5]\d)(?:\s*{_MERIDIEM})?"),
    re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s*{_MERIDIEM}"),
    re.compile(r"\b(?P<h>[01]\d|2[0-3])(?P<min>[0-5]\d)\s*(?:hrs|hours|h)\b"),
    # Hour and minutes run together or set apart by a space, with am/pm: 1115pm, 11 15pm, 930am.
    re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s?(?P<min>[0-5]\d)\s*{_MERIDIEM}"),
]


def dates(text: str, *, either_order: bool = False) -> Iterator[tuple[tuple[int, int, int | None], int, int]]:
    """((day, month, year or None), start, end) of each date written in ``text``. With
    ``either_order`` (checking what leaves, not reading what she wrote), a date of two numbers
    is also read month first (11/21/2026, as written in the United States), when it can be."""
    folded = normalise.fold_numbers(text)
    if not _DIGIT.search(folded.text):
        return  # every date pattern holds a digit (the day)
    names = months()
    for pattern in _date_patterns():
        for match in pattern.finditer(folded.text):
            parts = match.groupdict()
            if parts.get("rom"):
                month = ROMAN_MONTHS.index(parts["rom"]) + 1
            else:
                month = names[parts["mon"]] if parts.get("mon") else int(parts["m"])
            day = int(parts["d"])
            year = parts.get("y")
            full_year = None if not year else int(year) + (2000 if len(year) == 2 else 0)
            start, end = folded.span(match.start(), match.end())
            if 1 <= month <= 12 and 1 <= day <= 31:
                yield (day, month, full_year), start, end
            # Month first only as the United States writes it, with slashes: 11/21/2026, 11/21.
            slashed = "/" in match.group() and not parts.get("sep")
            if either_order and slashed and 1 <= day <= 12 and 1 <= month <= 31:
                yield (month, day, full_year), start, end


def times(text: str) -> Iterator[tuple[set[int], int, int]]:
    """(possible minutes of the day, start, end) of each time written in ``text``."""
    folded = normalise.fold_numbers(text)
    if not _DIGIT.search(folded.text):
        return  # every time pattern holds a digit (the hour)
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(folded.text):
            parts = match.groupdict()
            hour, minute = int(parts["h"]), int(parts.get("min") or 0)
            meridiem = re.sub(r"[.\s]", "", parts.get("ap") or "")
            start, end = folded.span(match.start(), match.end())
            if meridiem:
                hour = hour % 12 + (12 if meridiem == "pm" else 0)
                yield {hour * 60 + minute}, start, end
            elif hour <= 12:
                yield {hour % 12 * 60 + minute, (hour % 12 + 12) * 60 + minute}, start, end
            else:
                yield {hour * 60 + minute}, start, end
