"""Her place: streets with their house numbers, postcodes, and the place as she wrote it.

**Streets.** A street is a name of one to three words beside a street type: after it in
English ("Mill Road", "Mill Rd"), before it in Polish, Romanian, Bulgarian and Portuguese
("ul. Długa", "Strada Florilor", "ул. Шипка", "Rua das Flores"), with the house number
before or after it. Types are compared by meaning (Rd = Road, ul. = ulica, Av. = Avenida).
An outgoing text repeats her street when the street's name words (inflected too: "na ulicy
Długiej") stand beside the same type, or beside her house number ("9 Fakely", "Długa 5").

**Postcodes** (UK, Polish NN-NNN, Brazilian CEP NNNNN-NNN, Romanian six digits) are
compared as their letters and digits alone, with O/0 and I/l/1 read alike, so "LS6 2AB",
"ls62ab", "L S 6 - 2 A B" and "LS6 2A\u200bB" are one postcode; a match must start and end
at a word boundary, so his plate "LS62 ABC" is not her postcode.

**The place as written** ("the bus stop outside 14 Mill Road") is protected as a sequence of
words. A single street-name word on its own ("near Fakely") is not blocked: it identifies a
street only with its type or number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ugly_mugs.disclosure import normalise, words

# Street types written after the name (English), by their full form.
SUFFIX_TYPES = {
    "street": "street", "st": "street", "road": "road", "rd": "road", "lane": "lane", "ln": "lane",
    "avenue": "avenue", "ave": "avenue", "av": "avenue", "close": "close", "cl": "close", "way": "way",
    "drive": "drive", "dr": "drive", "terrace": "terrace", "ter": "terrace", "terr": "terrace",
    "place": "place", "pl": "place", "court": "court", "ct": "court", "crescent": "crescent",
    "cres": "crescent", "grove": "grove", "gr": "grove", "gardens": "gardens", "gdns": "gardens",
    "row": "row", "walk": "walk", "square": "square", "sq": "square", "parade": "parade", "mews": "mews",
    "hill": "hill", "view": "view", "mount": "mount", "green": "green", "park": "park",
}  # fmt: skip
# Street types written before the name (Polish, Romanian, Bulgarian in Latin letters, Portuguese),
# by the English type of the same meaning, so that "Długa street" is "ul. Długa".
PREFIX_TYPES = {
    "ulica": "street", "ul": "street", "ulici": "street", "ulice": "street",
    "ulitsa": "street", "strada": "street", "str": "street", "rua": "street", "r": "street",
    "aleja": "avenue", "al": "avenue", "aleje": "avenue", "alei": "avenue", "aleea": "avenue",
    "alameda": "avenue", "avenida": "avenue", "av": "avenue", "bulevardul": "avenue", "bulevard": "avenue",
    "bd": "avenue", "bdul": "avenue", "bul": "avenue",
    "plac": "square", "placu": "square", "pl": "square", "piata": "square", "ploshtad": "square", "praca": "square",
    "largo": "square",
    "osiedle": "estate", "os": "estate", "osiedlu": "estate", "zhk": "estate", "kvartal": "estate", "kv": "estate",
    "calea": "road", "soseaua": "road", "sos": "road", "estrada": "road", "rodovia": "road",
    "intrarea": "lane", "travessa": "lane", "tv": "lane", "beco": "lane", "viela": "lane", "splaiul": "road",
}  # fmt: skip
# Short forms written with a dot inside an address ("ul. Długa", "St. Mary's Rd", "no. 14"): the
# dot after one does not end a sentence.
SHORT_TYPES = frozenset({k for k in (*SUFFIX_TYPES, *PREFIX_TYPES) if len(k) <= 4} | {"nr", "no", "apt", "fl", "flat"})
# Little words inside street names that are not the name ("Rua das Flores").
CONNECTORS = {"de", "da", "do", "das", "dos", "e", "di", "del", "lui", "na"}
# Words that end a street name read backwards from its type ("near the Co-op on Kirkstall Road").
STOP = {
    "on", "in", "at", "the", "near", "by", "off", "of", "my", "his", "her", "flat", "house", "from", "to",
    "and", "outside", "behind", "corner", "top", "bottom", "end", "a", "an", "w", "przy", "na", "pe", "la",
    "em", "no", "perto", "lang", "do", "ot", "v", "u", "pod",
}  # fmt: skip
MAX_NAME_WORDS = 3
_HOUSE_NUMBER = re.compile(r"\d{1,4}[a-z]?")
POSTCODE_PATTERNS = (
    re.compile(r"\b(?:gir ?0aa|[a-z]{1,2}\d[a-z\d]? ?\d[a-z]{2})\b"),  # UK
    re.compile(r"\b\d{2}-\d{3}\b"),  # Poland
    re.compile(r"\b\d{5}-?\d{3}\b"),  # Brazil (CEP)
    re.compile(r"(?<![\d][\s.-])\b\d{6}\b(?![\s.-]?\d)"),  # Romania (not the end of a phone number)
)
# Read alike in postcodes: what looks like a digit and the digit.
_POSTCODE_ALIKE = str.maketrans({"o": "0", "i": "1", "l": "1"})


@dataclass(frozen=True)
class Street:
    kind: str  # the type's full form ("road", "ulica")
    name: tuple[str, ...]  # the name's words as she typed them, connectors left out
    number: str | None  # the house number, folded ("14", "9a")


def _plain(word: words.Word) -> str:
    """The word by transliteration, loosened (y as i) as the type tables are written."""
    return word.plain()


def _gap(text: str, left: words.Word, right: words.Word) -> str:
    return text[left.end : right.start]


def _joined(gap: str, allowed: tuple[str, ...] = ("", "-")) -> bool:
    """Whether two neighbouring words belong to one street phrase (no comma or line between)."""
    return gap.strip(" \t") in allowed


def streets(text: str) -> Iterator[Street]:
    """Every street named in ``text`` (what she wrote)."""
    found = words.words(text)
    plain = [_plain(w) for w in found]
    for i, word in enumerate(plain):
        if word in SUFFIX_TYPES and i > 0:
            j, name = i - 1, []
            while (
                j >= 0
                and len(name) < MAX_NAME_WORDS
                and plain[j].isalpha()
                and plain[j] not in STOP
                and _joined(_gap(text, found[j], found[j + 1]))
            ):
                name.insert(0, text[found[j].start : found[j].end])
                j -= 1
            if name:
                number = plain[j] if j >= 0 and _HOUSE_NUMBER.fullmatch(plain[j]) else None
                yield Street(SUFFIX_TYPES[word], tuple(name), number)
        if word in PREFIX_TYPES and i + 1 < len(plain):
            j, name = i + 1, []
            while j < len(plain) and len(name) < MAX_NAME_WORDS and plain[j].isalpha():
                # "ul. Długa", "Rua das Flores": a dot may follow the type, not the name's words.
                if not _joined(_gap(text, found[j - 1], found[j]), ("", ".", "-") if j == i + 1 else ("", "-")):
                    break
                if plain[j] in CONNECTORS:
                    j += 1
                    continue
                if plain[j] in STOP:
                    break
                name.append(text[found[j].start : found[j].end])
                j += 1
            if name:
                number = None
                if j < len(plain) and _HOUSE_NUMBER.fullmatch(plain[j]):
                    number = plain[j]
                elif i > 0 and _HOUSE_NUMBER.fullmatch(plain[i - 1]):
                    number = plain[i - 1]
                yield Street(PREFIX_TYPES[word], tuple(name), number)


def _type_of(word: words.Word, table: dict[str, str]) -> str | None:
    return table.get(_plain(word))


class StreetMatcher:
    """Finds one protected street in outgoing texts."""

    def __init__(self, street: Street):
        self.street = street
        # Inflected ("na ulicy Długiej"), but not respelled: a street is read beside its type or
        # number, and respelling every word of every text for it would double the scan's cost.
        self.forms = [words.name_forms(part, respelled=False) for part in street.name]

    def find(self, text: str, found: list[words.Word]) -> Iterator[tuple[int, int]]:
        street = self.street
        for i in range(len(found)):
            end = self._name_at(found, i)
            if end is None:
                continue
            first, last = i, end - 1
            beside = False
            if end < len(found) and _type_of(found[end], SUFFIX_TYPES) == street.kind:
                last, beside = end, True
            before = i - 1
            while before >= 0 and _plain(found[before]) in CONNECTORS:
                before -= 1
            if before >= 0 and _type_of(found[before], PREFIX_TYPES) == street.kind:
                first, beside = before, True
            if street.number:
                if first > 0 and _plain(found[first - 1]) == street.number:
                    first, beside = first - 1, True
                elif last + 1 < len(found) and _plain(found[last + 1]) == street.number:
                    last, beside = last + 1, True
            if beside:
                yield found[first].start, found[last].end

    def _name_at(self, found: list[words.Word], i: int) -> int | None:
        """The index after the street's name words when they begin at word ``i``, connectors skipped."""
        j = i
        for forms in self.forms:
            while j > i and j < len(found) and _plain(found[j]) in CONNECTORS:
                j += 1
            if j >= len(found) or not forms.match(found[j]):
                return None
            j += 1
        return j


# --- postcodes --------------------------------------------------------------------------


def postcode_key(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower()).translate(_POSTCODE_ALIKE)


def postcodes(text: str) -> Iterator[str]:
    """The postcodes written in ``text``, as keys (``postcode_key``)."""
    folded = normalise.fold(text).text
    for pattern in POSTCODE_PATTERNS:
        for match in pattern.finditer(folded):
            yield postcode_key(match.group())


# A UK postcode's inward part (a digit and two letters), which may be given apart from its
# outward part with a few words between ("LS11 then 5AB").
_INWARD = re.compile(r"\d[a-z]{2}")
# At most this many words between the two parts.
MOST_WORDS_BETWEEN = 6


def split_postcode(text: str, key: str) -> Iterator[tuple[int, int]]:
    """Original spans where the UK postcode ``key`` (``postcode_key``) is given in its two parts
    with up to ``MOST_WORDS_BETWEEN`` words between them ("LS11 then 5AB", "LS11, the rest is
    5AB"); other postcodes, and a postcode written whole (``Compact.find``), give none."""
    outward, inward = key[:-3], key[-3:]
    if not (2 <= len(outward) <= 4 and _INWARD.fullmatch(inward) and any(ch.isalpha() for ch in outward)):
        return
    folded = normalise.fold(text)
    plain = folded.text.translate(_POSTCODE_ALIKE)
    # Words between as read by look too ("is" reads "1s"): any word.
    words_between = rf"(?:\W+\w+){{1,{MOST_WORDS_BETWEEN}}}?"
    pattern = rf"\b{re.escape(outward)}{words_between}\W+{re.escape(inward)}\b"
    for match in re.finditer(pattern, plain):
        yield folded.span(match.start(), match.end())


@dataclass(frozen=True)
class Compact:
    """A text's letters and digits alone (read by look, O/0 and I/l/1 alike), each with its
    original span and whether it begins or ends a word."""

    text: str
    spans: tuple[tuple[int, int], ...]
    starts_word: tuple[bool, ...]
    ends_word: tuple[bool, ...]

    @classmethod
    def of(cls, text: str) -> Compact:
        folded = normalise.fold(text)
        plain = folded.text
        last = len(plain) - 1
        kept = [i for i, ch in enumerate(plain) if ch.isalnum()]
        return cls(
            "".join(plain[i] for i in kept).translate(_POSTCODE_ALIKE),
            tuple((folded.starts[i], folded.ends[i]) for i in kept),
            tuple(i == 0 or not plain[i - 1].isalnum() for i in kept),
            tuple(i == last or not plain[i + 1].isalnum() for i in kept),
        )

    def find(self, key: str) -> Iterator[tuple[int, int]]:
        """Original spans of ``key`` (a ``postcode_key``) that start and end at word boundaries."""
        if not key:
            return
        at = self.text.find(key)
        while at != -1:
            last = at + len(key) - 1
            if self.starts_word[at] and self.ends_word[last]:
                yield self.spans[at][0], self.spans[last][1]
            at = self.text.find(key, at + 1)
