"""Coordinators erasing a report: one asks, a second approves, and it is the reporter's erasure.

Proves: asking erases nothing; the coordinator who asked cannot approve (409, nothing changes);
a second coordinator's approval erases the report with the one erasure (its sections, case
notes and unpublished drafts gone, its erasure key destroyed, its receipt code answering
"deleted"), each step audited with who took it; a rejection keeps the report and lets a new
request be made; a second request while one waits, a request for an erased report and one
without a reason are refused with a message and change nothing; a request still waiting when
the reporter erased the report herself lapses and can no longer be approved.
"""

from __future__ import annotations

from sqlalchemy import func, select

from tests.support.app import form_token
from tests.support.erasure import file, report_of
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import AuditEntry, CaseNote, ErasureRequest, ReportSection


def ask(client, reference: str, reason: str = "reporter_asked"):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(f"/coordinator/reports/{reference}/erase", data={"reason": reason, "csrf_token": token})


def decide(client, reference: str, request_id: int, decision: str):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(f"/coordinator/erasure/{request_id}", data={"decision": decision, "csrf_token": token})


def note(client, reference: str, text: str):
    token = csrf(client, f"/coordinator/reports/{reference}")
    return client.post(f"/coordinator/reports/{reference}/notes", data={"text": text, "csrf_token": token})


def the_request(db) -> ErasureRequest:
    db.expire_all()
    return db.scalars(select(ErasureRequest).order_by(ErasureRequest.id.desc())).first()


def actions(db) -> list[tuple[str, int | None]]:
    db.expire_all()
    wanted = ("erasure_requested", "erasure_approved", "erasure_rejected", "report_erased")
    return db.execute(
        select(AuditEntry.action, AuditEntry.actor_id).where(AuditEntry.action.in_(wanted)).order_by(AuditEntry.id)
    ).all()


def test_one_asks_a_second_approves_and_the_report_is_erased(app, passphrase, db_session, clock):
    filed = file(app.test_client(), "Coord", "full", photos=True)
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 5, "3 sections and 2 photos"
    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")
    dev, dev_user = signed_in(app, passphrase, "dev", "coordinator")
    assert note(carla, filed.reference, "Rang her").status_code == 302

    assert ask(carla, filed.reference).status_code == 302
    asked = the_request(db_session)
    assert (asked.state, asked.requested_by, asked.reason) == ("pending", carla_user.id, "reporter_asked")
    assert report_of(db_session, filed.reference).status == "received", "asking erases nothing"
    page = carla.get(f"/coordinator/reports/{filed.reference}").get_data(as_text=True)
    assert "Waiting for a second coordinator." in page

    refused = decide(carla, filed.reference, asked.id, "approve")
    assert refused.status_code == 409
    assert "A second coordinator must approve deleting" in refused.get_data(as_text=True)
    assert the_request(db_session).state == "pending"
    assert report_of(db_session, filed.reference).status == "received"

    assert decide(dev, filed.reference, asked.id, "approve").status_code == 302
    report = report_of(db_session, filed.reference)
    assert report.status == "erased"
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0
    assert db_session.scalar(select(func.count()).select_from(CaseNote)) == 0
    assert app.extensions["ugly_mugs.keystore"].lookup([report.id]) == ({}, {report.id})
    answer = app.test_client().post("/api/v1/receipt/status", json={"receipt_code": filed.code})
    assert answer.status_code == 410
    assert actions(db_session) == [
        ("erasure_requested", carla_user.id),
        ("erasure_approved", dev_user.id),
        ("report_erased", dev_user.id),
    ]
    page = dev.get(f"/coordinator/reports/{filed.reference}").get_data(as_text=True)
    assert "Deleted" in page and "Ask to delete" not in page and "Open the report" not in page


def test_a_rejection_keeps_it_and_bad_requests_change_nothing(app, passphrase, db_session, clock):
    filed = file(app.test_client(), "Kept", "alert_only")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dev, _ = signed_in(app, passphrase, "dev", "coordinator")

    refused = ask(carla, filed.reference, reason="")
    assert refused.status_code == 400 and "Choose why the report should be deleted." in refused.get_data(as_text=True)
    assert ask(carla, filed.reference, reason="because").status_code == 400
    assert the_request(db_session) is None

    assert ask(carla, filed.reference).status_code == 302
    twice = ask(dev, filed.reference, reason="duplicate")
    assert twice.status_code == 409 and "already been asked for" in twice.get_data(as_text=True)
    asked = the_request(db_session)
    assert decide(dev, filed.reference, asked.id, "reject").status_code == 302
    assert the_request(db_session).state == "rejected"
    assert report_of(db_session, filed.reference).status == "received"
    again = decide(dev, filed.reference, asked.id, "approve")
    assert again.status_code == 409 and "This has already been decided." in again.get_data(as_text=True)
    assert ask(dev, filed.reference, reason="duplicate").status_code == 302, "a new request may follow"
    assert decide(dev, filed.reference, 999_999, "approve").status_code == 404


def test_a_request_waiting_when_she_erased_it_herself_lapses(app, passphrase, db_session, clock):
    reporter = app.test_client()
    filed = file(reporter, "Herself", "alert_only")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dev, _ = signed_in(app, passphrase, "dev", "coordinator")
    assert ask(carla, filed.reference).status_code == 302
    asked = the_request(db_session)

    token = form_token(reporter, "/receipt")
    erased = reporter.post("/receipt/delete", data={"receipt_code": filed.code, "form_token": token, "confirm": "yes"})
    assert erased.status_code == 200
    assert the_request(db_session).state == "superseded"
    assert decide(dev, filed.reference, asked.id, "approve").status_code == 409
    again = ask(dev, filed.reference)
    assert again.status_code == 409 and "already been deleted" in again.get_data(as_text=True)
    assert [a for a, _ in actions(db_session)] == ["erasure_requested", "report_erased"]
