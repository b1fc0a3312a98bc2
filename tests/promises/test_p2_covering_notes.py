"""P2 and P3 at the police door: a covering note, and what police open below "full report".

Nothing a single coordinator writes can widen what was consented. Below "full report" a
covering note that names her, gives her number or her place is refused through the pages with a
message that names each phrase (and the note she typed is shown back, not lost); a clean note
goes. A note written at "full report" is removed, both sealed copies, as soon as consent is
narrowed or withdrawn, or the report erased. And what the officer opens below "full report" —
the page, the CSV and the PDF export — holds none of her details, even from a report filed
before they were withheld at filing (written here straight into its sections), with the
passages marked withheld.
"""

from __future__ import annotations

import html
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.app import form_token
from tests.support.reading import rewrite_section, scheme_pair
from tests.support.staff import csrf, signed_in
from ugly_mugs.keys import sealed_text
from ugly_mugs.models import PoliceRelease, Report
from ugly_mugs.police.release import seal_staff_text

NAME = "Roxanne Quillfeather"
PHONE = "07700 900123"
PLACE = "14 Tannery Road, LS6 2AB"


def file(client, level: str) -> tuple[str, str]:
    response = client.post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "consent_level": level,
            "reporter_name": NAME,
            "contact": f"text {PHONE}",
            "place": PLACE,
            "what_happened": "He hit me hard.",
            "phone_numbers": "07700 900999",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"], response.get_json()["receipt_code"]


def pass_on(coord, reference: str, note: str):
    return coord.post(
        f"/coordinator/reports/{reference}/pass",
        data={"note": note, "csrf_token": csrf(coord, f"/coordinator/reports/{reference}")},
    )


@pytest.mark.parametrize(
    ("note", "phrase", "why"),
    [
        ("FYI her real name is Roxanne, mobile 07700 900123.", "Roxanne", "is a form of the reporter's name"),
        ("Mobile 0 7 7 0 0 9 0 0 1 2 3", "0 7 7 0 0 9 0 0 1 2 3", "is the reporter's phone number"),
        ("She lives on Tannery Rd", "Tannery Rd", "names the reporter's street"),
        ("Postcode ls6 2ab", "ls6 2ab", "is the reporter's postcode"),
        ("Ask for Quillfeather's sister", "Quillfeather's", "is a form of the reporter's name"),
    ],
)
def test_a_note_that_identifies_her_is_refused_below_full_report(app, passphrase, clock, db_session, note, phrase, why):
    reference, _ = file(app.test_client(), "anonymous_intel")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    response = pass_on(coord, reference, note)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert f"“{phrase}” in the covering note {why}." in page
    assert note in page  # shown back in the form, not lost
    assert db_session.scalar(select(PoliceRelease.id)) is None
    assert pass_on(coord, reference, "Seen twice this month; she may talk to you later.").status_code == 302
    assert db_session.scalar(select(PoliceRelease.id)) is not None


def test_at_full_report_the_note_may_name_her(app, passphrase, clock, db_session):
    reference, _ = file(app.test_client(), "full")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    assert pass_on(coord, reference, f"Ask for {NAME} on {PHONE}.").status_code == 302


def _note_columns(db_session):
    db_session.expire_all()
    release = db_session.scalar(select(PoliceRelease))
    return release.note, release.note_key_scheme, release.note_key_unit


@pytest.mark.parametrize("change", ["anonymous_intel", "alert_only", "erase"])
def test_narrowing_withdrawing_or_erasing_removes_the_note(app, passphrase, clock, db_session, change):
    reporter = app.test_client()
    reference, code = file(reporter, "full")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    assert pass_on(coord, reference, f"Ask for {NAME}.").status_code == 302
    assert all(_note_columns(db_session))
    if change == "erase":
        token = form_token(reporter, "/receipt")
        reporter.post("/receipt/delete", data={"receipt_code": code, "form_token": token, "confirm": "yes"})
    else:
        answer = reporter.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": change})
        assert answer.status_code == 200
    assert _note_columns(db_session) == (None, None, None)
    assert NAME not in coord.get(f"/coordinator/reports/{reference}").get_data(as_text=True)


def test_raising_consent_keeps_the_note(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, code = file(reporter, "anonymous_intel")
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    assert pass_on(coord, reference, "Seen twice this month.").status_code == 302
    reporter.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "full"})
    assert all(_note_columns(db_session))


def _legacy_report(client, passphrase, db_session) -> str:
    """A report as stored before her details were withheld at filing: where he took her in the
    perpetrator section and her numbers in what happened, both sealed to the unit."""
    reference, _ = file(client, "anonymous_intel")
    report = db_session.scalar(select(Report).where(Report.reference == reference))
    pair = scheme_pair(db_session, passphrase)
    incident = {"what_happened": "He rang me on 07700 900555 and I gave him 07700 900123, then he hit me."}
    perpetrator = {"where_taken": "my flat on Tannery Road", "phone_numbers": ["07700 900999"]}
    rewrite_section(db_session, report, "incident", 1, incident, pair)
    rewrite_section(db_session, report, "perpetrator", 1, perpetrator, pair)
    db_session.commit()
    return reference


def test_the_officer_sees_no_detail_of_hers_below_full_report_nor_in_exports(app, passphrase, clock, db_session):
    reference = _legacy_report(app.test_client(), passphrase, db_session)
    coord, _ = signed_in(app, passphrase, "carla", "coordinator")
    # A note written before notes were checked, straight into the release.
    assert pass_on(coord, reference, "").status_code == 302
    release = db_session.scalar(select(PoliceRelease))
    report = db_session.scalar(select(Report).where(Report.reference == reference))
    release.note, release.note_key_scheme, release.note_key_unit = seal_staff_text(
        db_session,
        f"Her mobile is {PHONE[:5]}-{PHONE[6:]}",
        report.id,
        report.police_unit_id,
        sealed_text.release_note_context(release.id),
    )
    db_session.commit()

    police, _ = signed_in(app, passphrase, "pc.smith", "police")
    token = csrf(police, f"/police/reports/{release.id}")
    page = police.post(f"/police/reports/{release.id}/open", data={"reason": "intelligence", "csrf_token": token})
    text = html.unescape(page.get_data(as_text=True))
    csv_text = police.post(
        f"/police/reports/{release.id}/export.csv", data={"reason": "intelligence", "csrf_token": token}
    ).get_data(as_text=True)
    pdf = police.post(f"/police/reports/{release.id}/export.pdf", data={"reason": "intelligence", "csrf_token": token})
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for where, shown in {"page": text, "csv": csv_text, "pdf": pdf_text}.items():
        for hers in ("900123", "90012", "Tannery", "my flat", "900555"):
            assert hers not in " ".join(shown.split()), (where, hers)
        assert "[withheld]" in shown, where
        assert "07700 900999" in shown, where
    assert '<em class="withheld">[withheld]</em>' in page.get_data(as_text=True)
    assert "Covering note from the scheme: Her mobile is" in text
