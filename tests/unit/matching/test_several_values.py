"""Several identifiers written in one field (``normalise.split`` and ``normalise.values``).

Proves, table-driven from how people write them and as properties over any numbers, plates and
addresses joined by any separator people use (``/``, ``,``, ``;``, ``|``, a new line, "or" in
each of the five languages): every value is found and normalised on its own, and nothing else;
one value written with a slash inside it (a Romanian "0721/123 456", an advert's
"site.com/name") stays one; a username is split at a slash only between spaces.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ugly_mugs.matching import normalise
from ugly_mugs.reports.fields import EMAIL, PHONE, USERNAME, VEHICLE

SEPARATORS = [" / ", "/", ", ", ",", "; ", " | ", "\n", " or ", " OR ", " sau ", " ou ", " lub ", " albo ", " или "]

CASES = [
    ("07700 900111 / 07700 900222", PHONE, ["+447700900111", "+447700900222"]),
    ("07700 900111, 07700 900222 or +44 7700 900333", PHONE, ["+447700900111", "+447700900222", "+447700900333"]),
    ("07700 900111 / mob", PHONE, ["+447700900111"]),
    ("07700 900111", PHONE, ["+447700900111"]),
    ("0721/123 456", PHONE, ["+44721123456"]),
    ("AB12 CDE / XY34 ZZZ", VEHICLE, ["AB12CDE", "XY34ZZZ"]),
    ("AB12 CDE or similar", VEHICLE, ["AB12CDE"]),
    ("ab12cde; СА 1234 ВР", VEHICLE, ["AB12CDE", "CA1234BP"]),
    ("Ford", VEHICLE, ["FORD"]),
    ("AB12 SAU / XY34 OUL", VEHICLE, ["AB12SAU", "XY34OUL"]),
    ("dave@example.com, d.smith@example.org", EMAIL, ["d.smith@example.org", "dave@example.com"]),
    ("dave@example.com d.smith@example.org", EMAIL, ["d.smith@example.org", "dave@example.com"]),
    ("dave@example.com / his work", EMAIL, ["dave@example.com"]),
    ("site.com/bob", USERNAME, ["site.com/bob"]),
    ("@bob / @alice", USERNAME, ["alice", "bob"]),
    ("bob, or alice", USERNAME, ["alice", "bob"]),
    ("Oriel", USERNAME, ["oriel"]),
    ("big dave", USERNAME, ["big dave"]),
]


@pytest.mark.parametrize(("raw", "kind", "expected"), CASES)
def test_values_people_write(raw, kind, expected):
    assert sorted(item.value for item in normalise.values(raw, kind)) == sorted(expected)


def test_a_perpetrator_section_indexes_every_value_of_every_field():
    section = {
        "phone_numbers": ["07700 900111 / 07700 900222", "07700 900333"],
        "vehicle": {"registration": "AB12 CDE or XY34 ZZZ"},
        "emails": ["a@example.com; b@example.com"],
        "usernames": ["bob | alice"],
    }
    found = {(item.kind, item.value) for item in normalise.from_perpetrator(section)}
    assert {
        (PHONE, "+447700900111"),
        (PHONE, "+447700900222"),
        (PHONE, "+447700900333"),
        (VEHICLE, "AB12CDE"),
        (VEHICLE, "XY34ZZZ"),
        (EMAIL, "a@example.com"),
        (EMAIL, "b@example.com"),
        (USERNAME, "bob"),
        (USERNAME, "alice"),
    } == found


mobiles = st.integers(900000, 900999).map(lambda n: f"07700 {n}")
plates = st.from_regex(r"[A-HJ-NP-Z]{2}[0-9]{2} [A-HJ-NP-Z]{3}", fullmatch=True)
addresses = st.from_regex(r"[a-z]{1,8}@[a-z]{2,8}\.(org|com)", fullmatch=True)


@given(st.lists(mobiles, min_size=1, max_size=4, unique=True), st.lists(st.sampled_from(SEPARATORS), min_size=3))
def test_any_numbers_joined_any_way(numbers, separators):
    raw = numbers[0] + "".join(sep + n for sep, n in zip(separators, numbers[1:], strict=False))
    found = {item.value for item in normalise.values(raw, PHONE)}
    assert found == {"+44" + n.replace(" ", "")[1:] for n in numbers}


@given(st.lists(plates, min_size=1, max_size=4, unique=True), st.lists(st.sampled_from(SEPARATORS), min_size=3))
def test_any_plates_joined_any_way(found_plates, separators):
    raw = found_plates[0] + "".join(sep + p for sep, p in zip(separators, found_plates[1:], strict=False))
    assert {item.value for item in normalise.values(raw, VEHICLE)} == {p.replace(" ", "") for p in found_plates}


@given(st.lists(addresses, min_size=1, max_size=4, unique=True), st.lists(st.sampled_from(SEPARATORS), min_size=3))
def test_any_addresses_joined_any_way(found_addresses, separators):
    raw = found_addresses[0] + "".join(sep + a for sep, a in zip(separators, found_addresses[1:], strict=False))
    assert {item.value for item in normalise.values(raw, EMAIL)} == set(found_addresses)


@given(st.text(max_size=300), st.sampled_from([PHONE, VEHICLE, EMAIL, USERNAME]))
def test_any_text_never_raises(raw, kind):
    for item in normalise.values(raw, kind):
        assert item.kind == kind and item.value
