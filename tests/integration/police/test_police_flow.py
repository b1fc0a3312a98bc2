"""The consent-gated path to police, end to end through the pages: a coordinator opens a
report for a reason and passes it on; the officer of that unit reads exactly what consent
allows, acknowledges and records an outcome; the reporter sees that the police have it;
a withdrawal through the receipt code leaves the officer nothing on the next request."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.support.app import form_token, minimal_report
from tests.support.staff import create, csrf, grant, login, signed_in
from ugly_mugs.models import AuditEntry, PoliceOutcome, PoliceRelease


def file(client, level: str) -> tuple[str, str]:
    body = minimal_report(consent_level=level, contact="Ring 0113 496 0999", what_happened="He hit me hard.")
    response = client.post("/api/v1/reports", json=body)
    assert response.status_code == 201
    return response.get_json()["reference"], response.get_json()["receipt_code"]


def test_full_report_reaches_the_officer_and_withdrawal_stops_it(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, code = file(reporter, "full")

    coordinator = create(app, "carla", "coordinator")
    grant(app, coordinator, passphrase)
    coord = app.test_client()
    assert login(coord, coordinator).status_code == 302
    page = coord.post(
        f"/coordinator/reports/{reference}/open",
        data={"reason": "police", "csrf_token": csrf(coord, f"/coordinator/reports/{reference}")},
    )
    assert page.status_code == 200 and "He hit me hard." in page.get_data(as_text=True)
    response = coord.post(
        f"/coordinator/reports/{reference}/pass",
        data={"note": "Please call her", "csrf_token": csrf(coord, f"/coordinator/reports/{reference}")},
    )
    assert response.status_code == 302

    officer = create(app, "pc.smith", "police")
    grant(app, officer, passphrase)
    police = app.test_client()
    assert login(police, officer).status_code == 302
    listing = police.get("/police/reports").get_data(as_text=True)
    assert reference in listing
    release_id = db_session.scalar(select(PoliceRelease.id))
    token = csrf(police, f"/police/reports/{release_id}")
    opened = police.post(f"/police/reports/{release_id}/open", data={"reason": "investigation", "csrf_token": token})
    text = opened.get_data(as_text=True)
    assert "He hit me hard." in text and "0113 496 0999" in text and "Please call her" in text
    assert police.post(f"/police/reports/{release_id}/acknowledge", data={"csrf_token": token}).status_code == 302
    response = police.post(
        f"/police/reports/{release_id}/outcome",
        data={
            "outcome": "under_investigation",
            "outcome_date": "2026-11-22",
            "crime_reference": "13/12345/26",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert "Under investigation" in coord.get(f"/coordinator/reports/{reference}").get_data(as_text=True)

    status = reporter.post(
        "/receipt", data={"receipt_code": code, "form_token": form_token(reporter, "/receipt")}
    ).get_data(as_text=True)
    assert "The police have received your report." in status

    assert (
        reporter.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "alert_only"}).status_code
        == 200
    )
    again = police.post(f"/police/reports/{release_id}/open", data={"reason": "investigation", "csrf_token": token})
    text = again.get_data(as_text=True)
    assert "He hit me hard." not in text and "0113 496 0999" not in text
    assert re.search(r"Consent withdrawn on \d", text)
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert {"report_read", "police_release", "police_read", "police_acknowledged", "police_outcome"} <= set(actions)


def test_anonymous_intelligence_withholds_identity(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, _ = file(reporter, "anonymous_intel")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    coord.post(
        f"/coordinator/reports/{reference}/pass", data={"csrf_token": csrf(coord, f"/coordinator/reports/{reference}")}
    )
    police, officer = signed_in(app, passphrase, "pc.smith", "police")
    release_id = db_session.scalar(select(PoliceRelease.id))
    token = csrf(police, f"/police/reports/{release_id}")
    text = police.post(
        f"/police/reports/{release_id}/open", data={"reason": "intelligence", "csrf_token": token}
    ).get_data(as_text=True)
    assert "He hit me hard." in text
    assert "0113 496 0999" not in text
    assert "identity and contact details are withheld" in text


def test_alert_only_cannot_be_passed_on(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, _ = file(reporter, "alert_only")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    page = coord.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert "Pass to the police" not in page
    token = csrf(coord, f"/coordinator/reports/{reference}")
    assert coord.post(f"/coordinator/reports/{reference}/pass", data={"csrf_token": token}).status_code == 409
    assert db_session.scalar(select(PoliceRelease.id)) is None


def test_erasure_after_release_shows_the_officer_consent_ended(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, code = file(reporter, "full")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    coord.post(
        f"/coordinator/reports/{reference}/pass", data={"csrf_token": csrf(coord, f"/coordinator/reports/{reference}")}
    )
    token = form_token(reporter, "/receipt")
    reporter.post("/receipt/delete", data={"receipt_code": code, "form_token": token, "confirm": "yes"})
    police, officer = signed_in(app, passphrase, "pc.smith", "police")
    release_id = db_session.scalar(select(PoliceRelease.id))
    page = police.get(f"/police/reports/{release_id}").get_data(as_text=True)
    assert re.search(r"Consent withdrawn on \d", page)


def test_a_crime_reference_after_erasure_is_refused_and_shown_back(app, passphrase, clock, db_session):
    """Sealed under the report's erasure key, a crime reference cannot be kept once she deleted
    the report: the officer is told so, with what they typed; the outcome alone is recorded."""
    reporter = app.test_client()
    reference, code = file(reporter, "full")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    coord.post(
        f"/coordinator/reports/{reference}/pass", data={"csrf_token": csrf(coord, f"/coordinator/reports/{reference}")}
    )
    reporter.post(
        "/receipt/delete", data={"receipt_code": code, "form_token": form_token(reporter, "/receipt"), "confirm": "yes"}
    )
    police, _ = signed_in(app, passphrase, "pc.smith", "police")
    release_id = db_session.scalar(select(PoliceRelease.id))
    page = f"/police/reports/{release_id}"
    outcome = {"outcome": "charged", "outcome_date": "2026-11-28", "csrf_token": csrf(police, page)}
    refused = police.post(f"{page}/outcome", data={**outcome, "crime_reference": "13/98765/26"})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "deleted the report" in text and 'value="13/98765/26"' in text
    assert db_session.scalars(select(PoliceOutcome)).all() == []
    assert police.post(f"{page}/outcome", data=outcome).status_code == 302
    db_session.expire_all()
    assert [o.outcome for o in db_session.scalars(select(PoliceOutcome))] == ["charged"]
    assert db_session.scalar(select(PoliceRelease.crime_reference)) is None
