"""P2: consent is enforced by cryptography. With the unit private key (opened from the recovery
passphrase) police can decrypt exactly the sections the consent level covers; raising consent
with the receipt code seals the newly covered sections, narrowing or withdrawing deletes the
unit's sealed keys at once, and erasure leaves nothing anyone can open (P8).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.app import minimal_report
from tests.support.reading import readable_sections, scheme_pair, try_every_section, unit_pair
from ugly_mugs.models import ConsentChange, Report, ReportSection, SealedSectionKey

EXPECTED = {
    "alert_only": set(),
    "anonymous_intel": {"incident", "perpetrator"},
    "full": {"identity", "incident", "perpetrator"},
}


def file(client, level: str) -> str:
    response = client.post("/api/v1/reports", json=minimal_report(consent_level=level, contact="Call 0113 496 0000"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["receipt_code"]


def the_report(db_session) -> Report:
    db_session.expire_all()
    return db_session.scalar(select(Report))


@pytest.mark.parametrize("level", sorted(EXPECTED))
def test_unit_reads_exactly_what_consent_covers(client, passphrase, db_session, level):
    file(client, level)
    report = the_report(db_session)
    unit = unit_pair(db_session, passphrase, report.police_unit_id)
    assert set(readable_sections(db_session, report, unit, "unit")) == EXPECTED[level]
    # Whatever label a sealed key carries, the unit key opens nothing more.
    assert try_every_section(db_session, report, unit) == EXPECTED[level]
    # Coordinators (scheme key) can open every section whatever the consent.
    assert set(readable_sections(db_session, report, scheme_pair(db_session, passphrase), "scheme")) == EXPECTED["full"]


def test_alert_only_stores_no_police_seal(client, passphrase, db_session):
    file(client, "alert_only")
    assert db_session.scalar(select(func.count()).where(SealedSectionKey.holder == "unit")) == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("alert_only", "full"),
        ("alert_only", "anonymous_intel"),
        ("anonymous_intel", "full"),
        ("full", "anonymous_intel"),
        ("full", "alert_only"),
        ("anonymous_intel", "alert_only"),
    ],
)
def test_consent_change_reseals(client, passphrase, db_session, start, end):
    code = file(client, start)
    response = client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": end})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["consent_level"] == end
    report = the_report(db_session)
    unit = unit_pair(db_session, passphrase, report.police_unit_id)
    assert try_every_section(db_session, report, unit) == EXPECTED[end]
    history = db_session.scalars(select(ConsentChange.to_level).order_by(ConsentChange.id)).all()
    assert history == [start, end]


def test_raised_consent_covers_information_added_later(client, passphrase, db_session):
    code = file(client, "alert_only")
    token_page = client.get("/receipt").get_data(as_text=True)
    token = token_page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post(
        "/receipt/add", data={"receipt_code": code, "form_token": token, "more_perpetrator": "New number 07700 900456"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (
        client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "full"}).status_code == 200
    )
    report = the_report(db_session)
    opened = readable_sections(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id), "unit")
    assert {"more": "New number 07700 900456"} in opened["perpetrator"]


def test_withdrawal_leaves_police_nothing(client, passphrase, db_session):
    code = file(client, "full")
    client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "alert_only"})
    report = the_report(db_session)
    assert try_every_section(db_session, report, unit_pair(db_session, passphrase, report.police_unit_id)) == set()
    assert db_session.scalar(select(func.count()).where(SealedSectionKey.holder == "unit")) == 0


def test_erasure_destroys_every_key(client, passphrase, db_session):
    code = file(client, "full")
    token_page = client.get("/receipt").get_data(as_text=True)
    token = token_page.split('name="form_token" value="')[1].split('"')[0]
    response = client.post("/receipt/delete", data={"receipt_code": code, "form_token": token, "confirm": "yes"})
    assert response.status_code == 200
    assert "has been deleted" in response.get_data(as_text=True)
    report = the_report(db_session)
    assert report.status == "erased"
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0
    assert db_session.scalar(select(func.count()).select_from(SealedSectionKey)) == 0
    assert try_every_section(db_session, report, scheme_pair(db_session, passphrase)) == set()
    # The code no longer opens anything: it answers that the report was deleted.
    answer = client.post("/api/v1/receipt/status", json={"receipt_code": code})
    assert answer.status_code == 410 and "deleted" in answer.get_json()["detail"]


def test_report_is_refused_without_keys(client, db_session, database_url):
    """Never a silent fallback: with no scheme key the report is not stored and the form comes back."""
    response = client.post("/api/v1/reports", json=minimal_report())
    assert response.status_code == 503
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0
