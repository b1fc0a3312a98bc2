"""P2: what locates or contacts her is identity-level, whichever field she typed it into.

An officer holding the unit's private key (opened here from the recovery passphrase, as a
dishonest officer with the raw database could) decrypts every section sealed to the unit. Below
"full report" none of it holds where he took her, nor her name, phone number, e-mail, street or
postcode typed into "what happened", "where you met him", his description or a later addition:
those passages are stored withheld (``[withheld]``) and kept, as she wrote them, in the identity
section, whose key the unit holds only at "full report". Coordinators, and police at "full
report", read the report as she wrote it. Her details typed into any field are tried in turn
(Hypothesis), and so is every field of the declaration that she types into.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.app import form_token
from tests.support.reading import readable_sections, scheme_pair, unit_pair
from ugly_mugs import disclosure
from ugly_mugs.keys import keystore
from ugly_mugs.models import Report
from ugly_mugs.reports import fields, reading
from ugly_mugs.reports.sections import IDENTITY, INCIDENT, PERPETRATOR

NAME = "Roxanne Quillfeather"
PHONE = "07700 900123"
EMAIL = "roxy.q@example.org"
STREET = "14 Tannery Road"
POSTCODE = "LS6 2AB"
HIS_PHONE = "07700 900999"
HIS_PLATE = "YX11 ABC"


def file(client, **answers) -> dict:
    body = {
        "incident_date": "2026-11-20",
        "area": "holbeck",
        "consent_level": "anonymous_intel",
        "reporter_name": NAME,
        "contact": f"text {PHONE} or {EMAIL}",
        "place": f"{STREET}, {POSTCODE}",
        "phone_numbers": HIS_PHONE,
        "vehicle_registration": HIS_PLATE,
        "what_happened": "He hit me.",
        **answers,
    }
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stored(db_session, reference: str) -> Report:
    db_session.expire_all()
    return db_session.scalar(select(Report).where(Report.reference == reference))


def unit_text(db_session, passphrase, report) -> str:
    opened = readable_sections(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id), "unit")
    assert IDENTITY not in opened
    return json.dumps(opened, ensure_ascii=False)


def test_where_he_took_her_and_her_details_in_her_words_never_reach_the_unit(client, passphrase, db_session):
    filed = file(
        client,
        what_happened=f"I'm {NAME.split()[0]}, ring me on 0 7 7 0 0 9 0 0 1 2 3. He rang from {HIS_PHONE}.",
        where_met=f"the bus stop outside {STREET}",
        where_taken="my flat",
        hair=f"dark, he knows {EMAIL}",
    )
    report = stored(db_session, filed["reference"])
    seen = unit_text(db_session, passphrase, report)
    for hers in ("Roxanne", "0 7 7 0 0 9 0 0 1 2 3", "Tannery", "my flat", EMAIL):
        assert hers not in seen
    assert "[withheld]" in seen and HIS_PHONE in seen and HIS_PLATE in seen and "He rang from" in seen

    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase))
    assert opened.sections[INCIDENT][0]["what_happened"].startswith("I'm Roxanne, ring me on 0 7 7 0 0")
    assert opened.sections[PERPETRATOR][0]["where_met"] == f"the bus stop outside {STREET}"
    assert opened.sections[IDENTITY][0]["where_taken"] == "my flat"
    assert "withheld" not in opened.sections[IDENTITY][0]
    assert set(opened.withheld) == {
        (INCIDENT, 1, "what_happened"),
        (PERPETRATOR, 1, "where_met"),
        (PERPETRATOR, 1, "hair"),
    }


@pytest.mark.parametrize(
    ("account", "hers", "his"),
    [
        (
            "He followed me home to my flat on Quarry Street, LS9 8QB, then drove off down Kirkstall Road.",
            ["Quarry", "LS9 8QB"],
            "Kirkstall Road",
        ),
        ("Mieszkam na ul. Polnej 7. Uderzył mnie na ulicy Długiej.", ["Polnej"], "ulicy Długiej"),
    ],
)
def test_where_she_says_she_lives_never_reaches_the_unit(client, passphrase, db_session, account, hers, his):
    filed = file(client, place="the car park by the arches", what_happened=account)
    seen = unit_text(db_session, passphrase, stored(db_session, filed["reference"]))
    for passage in hers:
        assert passage not in seen
    assert his in seen and "[withheld]" in seen


def test_at_full_report_police_read_what_she_wrote(client, passphrase, db_session):
    filed = file(client, consent_level="full", what_happened=f"Call me on {PHONE}.")
    report = stored(db_session, filed["reference"])
    pair = unit_pair(db_session, passphrase, report.police_unit_id)
    unit_id = keystore.unit_key(db_session, report.police_unit_id).id
    opened = reading.open_sections(db_session, report.id, pair, "unit", unit_id)
    assert opened.sections[INCIDENT][0]["what_happened"] == f"Call me on {PHONE}."


def test_a_later_addition_is_judged_against_everything_she_wrote(client, passphrase, db_session):
    filed = file(client)
    token = form_token(client, "/receipt")
    response = client.post(
        "/receipt/add",
        data={
            "receipt_code": filed["receipt_code"],
            "form_token": token,
            "more_incident": f"He came back to {STREET} and asked for Roxanne.",
            "more_perpetrator": f"New number {HIS_PHONE[:-3]}456, parks near {POSTCODE}.",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    report = stored(db_session, filed["reference"])
    seen = unit_text(db_session, passphrase, report)
    assert "Tannery" not in seen and "Roxanne" not in seen and POSTCODE not in seen
    assert f"{HIS_PHONE[:-3]}456" in seen
    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase))
    assert opened.sections[INCIDENT][-1]["what_happened"] == f"He came back to {STREET} and asked for Roxanne."
    assert opened.sections[PERPETRATOR][-1]["more"] == f"New number {HIS_PHONE[:-3]}456, parks near {POSTCODE}."
    # Raising consent to "full report" with her code lets police read the additions as written.
    assert (
        client.post(
            "/api/v1/receipt/consent", json={"receipt_code": filed["receipt_code"], "consent_level": "full"}
        ).status_code
        == 200
    )
    pair = unit_pair(db_session, passphrase, report.police_unit_id)
    unit_id = keystore.unit_key(db_session, report.police_unit_id).id
    police = reading.open_sections(db_session, report.id, pair, "unit", unit_id)
    assert police.sections[INCIDENT][-1]["what_happened"] == f"He came back to {STREET} and asked for Roxanne."


# Every field of the declaration that she types into outside the identity section.
TYPED = [
    f.name
    for f in fields.REPORT_FIELDS
    if f.section in (INCIDENT, PERPETRATOR) and f.kind in fields.TEXT_KINDS and f.name != "what_happened"
]
HERS = {
    "name": st.sampled_from(["Roxanne", "ROXANNE", "Roxanne's", "Rоxanne", "Quillfeather"]),
    "phone": st.sampled_from(["07700 900123", "+44 7700 900123", "07700\n900123", "O77OO 9OO l23", "077 00 90 01 23"]),
    "email": st.sampled_from([EMAIL, "ROXY.Q@EXAMPLE.ORG", "roxy.q at example dot org", "roxyq@gmail.com"]),
    "street": st.sampled_from([STREET, "14 Tannery Rd", "Tannery Road", "TANNERY RD"]),
    "postcode": st.sampled_from([POSTCODE, "ls62ab", "LS6  2AB"]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(TYPED), kind=st.sampled_from(sorted(HERS)), data=st.data())
def test_her_details_in_any_field_are_identity_level(client, passphrase, db_session, field, kind, data):
    value = data.draw(HERS[kind])
    answer = f"seen with {value} there"
    filed = file(client, **{field: answer})
    report = stored(db_session, filed["reference"])
    seen = unit_text(db_session, passphrase, report)
    assert value not in seen and value.replace("\n", "\\n") not in seen, (field, value)
    assert "[withheld]" in seen
    verdict = disclosure.guard({"unit": seen}, reading_profile(db_session, passphrase, report))
    assert verdict.blocked == [], [f.message for f in verdict.blocked]


def reading_profile(db_session, passphrase, report) -> disclosure.Profile:
    opened = reading.open_with_scheme_key(db_session, report.id, scheme_pair(db_session, passphrase))
    return disclosure.profile_from(opened.sections)
