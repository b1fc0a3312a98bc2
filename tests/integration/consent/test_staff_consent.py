"""Consent given by phone or in person, recorded by staff: the only staff path that seals anything
to a police unit key, and it needs two different coordinators.

Proves that one coordinator alone cannot make a report readable by police: recording consent
seals nothing (the "alert only" report still has no police seal), the same coordinator's own
approval is refused with 409 and changes nothing, and passing on is refused; that a second
coordinator's approval seals to the unit exactly the sections the new level adds (checked by
opening them with the unit private key) and the officer can then read them; that a rejection
seals nothing; that a coordinator without the scheme key cannot approve; that each step is in the
audit log with the coordinator who took it; and that a request recorded before the reporter
withdrew consent with the receipt code can no longer be approved.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.support.app import minimal_report
from tests.support.reading import try_every_section, unit_pair
from tests.support.staff import create, csrf, grant, login, signed_in
from ugly_mugs.models import AuditEntry, ConsentChange, PoliceRelease, Report, SealedSectionKey, StaffConsent
from ugly_mugs.reports import sections

CONTACT = "StaffCanaryContact 0113 496 0555"
WHAT = "StaffCanaryWhat he took my money"


def file(app, level: str) -> tuple[str, str]:
    body = minimal_report(consent_level=level, contact=CONTACT, what_happened=WHAT)
    response = app.test_client().post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"], response.get_json()["receipt_code"]


def record(client, reference: str, level: str, given_by: str = "phone"):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(
        f"/coordinator/reports/{reference}/consent",
        data={"level": level, "given_by": given_by, "csrf_token": token},
    )


def decide(client, reference: str, request_id: int, decision: str):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(f"/coordinator/consent/{request_id}", data={"decision": decision, "csrf_token": token})


def the_report(db, reference: str) -> Report:
    db.expire_all()
    return db.scalar(select(Report).where(Report.reference == reference))


def unit_seals(db, report: Report) -> set[int]:
    """Ids of the sealed keys labelled for the unit, for this report."""
    return {seal.id for section in report.sections for seal in section.sealed_keys if seal.holder == sections.UNIT}


def police_openable(db, passphrase, report: Report) -> set[str]:
    return try_every_section(db, report, unit_pair(db, passphrase, report.police_unit_id))


def audit_by(db, action: str) -> list[tuple[int, str]]:
    db.expire_all()
    return db.execute(select(AuditEntry.actor_id, AuditEntry.report_id).where(AuditEntry.action == action)).all()


def test_one_coordinator_alone_cannot_make_a_report_readable_by_police(app, passphrase, db_session, clock):
    reference, _ = file(app, "alert_only")
    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")

    assert record(carla, reference, "full").status_code == 302
    report = the_report(db_session, reference)
    request = db_session.scalar(select(StaffConsent))
    assert (request.state, request.level, request.recorded_by) == ("pending", "full", carla_user.id)
    assert report.consent_level == "alert_only"
    assert db_session.scalar(select(func.count()).where(SealedSectionKey.holder == sections.UNIT)) == 0
    assert police_openable(db_session, passphrase, report) == set()
    page = carla.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert "Waiting for a second coordinator." in page
    assert f"/coordinator/consent/{request.id}" not in page

    # Her own approval, posted directly, is refused and changes nothing.
    refused = decide(carla, reference, request.id, "approve")
    assert refused.status_code == 409
    assert "A second coordinator must approve consent that you recorded." in refused.get_data(as_text=True)
    report = the_report(db_session, reference)
    assert report.consent_level == "alert_only"
    assert db_session.get(StaffConsent, request.id).state == "pending"
    assert unit_seals(db_session, report) == set()
    assert police_openable(db_session, passphrase, report) == set()
    assert audit_by(db_session, "staff_consent_approved") == []

    # Nor can she pass it on.
    token = csrf(carla, f"/coordinator/reports/{reference}")
    assert carla.post(f"/coordinator/reports/{reference}/pass", data={"csrf_token": token}).status_code == 409
    assert db_session.scalar(select(PoliceRelease.id)) is None
    assert audit_by(db_session, "staff_consent_recorded") == [(carla_user.id, report.id)]


def test_second_coordinator_approval_seals_exactly_the_new_sections(app, passphrase, db_session, clock):
    reference, _ = file(app, "anonymous_intel")
    report = the_report(db_session, reference)
    before = unit_seals(db_session, report)
    assert police_openable(db_session, passphrase, report) == {"incident", "perpetrator"}

    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")
    dana, dana_user = signed_in(app, passphrase, "dana", "coordinator")
    assert record(carla, reference, "full", "in_person").status_code == 302
    request_id = db_session.scalar(select(StaffConsent.id))
    page = dana.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert f"/coordinator/consent/{request_id}" in page

    assert decide(dana, reference, request_id, "approve").status_code == 302
    report = the_report(db_session, reference)
    assert report.consent_level == "full"
    after = unit_seals(db_session, report)
    assert before < after
    added = {section.name for section in report.sections for seal in section.sealed_keys if seal.id in after - before}
    assert added == {"identity"}
    assert police_openable(db_session, passphrase, report) == {"identity", "incident", "perpetrator"}
    change = db_session.scalars(select(ConsentChange).order_by(ConsentChange.id.desc())).first()
    assert (change.from_level, change.to_level, change.actor) == ("anonymous_intel", "full", "staff")
    assert audit_by(db_session, "staff_consent_recorded") == [(carla_user.id, report.id)]
    assert audit_by(db_session, "staff_consent_approved") == [(dana_user.id, report.id)]
    # Decided once: a second decision is refused.
    assert decide(dana, reference, request_id, "reject").status_code == 409

    # The officer now reads how to contact the reporter.
    token = csrf(carla, f"/coordinator/reports/{reference}")
    assert carla.post(f"/coordinator/reports/{reference}/pass", data={"csrf_token": token}).status_code == 302
    officer = create(app, "pc.smith", "police", unit_id=report.police_unit_id)
    grant(app, officer, passphrase)
    police = app.test_client()
    login(police, officer)
    release_id = db_session.scalar(select(PoliceRelease.id))
    token = csrf(police, f"/police/reports/{release_id}")
    body = police.post(
        f"/police/reports/{release_id}/open", data={"reason": "follow_up", "csrf_token": token}
    ).get_data(as_text=True)
    assert WHAT in body and CONTACT in body


def test_approval_from_alert_only_to_anonymous_seals_no_identity(app, passphrase, db_session, clock):
    reference, _ = file(app, "alert_only")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dana, _ = signed_in(app, passphrase, "dana", "coordinator")
    record(carla, reference, "anonymous_intel")
    assert decide(dana, reference, db_session.scalar(select(StaffConsent.id)), "approve").status_code == 302
    report = the_report(db_session, reference)
    assert police_openable(db_session, passphrase, report) == {"incident", "perpetrator"}
    assert len(unit_seals(db_session, report)) == 2


def test_rejection_seals_nothing(app, passphrase, db_session, clock):
    reference, _ = file(app, "alert_only")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dana, dana_user = signed_in(app, passphrase, "dana", "coordinator")
    record(carla, reference, "full")
    request_id = db_session.scalar(select(StaffConsent.id))
    assert decide(dana, reference, request_id, "reject").status_code == 302
    report = the_report(db_session, reference)
    assert db_session.get(StaffConsent, request_id).state == "rejected"
    assert report.consent_level == "alert_only"
    assert unit_seals(db_session, report) == set()
    assert police_openable(db_session, passphrase, report) == set()
    assert audit_by(db_session, "staff_consent_rejected") == [(dana_user.id, report.id)]
    assert audit_by(db_session, "staff_consent_approved") == []


def test_coordinator_without_the_scheme_key_cannot_approve(app, passphrase, db_session, clock):
    reference, _ = file(app, "alert_only")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    newcomer, _ = signed_in(app, passphrase, "nina", "coordinator", granted=False)
    record(carla, reference, "full")
    request_id = db_session.scalar(select(StaffConsent.id))
    assert decide(newcomer, reference, request_id, "approve").status_code == 403
    report = the_report(db_session, reference)
    assert db_session.get(StaffConsent, request_id).state == "pending"
    assert report.consent_level == "alert_only"
    assert unit_seals(db_session, report) == set()
    assert audit_by(db_session, "staff_consent_approved") == []


def test_request_recorded_before_the_reporter_withdrew_cannot_be_approved(app, passphrase, db_session, clock):
    reference, code = file(app, "anonymous_intel")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dana, _ = signed_in(app, passphrase, "dana", "coordinator")
    record(carla, reference, "full")
    request_id = db_session.scalar(select(StaffConsent.id))

    reporter = app.test_client()
    response = reporter.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "alert_only"})
    assert response.status_code == 200
    page = dana.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert f"/coordinator/consent/{request_id}" not in page

    assert decide(dana, reference, request_id, "approve").status_code == 409
    report = the_report(db_session, reference)
    assert db_session.get(StaffConsent, request_id).state == "superseded"
    assert report.consent_level == "alert_only"
    assert unit_seals(db_session, report) == set()
    assert police_openable(db_session, passphrase, report) == set()
    assert re.search(r"Consent\s*</dt>\s*<dd[^>]*>Alert only", page)
