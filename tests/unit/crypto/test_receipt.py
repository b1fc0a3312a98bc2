"""Receipt codes and what is derived from them (ugly_mugs.crypto.receipt).

Proves: a code is 20 symbols of a 32-symbol alphabet in 5 groups of 4 (100 bits of
entropy) and the generator uses the whole alphabet; reading a code back is
case-insensitive, ignores spaces and dashes of every kind (non-breaking, zero-width, en and
em dashes, minus signs), reads fullwidth forms and Cyrillic and Greek look-alike letters as the
code's own, and maps the look-alikes O, I and L;
anything of the wrong length or with foreign symbols raises InvalidReceiptCode; the
receipt key and the lookup id are stable, differ from each other and from code to code;
many generated codes are all distinct.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.crypto import receipt
from ugly_mugs.crypto.receipt import InvalidReceiptCode

SYMBOL = f"[{re.escape(receipt.ALPHABET)}]"
CODE_SHAPE = re.compile(rf"{SYMBOL}{{4}}(-{SYMBOL}{{4}}){{4}}")
codes = st.text(alphabet=receipt.ALPHABET, min_size=20, max_size=20)


def test_alphabet_is_crockford_base32():
    assert receipt.ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(receipt.ALPHABET)) == len(receipt.ALPHABET) == 32
    # No look-alike letters in the alphabet itself.
    assert not set("ILOU") & set(receipt.ALPHABET)


def test_new_code_shape_and_entropy():
    code = receipt.new_code()
    assert CODE_SHAPE.fullmatch(code), code
    groups = code.split("-")
    assert len(groups) == 5 and all(len(g) == 4 for g in groups)
    symbols = code.replace("-", "")
    assert len(symbols) == receipt.SYMBOLS == 20
    assert len(symbols) * math.log2(len(set(receipt.ALPHABET))) >= 100


def test_generator_uses_every_symbol():
    # 4,000 draws: the chance that a fair generator misses one of 32 symbols is below 1e-50.
    seen = set("".join(receipt.new_code().replace("-", "") for _ in range(200)))
    assert seen == set(receipt.ALPHABET)


def test_many_codes_are_distinct():
    generated = [receipt.new_code() for _ in range(20_000)]
    assert len(set(generated)) == len(generated)
    assert len({receipt.lookup_id(c) for c in generated[:2000]}) == 2000


def test_normalise_a_formatted_code():
    code = receipt.new_code()
    assert receipt.normalise(code) == code.replace("-", "")
    assert receipt.format_code(receipt.normalise(code)) == code


@settings(max_examples=200)
@given(raw=codes, data=st.data())
def test_normalise_tolerates_case_spaces_and_dashes(raw, data):
    typed = ""
    for ch in raw:
        typed += ch.lower() if data.draw(st.booleans()) else ch
        typed += data.draw(st.sampled_from(["", "", " ", "-", "  ", " - ", "\t"]))
    assert receipt.normalise(typed) == raw
    assert receipt.receipt_key(typed) == receipt.receipt_key(raw)
    assert receipt.lookup_id(typed) == receipt.lookup_id(raw)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("O", "0"),
        ("o", "0"),
        ("I", "1"),
        ("i", "1"),
        ("L", "1"),
        ("l", "1"),
    ],
)
def test_look_alikes(typed, meant):
    code = "ABCD-EFGH-JKMN-PQRS-TVW" + meant
    assert receipt.normalise(code[:-1] + typed) == receipt.normalise(code)
    assert receipt.receipt_key(code[:-1] + typed) == receipt.receipt_key(code)


# How a code arrives typed on other keyboards, pasted from a document or read out.
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe58", "\uff0d", "\u00ad"]
SPACES = [" ", "\u00a0", "\u2007", "\u202f", "\u2009", "\u3000", "\u200b", "\u2060", "\ufeff", "\t", "\n"]
# Letters of the code and their look-alikes on a Bulgarian (Cyrillic) or Greek keyboard.
LOOK_ALIKES = {
    "A": "АаΑ",
    "B": "ВΒ",
    "C": "Сс",
    "E": "ЕеΕ",
    "H": "НΗ",
    "K": "КΚ",
    "M": "МΜ",
    "N": "Ν",
    "P": "РрΡ",
    "T": "ТΤ",
    "X": "ХхΧ",
    "Y": "УΥ",
    "Z": "Ζ",
    "3": "З",
    "0": "ОоΟ",
}


@pytest.mark.parametrize(
    "typed",
    [
        "7K3P–9QXM–4H2T–8WCV–6RDA",
        "7K3P—9QXM—4H2T—8WCV—6RDA",
        "7K3P\u00a09QXM\u00a04H2T\u00a08WCV\u00a06RDA",
        "7К3Р-9QХМ-4Н2Т-8WСV-6RDА",
        "７Ｋ３Ｐ－９ＱＸＭ－４Ｈ２Ｔ－８ＷＣＶ－６ＲＤＡ",
        "7k3p 9qxm 4h2t 8wcv 6rdа",
        "7Κ3Ρ−9QΧΜ−4Η2Τ−8WСV−6RDΑ",
        "\ufeff7K3P-9QXM-4H2T-8WCV-6RDA\u200b",
    ],
)
def test_codes_as_people_type_them(typed):
    assert receipt.normalise(typed) == "7K3P9QXM4H2T8WCV6RDA"
    assert receipt.lookup_id(typed) == receipt.lookup_id("7K3P-9QXM-4H2T-8WCV-6RDA")


@settings(max_examples=300)
@given(raw=codes, data=st.data())
def test_any_code_typed_with_any_dash_space_or_look_alike(raw, data):
    typed = ""
    for ch in raw:
        if ch in LOOK_ALIKES and data.draw(st.booleans()):
            ch = data.draw(st.sampled_from(LOOK_ALIKES[ch]))
        typed += ch.lower() if data.draw(st.booleans()) else ch
        typed += data.draw(st.sampled_from(["", "", *DASHES, *SPACES]))
    assert receipt.normalise(typed) == raw
    assert receipt.lookup_id(typed) == receipt.lookup_id(raw)


def test_spaces_instead_of_dashes_and_lower_case():
    assert receipt.normalise(" abcd efgh jkmn pqrs tvwx ") == "ABCDEFGHJKMNPQRSTVWX"
    assert receipt.normalise("abcdefghjkmnpqrstvwx") == "ABCDEFGHJKMNPQRSTVWX"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   -  - ",
        "ABCD-EFGH-JKMN-PQRS-TVW",  # 19 symbols
        "ABCD-EFGH-JKMN-PQRS-TVWXY",  # 21 symbols
        "ABCD-EFGH-JKMN-PQRS",
        "ABCD-EFGH-JKMN-PQRS-TVWXABCD-EFGH-JKMN-PQRS-TVWX",
        "ABCD-EFGH-JKMN-PQRS-TVW!",
        "ABCD-EFGH-JKMN-PQRS-TVW*",
        "ABCD_EFGH_JKMN_PQRS_TVWX",
        "ABCD.EFGH.JKMN.PQRS.TVWX",
        "ABCD-EFGH-JKMN-PQRS-TVWÉ",
        "ABCD-EFGH-JKMN-PQRS-TVW\x00",
        "ABCD-EFGH-JKMN-PQRS-TVWД",  # Cyrillic Д looks like no symbol of the code
        "ABCD-EFGH-JKMN-PQRS-TVWX" * 10,  # far longer than any typed code
        "ABCD-EFGH-JKMN-PQRS-TVW٣",  # Arabic-Indic digit three
    ],
)
def test_wrong_lengths_and_symbols_are_refused(text):
    with pytest.raises(InvalidReceiptCode):
        receipt.normalise(text)
    with pytest.raises(InvalidReceiptCode):
        receipt.receipt_key(text)
    with pytest.raises(InvalidReceiptCode):
        receipt.lookup_id(text)


@settings(max_examples=500)
@given(text=st.text(max_size=60))
def test_any_text_is_a_code_or_invalid_receipt_code(text):
    try:
        normalised = receipt.normalise(text)
    except InvalidReceiptCode:
        return
    assert len(normalised) == 20
    assert set(normalised) <= set(receipt.ALPHABET)


def test_receipt_key_and_lookup_id_are_stable_and_different():
    code = receipt.new_code()
    key = receipt.receipt_key(code)
    lookup = receipt.lookup_id(code)
    assert receipt.receipt_key(code) == key
    assert receipt.lookup_id(code) == lookup
    assert len(key) == 32
    assert re.fullmatch("[0-9a-f]{64}", lookup)
    assert bytes.fromhex(lookup) != key
    assert key.hex() != lookup
    # Neither contains the code in any form.
    assert code.replace("-", "") not in lookup.upper()
    assert code.replace("-", "").encode() not in key


def test_known_answer_keeps_derivation_stable_across_releases():
    # Stored lookup ids and sealed keys depend on this derivation: changing it would orphan every report.
    code = "ABCD-EFGH-JKMN-PQRS-TVWX"
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ugly-mugs receipt v1", info=info).derive(
            b"ABCDEFGHJKMNPQRSTVWX"
        )

    assert receipt.receipt_key(code) == hkdf(b"receipt key")
    assert receipt.lookup_id(code) == hkdf(b"lookup id").hex()


def test_different_codes_give_different_keys_and_ids():
    a, b = receipt.new_code(), receipt.new_code()
    assert receipt.receipt_key(a) != receipt.receipt_key(b)
    assert receipt.lookup_id(a) != receipt.lookup_id(b)
    # One symbol apart is still unrelated.
    c = "ABCD-EFGH-JKMN-PQRS-TVWX"
    d = "ABCD-EFGH-JKMN-PQRS-TVWY"
    assert receipt.receipt_key(c) != receipt.receipt_key(d)
    assert receipt.lookup_id(c) != receipt.lookup_id(d)
