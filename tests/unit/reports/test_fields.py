"""The field declaration (ugly_mugs/reports/fields.py) is consistent, and what it promises about
the reporter holds by construction: nothing that identifies her is prefilled into an alert except
coarsened, identifiers are only his, and her own words are only in what happened.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.authoring import compose
from ugly_mugs.reports import fields, sections
from ugly_mugs.reports.fields import IDENTITY, INCIDENT, PERPETRATOR

KINDS = {
    fields.DATE,
    fields.SELECT,
    fields.RADIO,
    fields.CHECKBOXES,
    fields.SHORT_TEXT,
    fields.LONG_TEXT,
    fields.LIST,
}
PLACES = {
    fields.TITLE,
    fields.DESCRIPTION,
    fields.LINE,
    fields.VEHICLE_LINE,
    fields.PART_OF_DAY,
    fields.WEEK,
    fields.AREA,
}
EVERY = fields.all_fields()


def test_names_are_unique_and_every_field_is_well_formed():
    names = [f.name for f in EVERY]
    assert not [n for n, c in Counter(names).items() if c > 1]
    for f in EVERY:
        assert f.kind in KINDS, f.name
        assert f.section in (*sections.SECTION_NAMES, None), f.name
        assert f.section or f.column, f"{f.name} is kept nowhere"
        assert bool(f.choices or f.choices_from) == (f.kind in (fields.SELECT, fields.RADIO, fields.CHECKBOXES)), f.name
        assert f.choices_from in ("", fields.AREAS, fields.CATEGORIES), f.name
        assert set(f.required_unless) <= set(names), f.name
        assert f.prefill is None or f.prefill.place in PLACES, f.name
        assert (f.max_length is not None) == (f.kind in fields.TEXT_KINDS), f.name


def test_every_report_field_is_in_a_group_and_each_place_is_kept_once():
    groups = {g.name for g in fields.GROUPS}
    assert all(f.group in groups for f in fields.REPORT_FIELDS)
    assert [f for _, members in fields.grouped() for f in members] == list(fields.REPORT_FIELDS)
    places = Counter((f.section, f.key) for f in fields.REPORT_FIELDS if f.section)
    assert not [p for p, c in places.items() if c > 1]


def test_identity_is_never_prefilled_except_coarsened():
    for f in fields.stored():
        if f.section == IDENTITY:
            assert f.prefill is None or f.prefill.place == fields.WEEK, f.name
    assert fields.by_name("where_taken").prefill is None
    # Where he took her locates her (often her home): identity-level, whatever group asks it (P2).
    assert fields.by_name("where_taken").section == IDENTITY


def test_her_own_words_are_never_prefilled_and_are_shown_beside_the_draft():
    words = {f.name for f in fields.her_words()}
    assert {"what_happened", "where_met", "more_perpetrator"} <= words
    assert all(f.prefill is None and f.section in (INCIDENT, PERPETRATOR) for f in fields.her_words())
    # Composing reads only the incident and perpetrator sections; the area and week come from the row.
    assert {f.section for f in fields.stored() if f.prefill and f.prefill.place not in (fields.WEEK, fields.AREA)} <= {
        INCIDENT,
        PERPETRATOR,
    }


def test_identifiers_are_his_and_free_text_is_hers():
    assert {f.section for f in EVERY if f.identifier} == {PERPETRATOR}
    assert {f.identifier for f in fields.identifier_fields()} == {
        fields.PHONE,
        fields.EMAIL,
        fields.USERNAME,
        fields.VEHICLE,
        fields.IN_TEXT,
    }
    assert fields.free_text_keys(INCIDENT) == {"what_happened"}
    assert fields.free_text_keys(PERPETRATOR) == frozenset()


def test_an_addition_at_a_report_fields_key_reads_as_that_field():
    stored = {(f.section, f.key): f.name for f in fields.stored()}
    assert stored[(INCIDENT, "what_happened")] == "what_happened"
    assert stored[(IDENTITY, "contact")] == "contact"
    assert stored[(PERPETRATOR, "more")] == "more_perpetrator"


def test_the_composers_parts_of_day_are_the_declared_ones():
    assert list(compose.PARTS_OF_DAY) == [v for v, _ in fields.by_name("part_of_day").choices]


@pytest.mark.parametrize(
    ("section", "path", "label"),
    [
        (PERPETRATOR, "vehicle.make", "Car make"),
        (PERPETRATOR, "phone_numbers", "His phone numbers"),
        (PERPETRATOR, "more", "More about him"),
        (IDENTITY, "date", "Date it happened"),
        (IDENTITY, "contact", "How can we contact you safely?"),
        (IDENTITY, "contact_via_project", "How they prefer to be contacted through the project"),
        (IDENTITY, "consent_attested_by", "consent_attested_by"),
        (INCIDENT, "vehicle.make", "vehicle.make"),
    ],
)
def test_label_for_a_stored_path(section, path, label):
    assert fields.label_for(section, path) == label


keys = st.lists(st.sampled_from(["a", "b", "vehicle", "make"]), min_size=1, max_size=3).map(".".join)


@given(key=keys, value=st.text(max_size=5))
def test_put_then_value_at(key, value):
    content: dict = {}
    fields.put(content, key, value)
    assert fields.value_at(content, key) == value


@pytest.mark.parametrize("content", [None, "text", 3, [], {"vehicle": "not an object"}])
def test_value_at_damaged_content_is_none(content):
    assert fields.value_at(content, "vehicle.make") is None
