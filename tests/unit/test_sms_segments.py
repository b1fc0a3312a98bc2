"""GSM-7 or UCS-2, and segments: each language the scheme writes in, every boundary, any text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.delivery.sms import segments
from alerts.delivery.sms.segments import GSM7, UCS2

EXTENSION = "€[]{}~^|\\\x0c"

# (text, alphabet, units, segments): one row per language and per kind of character.
CASES = [
    ("Warning: man in a silver Ford, reg AB12 CDE. Call 07700 900123.", GSM7, 63, 1),
    ("Uwaga: biały opel, nie wsiadaj", UCS2, 30, 1),  # Polish ł
    ("Zażółć gęślą jaźń", UCS2, 17, 1),
    ("Atenție: bărbat periculos în mașină", UCS2, 35, 1),  # Romanian ț ș (comma below)
    ("Atenţie: maşină", UCS2, 15, 1),  # the cedilla forms ţ ş, still not GSM
    ("Внимание: опасен клиент, не се качвай", UCS2, 37, 1),  # Bulgarian
    ("Atenção: homem perigoso, não entre", UCS2, 34, 1),  # Portuguese ç ã
    ("Você está em perigo", UCS2, 19, 1),  # ê is not GSM
    ("Café à Paris, très élégant", GSM7, 26, 1),  # é à è are GSM
    ("Ça va, Ñoño, Ü Ö Ä ß", GSM7, 20, 1),  # capital Ç and these Latin letters are GSM
    ("ça va", UCS2, 5, 1),  # small ç is not (23.038 has the capital only)
    ("Price 50€", GSM7, 10, 1),  # € is an escape: two septets
    ("[a] {b} ~c^ |d\\", GSM7, 23, 1),  # 15 characters, 8 of them escapes
    ("Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ", GSM7, 19, 1),  # the Greek capitals of the basic table
    ("line\nbreak\r", GSM7, 11, 1),
    ("emoji 🚗", UCS2, 8, 1),  # outside the BMP: a surrogate pair, two units
    ("escape \x1b", UCS2, 8, 1),  # the bare escape code is no character to send
    ("", GSM7, 0, 1),
]


@pytest.mark.parametrize(("text", "encoding", "units", "count"), CASES, ids=[c[0][:24] for c in CASES])
def test_alphabet_units_and_segments(text, encoding, units, count):
    assert segments.encoding_for(text) is encoding
    cut = segments.split(text)
    assert (cut.encoding, cut.units, cut.segments) == (encoding, units, count)
    assert "".join(cut.parts) == text


@pytest.mark.parametrize("char", list(EXTENSION))
def test_extension_characters_count_twice(char):
    assert segments.gsm_units(char) == 2
    assert segments.units("a" + char) == 3


# Boundaries: the last text of one segment count and the first of the next, per alphabet.
BOUNDARIES = [
    ("A" * 160, 1),
    ("A" * 161, 2),
    ("A" * 306, 2),
    ("A" * 307, 3),
    ("€" * 80, 1),  # 160 septets
    ("€" * 81, 2),
    ("A" * 159 + "€", 2),  # 161 septets
    ("A" * 158 + "€", 1),
    ("ł" * 70, 1),
    ("ł" * 71, 2),
    ("ł" * 134, 2),
    ("ł" * 135, 3),
    ("ł" * 68 + "🚗", 1),  # 70 units
    ("ł" * 69 + "🚗", 2),
]


@pytest.mark.parametrize(("text", "count"), BOUNDARIES, ids=[f"{len(t)}x{t[-1]}" for t, _ in BOUNDARIES])
def test_segment_boundaries(text, count):
    assert segments.count(text) == count


def test_an_escape_pair_is_never_split_across_segments():
    # 152 septets, then € (2): 154 do not fit 153, so € opens the second segment (Kannel does the same).
    cut = segments.split("A" * 152 + "€" + "B" * 10)
    assert cut.parts == ("A" * 152, "€" + "B" * 10)


def test_a_surrogate_pair_is_never_split_across_segments():
    cut = segments.split("ł" * 66 + "🚗" + "x" * 10)
    assert cut.parts == ("ł" * 66, "🚗" + "x" * 10)


def test_gsm7_refuses_what_it_cannot_carry():
    with pytest.raises(ValueError, match="GSM-7"):
        segments.split("łódź", GSM7)
    with pytest.raises(ValueError, match="GSM-7"):
        segments.units("łódź", GSM7)


def test_any_text_can_go_as_ucs2():
    assert segments.split("abc", UCS2).segments == 1
    assert segments.split("abc", UCS2).encoding is UCS2


GSM_CHARACTERS = "AB12 CDE 07700 900123 -.,:!?abcxyzé\n" + EXTENSION
OTHER_CHARACTERS = "ąćęłńóśźżŁŚŻăâîșțȘȚабвгджзийклмнопрстуфхцчшщъьюяãõçêô🚗📞"
TEXTS = st.one_of(
    st.text(alphabet=GSM_CHARACTERS, max_size=400),
    st.text(alphabet=GSM_CHARACTERS + OTHER_CHARACTERS, max_size=250),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_segments_rebuild_the_text_and_respect_their_size(text):
    cut = segments.split(text)
    assert "".join(cut.parts) == text
    limit = cut.encoding.single if cut.segments == 1 else cut.encoding.per_segment
    assert all(segments.units(p, cut.encoding) <= limit for p in cut.parts)
    # No segment could have taken the next character: the cut is as late as it can be.
    for part, following in zip(cut.parts, cut.parts[1:], strict=False):
        assert segments.units(part + following[0], cut.encoding) > cut.encoding.per_segment
    # GSM-7 exactly when the codec can encode the text.
    assert (cut.encoding is GSM7) == segments.is_gsm7(text)
