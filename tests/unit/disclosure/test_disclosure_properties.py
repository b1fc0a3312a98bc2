"""The disclosure guard on generated identities, disguised by every kind at once (Hypothesis).

Names are drawn from the letters of the scheme's five languages (with ł ø đ ı æ ß and
Cyrillic), phone numbers and e-mail addresses at random; each value is then disguised by a
random mix of the kinds the guard must see through — case, transliteration to ASCII,
Unicode confusables from the same table the guard uses, invisible characters, possessives,
digit look-alikes, fullwidth digits and any spacing or line breaks inside numbers, spelled-
out @ and dots, plus-tags — and set in a sentence. The guard must block it, with at least one
hit covering the disguised value, and every hit must lie inside it: a span that maps to the
original text, never into the words around it.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii
from confusable_homoglyphs.confusables import confusables_data
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ugly_mugs import disclosure
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


def _homoglyph(ch: str) -> list[str]:
    """Single characters the confusables table gives as looking like ``ch``."""
    found = []
    for entry in confusables_data.get(ch, ()):
        glyph = entry["c"].strip("\u200e\u200f")
        if len(glyph) == 1 and unicodedata.category(glyph)[0] in "LN" and not glyph.isascii():
            found.append(glyph)
    return found


@st.composite
def names(draw):
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
        glyphs = _homoglyph(ch)
        if glyphs and draw(st.integers(0, 3)) == 0:
            ch = draw(st.sampled_from(glyphs))
        out.append(ch)
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(INVISIBLE)))
    text = "".join(out).rstrip("".join(INVISIBLE))
    return text + draw(st.sampled_from(["", "'s", "’s", "s"]))


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


def _assert_caught(sentence: str, value: str, profile, kinds: set[str]):
    start = sentence.index(value)
    end = start + len(value)
    hits = disclosure.check(sentence, profile)
    assert any(h.start <= start + 1 and h.end >= end - 3 and h.kind in kinds for h in hits), (sentence, hits)
    for hit in hits:
        assert start <= hit.start < hit.end <= end, (sentence, hit)
        assert sentence[hit.start : hit.end].strip(), hit
        assert normalise.fold(sentence[hit.start : hit.end]).text.strip(), hit


def _sentence(value: str) -> str:
    return f"{FILLER[0]}: {FILLER[1]} {FILLER[2]} {FILLER[3]} {value} {FILLER[4]} {FILLER[5]}."


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.data(), first=names(), last=names())
def test_generated_names_are_found_however_disguised(data, first, last):
    profile = disclosure.build([{"name": f"{first} {last}"}], [], [{"name_used": "Gaz"}])
    target = data.draw(st.sampled_from([first, last]))
    value = data.draw(disguised_name(target))
    _assert_caught(_sentence(value), value, profile, {"name"})


@SETTINGS
@given(data=st.data(), number=st.integers(0, 999_999))
def test_generated_phone_numbers_are_found_however_written(data, number):
    assume(number != 1)  # his number below
    digits = f"7700{number:06d}"
    profile = disclosure.build([{"contact": f"0{digits}"}], [], [{"phone_numbers": ["07700 000001"]}])
    value = data.draw(disguised_phone(digits))
    _assert_caught(_sentence(value), value, profile, {"phone"})
    assert disclosure.check(_sentence("+44 7700 000001"), profile) == []


@SETTINGS
@given(
    data=st.data(),
    local=st.from_regex(r"[a-z]{3,8}\.[a-z]{2,8}", fullmatch=True),
    domain=st.sampled_from(["example.org", "poczta.pl", "abv.bg", "gmail.com"]),
)
def test_generated_email_addresses_are_found_however_spelled(data, local, domain):
    assume(not any(part in FILLER for part in local.split(".")))
    profile = disclosure.build([{"contact": f"{local}@{domain}"}], [], [{"emails": ["gaz.lad@example.net"]}])
    value = data.draw(disguised_email(local, domain))
    _assert_caught(_sentence(value), value, profile, {"email", "handle"})
