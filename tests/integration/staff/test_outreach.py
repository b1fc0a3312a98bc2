"""Reports filed by outreach workers for someone on the street: the reporter's form plus a
consent attestation and contact through the project. Without the attestation nothing is
stored. The report is stored encrypted as reporter_type "outreach", with the worker and the
project, the attested consent level and the same seals as a reporter's own report (scheme,
receipt, and the unit only for what the consent covers); the contact through the project is
inside the encrypted identity section. No content is in the raw database. The receipt card
shows the reference and code; the worker then sees status, never content, and other workers
see nothing of it."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.support import dbscan
from tests.support.app import form_token, minimal_report
from tests.support.reading import readable_sections, scheme_pair, unit_pair
from tests.support.staff import create, csrf, login
from ugly_mugs.crypto import receipt
from ugly_mugs.keys import erasure
from ugly_mugs.models import AuditEntry, ConsentChange, Project, Report, ReportSection
from ugly_mugs.reports import receipts, sections

LEVEL = "anonymous_intel"
CANARIES = {
    "what_happened": "OutreachCanaryWhatZk4 he hit her",
    "place": "OutreachCanaryPlaceZk4",
    "reporter_name": "OutreachCanaryNameZk4",
    "contact": "OutreachCanaryContactZk4",
    "vehicle_registration": "ZK4 CNY",
}
VIA_PROJECT = "OutreachCanaryViaProjectZk4 ask at the Tuesday drop-in"
CODE = re.compile(r'id="receipt-code">([^<]+)<')
REFERENCE = re.compile(r"Reference: <strong>(UM-[0-9A-Z]+)</strong>")


def outreach_form(client, **extra) -> dict:
    return {
        **minimal_report(consent_level=LEVEL, **CANARIES),
        "contact_via_project": VIA_PROJECT,
        "attested": "y",
        "csrf_token": csrf(client, "/outreach/report"),
        **extra,
    }


def the_report(db, reference: str) -> Report:
    db.expire_all()
    return db.scalar(select(Report).where(Report.reference == reference))


def seal_shape(db, report: Report) -> dict[str, set[tuple[str, int | None]]]:
    """For each section, which holders (and which group keys) its key is sealed to."""
    shape: dict[str, set[tuple[str, int | None]]] = {}
    for section in db.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        shape[section.name] = {(s.holder, s.group_key_id) for s in section.sealed_keys}
    return shape


def test_attestation_is_required_and_nothing_is_stored_without_it(app, passphrase, db_session, clock):
    olga = create(app, "olga", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, olga).status_code == 302
    data = outreach_form(client)
    del data["attested"]
    response = client.post("/outreach/report", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Confirm that the person chose what may be done with the report." in page
    # What was typed comes back, so nothing is lost.
    assert CANARIES["what_happened"] in page
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0
    # Without the CSRF token the form is refused too, and nothing is stored.
    data = outreach_form(client)
    del data["csrf_token"]
    assert client.post("/outreach/report", data=data).status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_outreach_report_is_stored_like_a_reporters_own(app, client, passphrase, db_session, database_url, clock):
    olga = create(app, "olga", "outreach", project="Basis")
    worker = app.test_client()
    assert login(worker, olga).status_code == 302
    response = worker.post("/outreach/report", data=outreach_form(worker))
    assert response.status_code == 200, response.get_data(as_text=True)
    card = response.get_data(as_text=True)
    reference, code = REFERENCE.search(card).group(1), CODE.search(card).group(1)
    assert "Filed with Basis." in card

    report = the_report(db_session, reference)
    assert receipts.find_by_receipt(db_session, code).id == report.id, "the card's code opens the report"
    project = db_session.scalar(select(Project).where(Project.name == "Basis"))
    assert report.reporter_type == "outreach"
    assert report.filed_by_account_id == olga.id and report.project_id == project.id
    assert report.consent_level == LEVEL
    change = db_session.scalar(select(ConsentChange).where(ConsentChange.report_id == report.id))
    assert (change.from_level, change.to_level, change.actor) == (None, LEVEL, "outreach")
    filed = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "report_filed"))
    assert filed.actor_id == olga.id and filed.report_id == report.id

    # A reporter's own report, same consent and area, for comparison.
    own = client.post("/report", data={**minimal_report(consent_level=LEVEL), "form_token": form_token(client)})
    assert own.status_code == 200
    own_report = db_session.scalar(select(Report).where(Report.reporter_type == "self"))
    assert seal_shape(db_session, report) == seal_shape(db_session, own_report)
    shape = seal_shape(db_session, report)
    assert set(shape) == set(sections.SECTION_NAMES)
    assert {h for h, _ in shape["identity"]} == {"scheme", "receipt"}
    assert {h for h, _ in shape["incident"]} == {h for h, _ in shape["perpetrator"]} == {"scheme", "receipt", "unit"}

    # Coordinators (scheme key, from the recovery passphrase) read everything, the unit what consent allows.
    opened = readable_sections(db_session, report, scheme_pair(db_session, passphrase), "scheme")
    identity = opened["identity"][0]
    assert identity["contact_via_project"] == VIA_PROJECT
    assert identity["contact"] == CANARIES["contact"] and identity["name"] == CANARIES["reporter_name"]
    assert identity["consent_attested_by"] == "Olga"
    assert opened["incident"][0]["what_happened"] == CANARIES["what_happened"]
    unit = unit_pair(db_session, passphrase, report.police_unit_id)
    assert set(readable_sections(db_session, report, unit, "unit")) == {"incident", "perpetrator"}
    # The person holds the receipt code, which opens every section of their report.
    key = receipt.receipt_key(code)
    for section in db_session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        seal = next(s for s in section.sealed_keys if s.holder == sections.RECEIPT)
        section_key = sections.open_with_receipt(
            key, seal.sealed, report.id, section.name, section.version, erasure.report_key(db_session, report.id)
        )
        assert sections.decrypt_section(section_key, report.id, section.name, section.version, section.ciphertext)

    db_session.close()
    assert dbscan.find_plaintext(database_url, [*CANARIES.values(), VIA_PROJECT, code]) == []


def test_worker_sees_status_never_content_and_others_see_nothing(app, passphrase, clock):
    olga = create(app, "olga", "outreach", project="Basis")
    petra = create(app, "petra", "outreach", project="Basis")
    olga_client, petra_client = app.test_client(), app.test_client()
    assert login(olga_client, olga).status_code == 302
    assert login(petra_client, petra).status_code == 302
    card = olga_client.post("/outreach/report", data=outreach_form(olga_client)).get_data(as_text=True)
    reference, code = REFERENCE.search(card).group(1), CODE.search(card).group(1)

    listing = olga_client.get("/outreach/reports")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert reference in page and "Received" in page and "Police may know about him, not about the person" in page
    for secret in [*CANARIES.values(), VIA_PROJECT, code]:
        assert secret not in page
    # The form page offers a new report, not the last one's content.
    form_page = olga_client.get("/outreach/report").get_data(as_text=True)
    assert CANARIES["what_happened"] not in form_page and VIA_PROJECT not in form_page

    other = petra_client.get("/outreach/reports").get_data(as_text=True)
    assert reference not in other
    assert "You have not filed any reports yet." in other


def test_worker_without_a_project_cannot_file(app, passphrase, db_session, clock):
    lone = create(app, "lone", "outreach")
    client = app.test_client()
    assert login(client, lone).status_code == 302
    assert client.get("/outreach/report").status_code == 409
    token = csrf(client, "/account/password")
    data = {**minimal_report(), "attested": "y", "csrf_token": token}
    assert client.post("/outreach/report", data=data).status_code == 409
    assert db_session.scalar(select(func.count()).select_from(Report)) == 0


def test_worker_list_names_every_status_and_consent_level_in_its_declared_words(app, passphrase, db_session, clock):
    """Whatever a report's status and consent become, the worker's list reads them in the words
    declared with the codes (``statuses.LABELS``, ``consent.OUTREACH_WORDING``), never a raw code."""
    from ugly_mugs import consent
    from ugly_mugs.reports import statuses
    from ugly_mugs.staff import service

    olga = create(app, "olga", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, olga).status_code == 302
    card = client.post("/outreach/report", data=outreach_form(client)).get_data(as_text=True)
    reference = REFERENCE.search(card).group(1)
    for status in statuses.ALL:
        for level in consent.LEVELS:
            report = the_report(db_session, reference)
            report.status, report.consent_level = status, level
            db_session.commit()
            (row,) = service.outreach_reports(db_session, olga.id)
            assert (row.reference, row.status_label, row.consent_label) == (
                reference,
                statuses.LABELS[status],
                consent.OUTREACH_WORDING[level],
            )
            page = client.get("/outreach/reports").get_data(as_text=True)
            assert (
                f'<td data-label="Status">{row.status_label}</td><td data-label="Consent">{row.consent_label}</td>'
                in page.replace("&#39;", "'")
            )
