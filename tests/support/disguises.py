"""Hypothesis strategies that write the reporter's details the way people write and attackers
hide them: the kinds the disclosure guard must see through (``ugly_mugs/disclosure``).

Names are drawn from the letters of the scheme's five languages (with ł ø đ ı æ ß and Cyrillic),
phone numbers and e-mail addresses at random; each value is then disguised by a random mix of
case, transliteration to ASCII, Unicode confusables from the same table the guard uses,
invisible characters, possessives, digit look-alikes, fullwidth digits and any spacing or line
breaks inside numbers, spelled-out @ and dots, plus-tags; streets by their type's abbreviation
and case; postcodes by spacing and look-alike digits.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii
from confusable_homoglyphs.confusables import confusables_data
from hypothesis import assume
from hypothesis import strategies as st

from ugly_mugs.disclosure import normalise

LETTERS = {
    "en": "abcdefghijklmnoprstuvwz",
    "pl": "abcćdeęfghijklłmnńoóprsśtuwyzźż",
    "ro": "aăâbcdefghiîjklmnoprsștțuvz",
    "bg": "абвгдежзийклмнопрстуфхцчшщъюя",
    "pt": "aáâãbcçdeéêfghiíjlmnoóôõprstuúvxz",
    "other": "aæbcdđefghıijklmnoøprsßtuvz",
}
FILLER = ("Warning", "seen", "twice", "near", "the", "station")
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u202e", "\u2066", "\ufe0f", "\u034f")
SEPARATORS = (" ", "-", ".", "\n", " \n ", "\u200b", "  ", "/")
DIGIT_DISGUISE = {"0": ("O", "o", "О", "０"), "1": ("l", "I", "|", "１"), "3": ("З", "３")}
STREET_TYPES = {"Street": ("Street", "St", "STREET", "st."), "Road": ("Road", "Rd", "ROAD", "rd")}


def homoglyphs(ch: str) -> list[str]:
    """Single characters the confusables table gives as looking like ``ch``."""
    found = []
    for entry in confusables_data.get(ch, ()):
        glyph = entry["c"].strip("\u200e\u200f")
        if len(glyph) == 1 and unicodedata.category(glyph)[0] in "LN" and not glyph.isascii():
            found.append(glyph)
    return found


@st.composite
def names(draw):
    """One word of a name in one of the five languages' letters, capitalised."""
    language = draw(st.sampled_from(sorted(LETTERS)))
    letters = LETTERS[language]
    word = "".join(draw(st.lists(st.sampled_from(letters), min_size=5, max_size=9)))
    word = word[0].upper() + word[1:]
    plain = normalise.fold(word).text
    assume(plain not in {f.lower() for f in FILLER} and len(set(plain)) >= 3)
    return word


@st.composite
def disguised_name(draw, word):
    text = word
    if draw(st.booleans()):
        text = draw(st.sampled_from([text.upper(), text.lower(), text.title()]))
    if draw(st.booleans()) and not any("\u0400" <= c <= "\u04ff" for c in text):
        text = anyascii(text)  # written without the letters her keyboard lacks
    out = []
    for ch in text:
        glyphs = homoglyphs(ch)
        if glyphs and draw(st.integers(0, 3)) == 0:
            ch = draw(st.sampled_from(glyphs))
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
    text = "".join(out).rstrip("".join(INVISIBLE))
    return text + draw(st.sampled_from(["", "'s", "’s", "s"]))


# Digits written for letters inside a word (``words.LEET`` read the other way).
LEET_DIGITS = {"a": "4", "e": "3", "o": "0", "i": "1", "l": "1", "s": "5", "t": "7", "b": "8", "g": "9"}
BREAKS = ["**", "__", "~~", "`", "|", "\u00a0", "\u2009", "\u202f", "\u3000"]


@st.composite
def split_name(draw, word):
    """``word`` (five letters or more) spaced out, strung on a sign, broken by markup or an unusual
    space, written with digits for some of its letters, or followed by digits."""
    text = draw(st.sampled_from([word, word.upper(), word.lower()]))
    way = draw(st.sampled_from(["spaced", "strung", "broken", "leet", "digits after"]))
    if way == "spaced":
        return draw(st.sampled_from([" ", "  ", "   ", "\t", "\u00a0"])).join(text)
    if way == "strung":
        return draw(st.sampled_from([".", "-", "_", "·", "*", "/", "+"])).join(text)
    if way == "broken":
        cut = draw(st.integers(1, len(text) - 1))
        return text[:cut] + draw(st.sampled_from(BREAKS)) + text[cut:]
    if way == "leet":
        # Letters inside the word, or else its first or its last letter (five letters or more).
        inside = [i for i in range(1, len(text) - 1) if text[i].lower() in LEET_DIGITS]
        ends = [i for i in (0, len(text) - 1) if text[i].lower() in LEET_DIGITS]
        if inside and (not ends or draw(st.booleans())):
            chosen = set(draw(st.lists(st.sampled_from(inside), min_size=1, unique=True)))
        else:
            assume(ends)
            chosen = {draw(st.sampled_from(ends))}
        return "".join(LEET_DIGITS[c.lower()] if i in chosen else c for i, c in enumerate(text))
    return text + draw(st.sampled_from(["1", "22", "99", "1985", "2026"]))


@st.composite
def disguised_phone(draw, digits):
    """``digits`` (a UK mobile's national digits) written with a prefix, spacing and look-alikes."""
    prefix = draw(st.sampled_from(["0", "+44 ", "0044 ", "+44 (0)", ""]))
    out = []
    for i, d in enumerate(digits):
        if d in DIGIT_DISGUISE and draw(st.integers(0, 3)) == 0:
            d = draw(st.sampled_from(DIGIT_DISGUISE[d]))
        out.append(d)
        if i < len(digits) - 1 and draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from(SEPARATORS)))
    return prefix + "".join(out)


@st.composite
def disguised_email(draw, local, domain):
    local = draw(st.sampled_from([local, local.upper(), local.replace(".", ""), local + "+tag"]))
    at = draw(st.sampled_from(["@", " at ", " (at) ", " [at] ", "＠", " małpa ", " arroba "]))
    dot = draw(st.sampled_from([".", " dot ", " [.] ", " kropka ", " ponto "]))
    return local + at + domain.replace(".", dot)


@st.composite
def disguised_street(draw, number, name, kind):
    """Her street ("14 Tannery Road") as a house-number-plus-street fragment or name-plus-type."""
    written = draw(st.sampled_from([name, name.upper(), name.lower()]))
    shown_kind = draw(st.sampled_from(STREET_TYPES[kind]))
    return draw(st.sampled_from([f"{number} {written}", f"{written} {shown_kind}", f"{number} {written} {shown_kind}"]))


@st.composite
def disguised_postcode(draw, postcode):
    """A UK postcode ("LS6 2AB") however spaced, cased or with look-alike digits."""
    compact = postcode.replace(" ", "")
    out = []
    for ch in draw(st.sampled_from([compact, compact.lower()])):
        if ch in DIGIT_DISGUISE and draw(st.integers(0, 2)) == 0:
            ch = draw(st.sampled_from(DIGIT_DISGUISE[ch]))
        out.append(ch)
        if draw(st.integers(0, 3)) == 0:
            out.append(draw(st.sampled_from([" ", "\u200b", " - "])))
    return "".join(out).strip()
