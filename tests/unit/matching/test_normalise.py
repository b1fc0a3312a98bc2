"""Normalising identifiers (ugly_mugs.matching.normalise).

Proves: the many ways people write one UK or foreign phone number give one E.164 value, and
different numbers never collide; national spellings follow the configured region; numbers that
no numbering plan knows fall back to a separate ``digits:`` form instead of being lost; plates
in any case, spacing or punctuation are one plate, partial plates (wildcards, too short) are
marked partial and indexed only by their known fragments; emails and usernames ignore case,
surrounding space, ``mailto:`` and a leading @; bad input of any type or length never raises.
"""

from __future__ import annotations

import pytest

from ugly_mugs.matching import normalise
from ugly_mugs.matching.normalise import Identifier

UK_MOBILE = [
    "07700 900123",
    "07700900123",
    "07700-900-123",
    "07700 900 123",
    "(07700) 900123",
    "+44 7700 900123",
    "+447700900123",
    "+44 (0) 7700 900123",
    "+44(0)7700-900-123",
    "0044 7700 900123",
    "00447700900123",
    "447700900123",
    "7700 900123",
    " 07700.900.123 ",
    "tel:+44-7700-900123",
    "０７７００ ９００１２３",  # full-width digits from some phone keyboards
    "07700 900123 (mob)",
]
UK_LANDLINE = ["0113 496 0000", "(0113) 4960000", "+44 113 496 0000", "0044-113-496-0000", "01134960000"]
ROMANIAN = ["+40 721 234 567", "0040721234567", "+40-721-234-567", "+40 (721) 234 567"]


@pytest.mark.parametrize("spelling", UK_MOBILE)
def test_uk_mobile_spellings_are_one_number(spelling):
    assert normalise.phone(spelling) == Identifier("phone", "+447700900123")


@pytest.mark.parametrize("spelling", UK_LANDLINE)
def test_uk_landline_spellings_are_one_number(spelling):
    assert normalise.phone(spelling) == Identifier("phone", "+441134960000")


@pytest.mark.parametrize("spelling", ROMANIAN)
def test_international_numbers_whatever_the_region(spelling):
    assert normalise.phone(spelling, "GB") == Identifier("phone", "+40721234567")
    assert normalise.phone(spelling, "RO") == Identifier("phone", "+40721234567")


def test_the_region_decides_national_spellings():
    assert normalise.phone("0721 234 567", "RO") == Identifier("phone", "+40721234567")
    assert normalise.phone("0721 234 567", "GB") != Identifier("phone", "+40721234567")
    assert normalise.phone("0612 345 678", "NL") == Identifier("phone", "+31612345678")


def test_different_numbers_differ():
    values = {normalise.phone(n) for n in ("07700 900123", "07700 900124", "07700 900132", "07800 900123")}
    assert len(values) == 4


def test_unknown_numbering_falls_back_to_digits_only():
    odd = normalise.phone("+999 123 456 789")
    assert odd == Identifier("phone", "digits:999123456789")
    assert normalise.phone("00999 123-456-789") == odd == normalise.phone("+999.123.456.789")
    # The fallback can never equal a real E.164 number.
    assert not odd.value.startswith("+")


@pytest.mark.parametrize("junk", ["", "   ", "no number", "123", "12 34", "+", None, 42, ["0770"], "9" * 500])
def test_unusable_numbers_are_skipped_without_error(junk):
    item = normalise.phone(junk)
    assert item is None or item.value.startswith(("+", "digits:"))


PLATE = ["AB12 CDE", "ab12cde", "AB12-CDE", " ab 12 c d e ", "AB12.CDE", "ab12 cde.", "AB 12 CDE", "ＡＢ１２ ＣＤＥ"]


@pytest.mark.parametrize("spelling", PLATE)
def test_plate_spellings_are_one_plate(spelling):
    assert normalise.vehicle(spelling) == Identifier("vehicle", "AB12CDE", False)


def test_cyrillic_lookalike_letters_on_bulgarian_plates():
    assert normalise.vehicle("СА 1234 ВН") == normalise.vehicle("CA1234BH")


@pytest.mark.parametrize(
    "spelling,value",
    [
        ("AB12 C??", "AB12C??"),
        ("AB12*", "AB12?"),
        ("AB12 C_E", "AB12C?E"),
        ("*CDE", "?CDE"),
        ("AB1", "AB1"),
        ("AB12...", "AB12?"),
        ("AB12…", "AB12?"),
    ],
)
def test_partial_plates_stay_partial(spelling, value):
    assert normalise.vehicle(spelling) == Identifier("vehicle", value, True)


def test_full_plate_fragments():
    full = normalise.vehicle("AB12 CDE")
    assert normalise.vehicle_fragments(full) == [
        Identifier("vehicle_part", "prefix:AB12", False),
        Identifier("vehicle_part", "suffix:CDE", False),
    ]


def test_partial_plate_fragments():
    assert normalise.vehicle_fragments(normalise.vehicle("AB12 C??")) == [
        Identifier("vehicle_part", "prefix:AB12", True)
    ]
    assert normalise.vehicle_fragments(normalise.vehicle("?? CDE")) == [Identifier("vehicle_part", "suffix:CDE", True)]
    assert normalise.vehicle_fragments(normalise.vehicle("A?")) == []


def test_partial_plates_are_never_indexed_whole():
    entries = normalise.index_entries([normalise.vehicle("AB12 C??")])
    assert all(e.kind == "vehicle_part" for e in entries)


@pytest.mark.parametrize("junk", ["", "  ", "???", "-- --", None, 7, "!" * 1000])
def test_unusable_plates_are_skipped(junk):
    assert normalise.vehicle(junk) is None


EMAILS = [
    "Punter@Example.com",
    "punter@example.com",
    " PUNTER@EXAMPLE.COM ",
    "mailto:punter@example.com",
    "<punter@example.com>",
    "Mailto:Punter@Example.Com",
]


@pytest.mark.parametrize("spelling", EMAILS)
def test_email_spellings_are_one_address(spelling):
    assert normalise.email(spelling) == Identifier("email", "punter@example.com")


@pytest.mark.parametrize("junk", ["", "punter", "punter@", "@example.com", "a@b@c.com", "a b@c.com", None])
def test_not_an_email_is_skipped(junk):
    assert normalise.email(junk) is None


USERNAMES = ["@BigDave69", "bigdave69", "BIGDAVE69", "  @bigdave69 ", "@@BigDave69", "ＢｉｇＤａｖｅ６９"]


@pytest.mark.parametrize("spelling", USERNAMES)
def test_username_spellings_are_one_handle(spelling):
    assert normalise.username(spelling) == Identifier("username", "bigdave69")


def test_usernames_fold_case_fully_and_squash_spaces():
    assert normalise.username("STRAßE  Mann") == normalise.username("strasse mann")
    assert normalise.username("big dave") != normalise.username("bigdave")


def test_from_perpetrator_reads_every_list_and_the_plate():
    section = {
        "phone_numbers": ["07700 900123", "+44 7700 900123", "rubbish"],
        "emails": ["A@B.com"],
        "usernames": ["@Dave"],
        "vehicle": {"registration": "ab12 cde", "make": "Ford"},
        "name_used": "07700 900999",  # free text fields other than the lists are not read
    }
    assert normalise.from_perpetrator(section) == sorted(
        {
            Identifier("phone", "+447700900123"),
            Identifier("email", "a@b.com"),
            Identifier("username", "dave"),
            Identifier("vehicle", "AB12CDE"),
        }
    )


def test_from_perpetrator_reads_added_free_text():
    found = normalise.from_perpetrator({"more": "New number 07700 900 456, email x@y.org, reg: AB12 CDE"})
    assert Identifier("phone", "+447700900456") in found
    assert Identifier("email", "x@y.org") in found
    assert Identifier("vehicle", "AB12CDE") in found


@pytest.mark.parametrize(
    "text,plate",
    [
        ("reg: AB12 CDE and he drove off", "AB12CDE"),
        ("Plate AB12CDE.", "AB12CDE"),
        ("number plate BA 1234 KH, silver", "BA1234KH"),
        ("registration ab12 cde", "AB12"),  # lower case after the first group: kept as partial only
        ("reg AB12 C?? not sure", "AB12C??"),
    ],
)
def test_plates_in_added_free_text(text, plate):
    found = [i for i in normalise.from_perpetrator({"more": text}) if i.kind == "vehicle"]
    assert [i.value for i in found] == [plate]


@pytest.mark.parametrize("section", [None, "text", 5, [], {"phone_numbers": 5}, {"vehicle": "AB12CDE"}, {"more": None}])
def test_from_perpetrator_tolerates_any_shape(section):
    assert isinstance(normalise.from_perpetrator(section), list)


def test_for_check_guesses_the_kind():
    assert normalise.for_check("07700 900123", None) == [Identifier("phone", "+447700900123")]
    assert normalise.for_check("Dave@Example.com", None) == [Identifier("email", "dave@example.com")]
    assert normalise.for_check("@dave", None) == [Identifier("username", "dave")]
    assert normalise.for_check("AB12 CDE", None) == [
        Identifier("vehicle", "AB12CDE"),
        Identifier("username", "ab12 cde"),
    ]
    assert normalise.for_check("AB12 C??", "vehicle") == []  # partial plates are not checked
