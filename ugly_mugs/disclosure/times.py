"""Exact dates and times, in the usual spellings of the scheme's five languages.

Dates: 21/11/2026, 21.11.26, 2026-11-21 (also in a timestamp: 2026-11-21T23:15), 2026/11/21,
2026 11 21, 20261121, 14.XI.2026, 11/21/2026 (month first, with slashes, when an outgoing text
is checked), 21 Nov,
21st November, November 21, and month names of English, Polish, Romanian, Bulgarian and
Brazilian Portuguese as the Unicode CLDR data in ``babel`` spells them (wide and abbreviated,
in a date and standing alone: "21 listopada", "21 noiembrie", "21 ноември", "21 de novembro de
2026"). Times as minutes of the day: 23:15, 23.15, 23h15, 11.15pm, 11:15 p.m., 1115pm, 11 15pm,
2315hrs, quarter past 11, 20 to 12, 11 o'clock; a time written without am/pm matches either half
of the day. Text is read through ``normalise.fold_numbers`` first, so other scripts' digits,
look-alike digits and invisible characters do not hide a date or time; and again with English
number words read as digits (``spoken``: "the twenty-first of November", "quarter past eleven",
"eleven fifteen").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from babel.dates import get_month_names

from ugly_mugs.disclosure import normalise, words

LANGUAGES = ("en", "pl", "ro", "bg", "pt_BR")


@functools.cache
def months() -> dict[str, int]:
    """Folded month name -> month number, for every language and form: the full names, and the
    short ones but those that are ordinary words of the five languages outside English (out,
    set, ago, lip, sie; "app" and "way", Bulgarian read by look), which would make a date of
    "3 out of 4"."""
    names: dict[str, int] = {"sept": 9}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    for looks in (True, False):
                        folded = normalise.fold(name.rstrip("."), looks=looks).text
                        if len(folded) < 3 or (
                            (width == "abbreviated" or looks) and language != "en" and words.is_common_word(folded)
                        ):
                            continue
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
        # 21 November, 21st of November, 21-Nov-2026, the 21st, November.
        re.compile(
            rf"\b(?P<d>\d{{1,2}}){_ORD}(?:,?\s+|\s*[-/.]\s*)(?:(?:of|de)\s+)?{month}"
            rf"(?:(?:,?\s+|\s*[-/.]\s*)(?:de\s+)?(?P<y>\d{{4}}))?\b"
        ),
        re.compile(rf"\b{month}\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}(?:,?\s+(?P<y>\d{{4}}))?\b"),
    ]


# What every date and time pattern needs somewhere: texts without one are not searched.
_DIGIT = re.compile(r"\d")
_HOUR12 = r"(?P<h>1[0-2]|0?[1-9])"
_TIME_PATTERNS = [
    # Minutes before or after the hour: quarter past 11, half past 11, 20 to 12, 10 minutes after 9.
    re.compile(
        rf"\b(?P<q>quarter|half|[0-5]?\d)\s+(?:min(?:ute)?s?\s+)?(?P<dir>past|after|to|till|til|before)\s+{_HOUR12}\b"
        rf"(?:\s*{_MERIDIEM})?"
    ),
    # "half eleven": half past eleven, as British English says it.
    re.compile(rf"\b(?P<q>half)\s+{_HOUR12}\b(?!\s*(?:hours?|an?\b|of\b))(?:\s*{_MERIDIEM})?"),
    # Midnight and noon, and the minutes before or after them.
    re.compile(
        r"\b(?:(?P<q>quarter|half|[0-5]?\d)\s+(?:min(?:ute)?s?\s+)?(?P<dir>past|after|to|till|til|before)\s+)?(?P<noon>midnight|noon|midday)\b"
    ),
    re.compile(rf"\b{_HOUR12}\s*o\W?\s?clock\b(?:\s*{_MERIDIEM})?"),
    re.compile(rf"\b(?P<h>[01]?\d|2[0-3])\s?[:.h]\s?(?P<min>[0-5]\d)(?:\s*{_MERIDIEM})?"),
    re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s*{_MERIDIEM}"),
    re.compile(r"\b(?P<h>[01]\d|2[0-3])(?P<min>[0-5]\d)\s*(?:hrs|hours|h)\b"),
    # Hour and minutes run together or set apart by a space, with am/pm: 1115pm, 11 15pm, 930am.
    re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s?(?P<min>[0-5]\d)\s*{_MERIDIEM}"),
]


# English number words, cardinal and ordinal, up to fifty-nine (what a date or a time says).
_NOON = re.compile(r"\b(?:midnight|noon|midday)\b")
_UNIT_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9,
}  # fmt: skip
_TEEN_WORDS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17,
    "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_TEN_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}


def _alternatives(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_NUMBER_WORD = re.compile(
    rf"\b(?:(?P<tens>{_alternatives(_TEN_WORDS)})(?:[\s-]+(?P<unit>{_alternatives(_UNIT_WORDS)}))?"
    rf"|(?P<single>{_alternatives([*_TEEN_WORDS, *_UNIT_WORDS])}))\b"
)
# Hour and minutes both said in words ("eleven fifteen"): a time only when read from words.
# Said after a word that introduces a time ("at eleven fifteen", "by twenty-three fifteen", the
# span from the hour on) or with am/pm, so that heights and prices ("five eleven", "one fifty for
# the hour") are none.
_SPOKEN_AFTER_A_CUE = re.compile(
    r"\b(?:at|around|by|till|until|after|before|from)\s+(?:about\s+|around\s+)?"
    r"(?P<h>1\d|2[0-3]|0?[1-9])[\s-](?P<min>[1-5]\d)\b(?!-)"
)
_SPOKEN_WITH_MERIDIEM = re.compile(rf"\b{_HOUR12}[\s-](?P<min>[1-5]\d)\s*{_MERIDIEM}")
# An afternoon or evening hour of the 24-hour clock needs neither ("twenty-three fifteen").
_SPOKEN_24_HOUR = re.compile(r"\b(?P<h>1[3-9]|2[0-3])[\s-](?P<min>[1-5]\d)\b(?!-)")
_SPOKEN_TIMES = (_SPOKEN_AFTER_A_CUE, _SPOKEN_WITH_MERIDIEM, _SPOKEN_24_HOUR)


def spoken(folded: normalise.Folded) -> normalise.Folded | None:
    """``folded`` with its English number words read as digits ("twenty-first" → "21"), each
    digit spanning the words it came from; None when it has none."""
    matches = list(_NUMBER_WORD.finditer(folded.text))
    if not matches:
        return None
    out, starts, ends = [], [], []
    position = 0
    for match in matches:
        out.append(folded.text[position : match.start()])
        starts += folded.starts[position : match.start()]
        ends += folded.ends[position : match.start()]
        parts = match.groupdict()
        if parts["single"]:
            value = (_TEEN_WORDS | _UNIT_WORDS)[parts["single"]]
        else:
            value = _TEN_WORDS[parts["tens"]] + (_UNIT_WORDS[parts["unit"]] if parts["unit"] else 0)
        digits = str(value)
        out.append(digits)
        starts += [folded.starts[match.start()]] * len(digits)
        ends += [folded.ends[match.end() - 1]] * len(digits)
        position = match.end()
    out.append(folded.text[position:])
    starts += folded.starts[position:]
    ends += folded.ends[position:]
    return normalise.Folded("".join(out), tuple(starts), tuple(ends))


@functools.lru_cache(maxsize=64)
def _readings(text: str) -> list[tuple[normalise.Folded, bool]]:
    """``text`` as dates and times are looked for in it: (reading, whether its number words were
    read as digits), the second only when it has some. Cached for the last texts (both
    ``dates`` and ``times`` ask), and emptied with the guard's other caches of her texts
    (``forget_texts``)."""
    folded = normalise.fold_numbers(text)
    found = [(folded, False)] if _DIGIT.search(folded.text) or _NOON.search(folded.text) else []
    said = spoken(folded)
    if said is not None:
        found.append((said, True))
    return found


def dates(text: str, *, either_order: bool = False) -> Iterator[tuple[tuple[int, int, int | None], int, int]]:
    """((day, month, year or None), start, end) of each date written in ``text``. With
    ``either_order`` (checking what leaves, not reading what she wrote), a date of two numbers
    is also read month first (11/21/2026, as written in the United States), when it can be."""
    return iter(_dates_of(text, either_order))


@functools.lru_cache(maxsize=256)
def _dates_of(text: str, either_order: bool) -> tuple[tuple[tuple[int, int, int | None], int, int], ...]:
    return tuple(_dates(text, either_order))


def _dates(text: str, either_order: bool) -> Iterator[tuple[tuple[int, int, int | None], int, int]]:
    found: dict[tuple[int, int], list[tuple[int, int, int | None]]] = {}
    for folded, _ in _readings(text):
        for date, start, end in _dates_in(folded, either_order):
            found.setdefault((start, end), []).append(date)
    for (start, end), found_dates in _outermost(found):
        for date in dict.fromkeys(found_dates):
            yield date, start, end


def _outermost(found: dict[tuple[int, int], object]) -> list[tuple[tuple[int, int], object]]:
    """The spans of ``found`` that lie inside no other: a date or time inside a longer one is
    part of it ("one am" in "quarter to one am", "21/11" in "21/11/twenty six")."""
    return [
        (span, value)
        for span, value in found.items()
        if not any(s <= span[0] and span[1] <= e and (s, e) != span for s, e in found)
    ]


def _dates_in(folded: normalise.Folded, either_order: bool) -> Iterator[tuple[tuple[int, int, int | None], int, int]]:
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
    """(possible minutes of the day, start, end) of each time written in ``text``; a time inside
    a longer one ("one am" in "quarter to one am") is part of it, not a time of its own."""
    return ((set(minutes), start, end) for minutes, start, end in _times_of(text))


@functools.lru_cache(maxsize=256)
def _times_of(text: str) -> tuple[tuple[frozenset[int], int, int], ...]:
    return tuple((frozenset(minutes), start, end) for minutes, start, end in _times(text))


def _times(text: str) -> Iterator[tuple[set[int], int, int]]:
    found: dict[tuple[int, int], set[int]] = {}
    for folded, said in _readings(text):
        for pattern in [*_TIME_PATTERNS, *_SPOKEN_TIMES] if said else _TIME_PATTERNS:
            for match in pattern.finditer(folded.text):
                begin = match.start("h") if pattern is _SPOKEN_AFTER_A_CUE else match.start()
                start, end = folded.span(begin, match.end())
                if pattern in _SPOKEN_TIMES and _DIGIT.search(text[start:end]):
                    continue  # "11 15" in digits is no time; "eleven fifteen" is
                found.setdefault((start, end), set()).update(_minutes(match))
    for (start, end), minutes in _outermost(found):
        yield minutes, start, end


def _minutes(match: re.Match) -> set[int]:
    """The minutes of the day a time pattern's match can mean (both halves without am/pm)."""
    parts = match.groupdict()
    before = parts.get("dir") in ("to", "till", "til", "before")
    offset = ({"quarter": 15, "half": 30}.get(parts["q"]) or int(parts["q"])) if parts.get("q") else 0
    if parts.get("noon"):
        noon = 0 if parts["noon"] == "midnight" else 12 * 60
        return {(noon - offset if before else noon + offset) % (24 * 60)}
    hour, minute = int(parts["h"]), int(parts.get("min") or 0)
    if parts.get("q"):
        hour, minute = ((hour - 1) or 12, 60 - offset) if before else (hour, offset)
    meridiem = re.sub(r"[.\s]", "", parts.get("ap") or "")
    if meridiem:
        return {(hour % 12 + (12 if meridiem == "pm" else 0)) * 60 + minute}
    if hour <= 12:
        return {hour % 12 * 60 + minute, (hour % 12 + 12) * 60 + minute}
    return {hour * 60 + minute}


def forget_texts() -> None:
    """Empty the caches of the texts read for dates and times, and what was found in them: the
    guard reads one text several times in a request (``_readings``, ``_dates_of``, ``_times_of``)."""
    _readings.cache_clear()
    _dates_of.cache_clear()
    _times_of.cache_clear()
