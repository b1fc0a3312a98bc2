"""Reading text the way a person reads it: one character at a time, into plain ASCII.

Every comparison of the disclosure guard goes through here, so that case, accents, letters
that do not decompose (ł ø đ ı æ ß), other scripts, look-alike characters and invisible
characters cannot hide a protected value.

* **Invisible characters** (format characters, category Cf: zero-width spaces and joiners,
  bidirectional controls, the soft hyphen; variation selectors; the combining grapheme
  joiner; Hangul fillers) are dropped, and do not end a word.
* **Combining marks** are dropped (accents typed as separate characters).
* **Compatibility forms** (fullwidth letters and digits, ligatures, mathematical letters,
  circled digits) are read through NFKC.
* **Transliteration** is the ``anyascii`` library's (ISC licence, tables for every script,
  including letters that do not decompose); for Cyrillic the Bulgarian official system
  (Transliteration Act 2009: ъ→a, щ→sht, я→ya or a …) is offered beside it, since people
  write Bulgarian names that way.
* **Look-alikes** come from Unicode's confusables table (UTS #39 ``confusables.txt``) as
  shipped by the ``confusable_homoglyphs`` package: a Cyrillic "р" may be read as "r" (its
  sound) or "p" (its look). Lower-case ASCII letters are read only as themselves, so that
  ordinary words do not turn into others ("all" is never "ali"); capital I, digits and the
  bar are also read as the letters they look like (I→l, 0→o, 1→l, |→l).

``readings(ch)`` gives every reading of one character, the transliteration first;
``fold(text, visual=...)`` gives one reading of a whole text with a map back to the
original offsets.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

_BIDI_MARKS = "\u200e\u200f"
# Default-ignorable characters outside category Cf (Unicode's DerivedCoreProperties).
_IGNORABLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0}
_IGNORABLE_RANGES = ((0x180B, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))

# Bulgarian Transliteration Act (2009), the system Bulgarian names are written in Latin with.
_BULGARIAN = {
    "ж": "zh",
    "й": "y",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sht",
    "ъ": "a",
    "ь": "y",
    "ю": "yu",
    "я": "ya",
}
# Spellings of я and ю without the y that people also use ("Maria" for Мария).
_CYRILLIC_SHORT = {"я": ("a", "ia"), "ю": ("u", "iu"), "ъ": ("u", "")}


# Answers per character are kept, a bounded number of them: asked of every character of every
# text scanned, they repeat, but a text made of many different characters must not grow the
# process without end (Unicode has over a million code points).
CHARACTERS_KEPT = 16384
_per_character = functools.lru_cache(maxsize=CHARACTERS_KEPT)


@_per_character
def is_invisible(ch: str) -> bool:
    """True for characters that show nothing: format characters and other default-ignorables."""
    code = ord(ch)
    if unicodedata.category(ch) == "Cf" or code in _IGNORABLE:
        return True
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


@_per_character
def is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


@functools.cache
def _table() -> dict[str, list[dict]]:
    """The confusables table keyed by characters without the bidi marks some keys carry.

    Loaded on first use (the package reads its table when imported), not when the app starts.
    """
    from confusable_homoglyphs.confusables import confusables_data

    return {key.strip(_BIDI_MARKS): entries for key, entries in confusables_data.items()}


@_per_character
def _ascii_lookalikes(ch: str) -> tuple[str, ...]:
    """ASCII letters and digits that ``ch`` looks like, from the confusables table."""
    found = []
    for entry in _table().get(ch, ()):
        glyph = entry["c"].strip(_BIDI_MARKS)
        if glyph.isascii() and glyph.isalnum():
            found.append(glyph.lower())
    return tuple(found)


@_per_character
def _lookalike_letters(ch: str) -> tuple[str, ...]:
    """Transliterations of the non-ASCII letters ``ch`` looks like (Latin Ʌ looks like Cyrillic Л)."""
    found = []
    for entry in _table().get(ch, ()):
        glyph = entry["c"].strip(_BIDI_MARKS)
        if len(glyph) == 1 and not glyph.isascii() and unicodedata.category(glyph).startswith("L"):
            reading = anyascii(unicodedata.normalize("NFKC", glyph)).lower().replace("'", "")
            if reading.isalnum():
                found.append(reading)
    return tuple(found)


@_per_character
def readings(ch: str) -> tuple[str, ...]:
    """Every lower-case ASCII reading of one character, its transliteration first.

    ``("",)`` for invisible characters and combining marks. Digits of any script read as
    their ASCII digit.
    """
    if is_invisible(ch) or is_mark(ch):
        return ("",)
    if ch.isascii():
        if "a" <= ch <= "z":
            return (ch,)
        return _unique((ch.lower(), *_ascii_lookalikes(ch)))
    if unicodedata.decimal(ch, None) is not None:
        return _unique((str(unicodedata.decimal(ch)), *_ascii_lookalikes(ch), *_lookalike_letters(ch)))
    compatible = unicodedata.normalize("NFKC", ch)
    if compatible.isascii():
        # Fullwidth and mathematical letters, ligatures, the long s (ſ, read s, looks like f).
        own = readings(compatible) if len(compatible) == 1 else (compatible.lower(),)
        return _unique((*own, *_ascii_lookalikes(ch), *_lookalike_letters(ch)))
    translit = anyascii(compatible).lower().replace("'", "")
    options = [translit, *_ascii_lookalikes(ch), *_ascii_lookalikes(compatible), *_lookalike_letters(ch)]
    lower = compatible.lower()
    if lower in _BULGARIAN:
        options.append(_BULGARIAN[lower])
    options.extend(_CYRILLIC_SHORT.get(lower, ()))
    return _unique(options)


def _unique(options) -> tuple[str, ...]:
    return tuple(dict.fromkeys(options))


@_per_character
def visual(ch: str) -> str:
    """The one reading of ``ch`` a reader of digits and codes sees: its look-alike when it has
    one (Cyrillic "З" is "3", "О" is "o"), else its transliteration. ASCII is kept as it is."""
    options = readings(ch)
    if (ch.isascii() and ch != "|") or unicodedata.decimal(ch, None) is not None:
        return options[0]
    return options[1] if len(options) > 1 and ch not in _BULGARIAN_LETTERS else options[0]


# Cyrillic letters whose extra readings are Bulgarian spellings, not look-alikes.
_BULGARIAN_LETTERS = {c for c in _BULGARIAN} | {c.upper() for c in _BULGARIAN} | set(_CYRILLIC_SHORT)


@_per_character
def is_word_char(ch: str) -> bool:
    """Letters and digits of any script, and characters that look like one (| for l)."""
    return ch.isalnum() or any(r.isalnum() for r in readings(ch) if r)


APOSTROPHES = frozenset("'’ʼ`´′‘")


@dataclass(frozen=True)
class Folded:
    """A text read one way, with each folded character's original span."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original (start, end) of folded characters ``start`` to ``end`` (exclusive)."""
        return self.starts[start], self.ends[end - 1]


@functools.lru_cache(maxsize=64)
def fold(text: str, *, looks: bool = True) -> Folded:
    """``text`` read into lower-case ASCII: by look (``looks=True``: digits and codes) or by
    transliteration. Invisible characters and combining marks disappear.

    Cached: the guard reads the same outgoing text in several ways.
    """
    if text.isascii():
        plain = text.lower().replace("|", "l") if looks else text.lower()
        return Folded(plain, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(text):
        reading = visual(ch) if looks else readings(ch)[0]
        for piece in reading:
            out.append(piece)
            starts.append(index)
            ends.append(index + 1)
    return Folded("".join(out), tuple(starts), tuple(ends))


def forget_texts() -> None:
    """Empty the caches that hold whole texts (``fold``, ``fold_numbers``): called when a request
    ends, so that what she wrote is not kept in the process after it was answered."""
    fold.cache_clear()
    fold_numbers.cache_clear()


# Letters (as ``fold`` reads them) that stand for a digit inside a number.
DIGIT_LOOKALIKES = {"o": "0", "i": "1", "l": "1"}
_ALNUM_RUN = re.compile(r"[a-z0-9]+")
# The ending a time may have written after its digits: which half of the day (pm, p.m.) or
# that it is hours (hrs, h), lower case.
TIME_ENDING = re.compile(r"(?:[ap]\.?\s?m\.?|hrs|hours|h)$")


def is_numeric(token: str) -> bool:
    """A folded word that reads as a number: digits and digit look-alikes, one real digit at least."""
    return any(ch.isdigit() for ch in token) and all(ch.isdigit() or ch in DIGIT_LOOKALIKES for ch in token)


@functools.lru_cache(maxsize=64)
def fold_numbers(text: str) -> Folded:
    """``fold(text)`` with the look-alike letters of numeric words read as digits ("O77OO" →
    "07700"); a word of look-alikes alone is numeric beside a number ("2l/ll/2O26", "07 7 l 72")."""
    folded = fold(text)
    if not any(map(str.isdigit, folded.text)):
        # A numeric word holds a real digit, and look-alikes count only beside one: none here.
        return folded
    return _digits_read(folded)


def _digits_read(folded: Folded) -> Folded:
    """``folded`` with the look-alike letters of its numeric words read as digits (``fold_numbers``)."""
    chars = list(folded.text)
    tokens = list(_ALNUM_RUN.finditer(folded.text))
    # A time's ending (l115pm, O930am, l0hrs) is not part of its number: the look-alikes before
    # it are read as digits like any number's, the ending stays letters.
    stems = [TIME_ENDING.sub("", m.group()) or m.group() for m in tokens]
    numeric = [is_numeric(stem) for stem in stems]

    def lookalikes_only(k: int) -> bool:
        return not numeric[k] and all(ch in DIGIT_LOOKALIKES for ch in tokens[k].group())

    def gap(k: int) -> str:  # between token k and token k + 1
        return folded.text[tokens[k].end() : tokens[k + 1].start()]

    i = 0
    while i < len(tokens):
        if not lookalikes_only(i):
            i += 1
            continue
        j = i  # a group of look-alike words ("O O") read together
        while j + 1 < len(tokens) and lookalikes_only(j + 1) and _separates(gap(j)):
            j += 1
        before = i > 0 and numeric[i - 1] and _separates(gap(i - 1))
        after = j + 1 < len(tokens) and numeric[j + 1] and _separates(gap(j))
        # One look-alike beside one number counts only when joined without a space ("15-O"),
        # so that "10 o clock" stays words.
        tight = (before and not any(c.isspace() for c in gap(i - 1))) or (
            after and not any(c.isspace() for c in gap(j))
        )
        size = sum(len(tokens[k].group()) for k in range(i, j + 1))
        if (before and after) or ((before or after) and (size > 1 or tight)):
            numeric[i : j + 1] = [True] * (j + 1 - i)
        i = j + 1
    for is_number, match, stem in zip(numeric, tokens, stems, strict=True):
        if is_number:
            for i in range(match.start(), match.start() + len(stem)):
                chars[i] = DIGIT_LOOKALIKES.get(chars[i], chars[i])
    return Folded("".join(chars), folded.starts, folded.ends)


def _separates(gap: str) -> bool:
    """A gap between two parts of one number: punctuation and spacing, at most three characters."""
    return len(gap) <= 3 and not any(ch.isalnum() for ch in gap)
