"""What leaves the police portal and what comes back from it.

Proves that the CSV and PDF exports hold only what the officer's unit key opens (for an
"anonymous intelligence" report: incident and perpetrator, never the reporter's name or contact;
for a "full report": those too), that each export is in the audit log as police_export with its
format, and that a CSV cell a reporter began with "=" (or "+", "-", "@") cannot run as a
spreadsheet formula. Proves that the officer's feedback reaches the others: coordinators see the
outcome on the report page and, once they open the report, the crime reference (which is stored
encrypted, like the covering note); the reporter's receipt page says "The police have received
your report." only after the officer acknowledged it, in English and, with ?lang=ro, in Romanian.
"""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader
from sqlalchemy import select

from tests.support.app import form_token, minimal_report
from tests.support.dbscan import find_plaintext
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import AuditEntry, PoliceOutcome, PoliceRelease

WHAT = '=HYPERLINK("http://evil.example/","Click") then he hit me'
PLACE = "+Bottle Lane"  # the exact place is part of the identity section
HAIR = "-2+3 dyed"
VEHICLE = "@Blue van"
CONTACT = "Ring Exportcanary 0113 496 0321"
NAME = "Exportcanaryname"
NOTE = "Covering note Notecanary"
CRIME_REFERENCE = "13/55555/26"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def setup_release(app, passphrase, db, level: str, note: str = ""):
    """A report at ``level`` passed on: (reporter, code), coordinator, reference, officer, officer user, release."""
    reporter = app.test_client()
    body = minimal_report(
        consent_level=level,
        what_happened=WHAT,
        place=PLACE,
        hair=HAIR,
        name_used=VEHICLE,
        contact=CONTACT,
        reporter_name=NAME,
    )
    response = reporter.post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    reference, code = response.get_json()["reference"], response.get_json()["receipt_code"]

    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    token = csrf(coord, f"/coordinator/reports/{reference}")
    passed = coord.post(f"/coordinator/reports/{reference}/pass", data={"note": note, "csrf_token": token})
    assert passed.status_code == 302

    police, officer = signed_in(app, passphrase, "pc.smith", "police")
    item = db.scalar(select(PoliceRelease))
    return (reporter, code), coord, reference, police, officer, item


def export(police, release_id: int, kind: str):
    token = csrf(police, f"/police/reports/{release_id}")
    return police.post(
        f"/police/reports/{release_id}/export.{kind}", data={"reason": "investigation", "csrf_token": token}
    )


def exports_audited(db, officer) -> list[tuple[str, dict]]:
    db.expire_all()
    return [
        (entry.report_id, entry.detail)
        for entry in db.scalars(
            select(AuditEntry).where(AuditEntry.action == "police_export", AuditEntry.actor_id == officer.id)
        )
    ]


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_csv_holds_only_what_the_officer_sees_and_no_formula(app, passphrase, db_session, clock):
    _, _, reference, police, officer, item = setup_release(app, passphrase, db_session, "anonymous_intel")
    response = export(police, item.id, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.csv"'
    text = response.get_data(as_text=True)
    assert CONTACT not in text and NAME not in text and "Bottle Lane" not in text

    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["reference", "section", "version", "field", "value"]
    assert {row[0] for row in rows[1:]} == {reference}
    assert {row[1] for row in rows[1:]} == {"incident", "perpetrator"}
    values = {row[3]: row[4] for row in rows[1:]}
    assert values["what_happened"] == "'" + WHAT
    assert values["name_used"] == "'" + VEHICLE and values["hair"] == "'" + HAIR
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]

    report_id = db_session.scalar(select(PoliceRelease.report_id))
    assert exports_audited(db_session, officer) == [(report_id, {"format": "csv"})]
    reads = db_session.scalars(
        select(AuditEntry.reason).where(AuditEntry.action == "police_read", AuditEntry.actor_id == officer.id)
    ).all()
    assert reads == ["investigation"]


def test_full_report_csv_has_the_identity(app, passphrase, db_session, clock):
    _, _, _, police, _, item = setup_release(app, passphrase, db_session, "full")
    rows = list(csv.reader(io.StringIO(export(police, item.id, "csv").get_data(as_text=True))))
    assert {row[1] for row in rows[1:]} == {"identity", "incident", "perpetrator"}
    assert {CONTACT, NAME, "'" + PLACE} <= {row[4] for row in rows if row[1] == "identity"}
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]


def test_pdf_holds_only_what_the_officer_sees(app, passphrase, db_session, clock):
    _, _, reference, police, officer, item = setup_release(app, passphrase, db_session, "anonymous_intel")
    response = export(police, item.id, "pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{reference}.pdf"'
    text = pdf_text(response.get_data())
    assert f"Report {reference}" in text
    assert "then he hit me" in text and "Blue van" in text and "Bottle Lane" not in text
    assert "identity is withheld" in text
    assert "Exportcanary" not in text and NAME not in text
    report_id = db_session.scalar(select(PoliceRelease.report_id))
    assert exports_audited(db_session, officer) == [(report_id, {"format": "pdf"})]


def test_full_report_pdf_has_the_identity(app, passphrase, db_session, clock):
    _, _, _, police, _, item = setup_release(app, passphrase, db_session, "full")
    text = pdf_text(export(police, item.id, "pdf").get_data())
    assert "Exportcanary" in text and NAME in text and "Bottle Lane" in text
    assert "identity is withheld" not in text


def test_export_needs_a_reason_and_a_csrf_token(app, passphrase, db_session, clock):
    _, _, _, police, officer, item = setup_release(app, passphrase, db_session, "full")
    token = csrf(police, f"/police/reports/{item.id}")
    no_reason = police.post(f"/police/reports/{item.id}/export.csv", data={"csrf_token": token})
    no_token = police.post(f"/police/reports/{item.id}/export.csv", data={"reason": "investigation"})
    for response in (no_reason, no_token):
        assert response.status_code == 400
        assert response.mimetype == "text/html"
        assert CONTACT not in response.get_data(as_text=True)
    assert exports_audited(db_session, officer) == []


def test_feedback_reaches_coordinators_and_the_reporter(app, passphrase, database_url, db_session, clock):
    (reporter, code), coord, reference, police, officer, item = setup_release(
        app, passphrase, db_session, "full", note=NOTE
    )

    def receipt_page(lang: str = "") -> str:
        query = f"?lang={lang}" if lang else ""
        token = form_token(reporter, "/receipt" + query)
        response = reporter.post("/receipt" + query, data={"receipt_code": code, "form_token": token})
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "The police have received your report." not in receipt_page()
    assert "Poliția a primit raportul tău." not in receipt_page("ro")

    token = csrf(police, f"/police/reports/{item.id}")
    future = police.post(
        f"/police/reports/{item.id}/outcome",
        data={"outcome": "charged", "outcome_date": "2099-01-01", "csrf_token": token},
    )
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    assert db_session.scalar(select(PoliceOutcome.id)) is None
    assert police.post(f"/police/reports/{item.id}/acknowledge", data={"csrf_token": token}).status_code == 302

    english = receipt_page()
    assert "The police have received your report." in english
    romanian = receipt_page("ro")
    assert "Poliția a primit raportul tău." in romanian
    assert "The police have received your report." not in romanian

    response = police.post(
        f"/police/reports/{item.id}/outcome",
        data={
            "outcome": "suspect_arrested",
            "outcome_date": "2026-11-21",
            "crime_reference": CRIME_REFERENCE,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    page = coord.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert "Suspect arrested, 21 November 2026" in page
    assert "Received by the police on" in page
    token = csrf(coord, f"/coordinator/reports/{reference}")
    opened = coord.post(
        f"/coordinator/reports/{reference}/open", data={"reason": "follow_up", "csrf_token": token}
    ).get_data(as_text=True)
    assert f"Crime reference: {CRIME_REFERENCE}" in opened
    assert f"Covering note: {NOTE}" in opened
    assert "Suspect arrested, 21 November 2026" in opened
    # The officer sees their own crime reference and the note once they open it.
    token = csrf(police, f"/police/reports/{item.id}")
    seen = police.post(
        f"/police/reports/{item.id}/open", data={"reason": "investigation", "csrf_token": token}
    ).get_data(as_text=True)
    assert f"Crime reference: {CRIME_REFERENCE}" in seen and NOTE in seen

    # Both are encrypted at rest.
    assert find_plaintext(database_url, [CRIME_REFERENCE, "Notecanary"]) == []
    db_session.expire_all()
    actions = db_session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == officer.id)).all()
    assert {"police_acknowledged", "police_outcome"} <= set(actions)
