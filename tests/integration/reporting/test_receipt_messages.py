"""Messages on the receipt: a coordinator writes to the reporter from the report's page; she
sees "you have a message" in her language the next time she enters her code, reads it and
answers; the coordinator reads the answer only by opening the report for a stated reason
(audited). A wrong code sees nothing; no police unit holds a message key at any consent level;
the raw database holds no message text; erasure takes the messages with the report. At "full
report" a coordinator may pass one message on to the police unit (audited): its officers then
read that one only, and lose it when she narrows her consent; below it, no message can be.
"""

from __future__ import annotations

import re
import secrets

import pytest
from sqlalchemy import func, select

from tests.support.app import form_token, minimal_report
from tests.support.dbscan import find_plaintext
from tests.support.reading import group_pairs
from tests.support.staff import csrf, signed_in
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.keys import erasure as erasure_keys
from ugly_mugs.models import AuditEntry, GroupKey, PoliceRelease, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import erasure, sections

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
REFERENCE = re.compile(r"UM-[0-9A-Z]{7}")
TO_HER = "MsgCanaryToHer can we call you about the car he drove?"
FROM_HER = "MsgCanaryFromHer yes, after 6pm on the usual number"

# "You have a message from us." in each language of the reporter pages.
NOTICES = {
    "en": "You have a message from us.",
    "pl": "Masz od nas wiadomość.",
    "ro": "Ai un mesaj de la noi.",
    "pt-BR": "Você tem uma mensagem nossa.",
    "bg": "Имаш съобщение от нас.",
}


def file_report(client, lang: str = "", **fields) -> tuple[str, str]:
    q = f"?lang={lang}" if lang else ""
    response = client.post("/report" + q, data=minimal_report(form_token=form_token(client, "/report" + q), **fields))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    return REFERENCE.search(page).group(0), CODE.search(page).group(1)


def status_page(client, code: str, lang: str = ""):
    q = f"?lang={lang}" if lang else ""
    return client.post("/receipt" + q, data={"receipt_code": code, "form_token": form_token(client, "/receipt" + q)})


def reply(client, code: str, text: str):
    return client.post(
        "/receipt/reply", data={"receipt_code": code, "answer": text, "form_token": form_token(client, "/receipt")}
    )


def send(staff, reference: str, text: str):
    path = f"/coordinator/reports/{reference}"
    return staff.post(f"{path}/messages", data={"text": text, "csrf_token": csrf(staff, path)})


def open_report(staff, reference: str, reason: str = "follow_up"):
    path = f"/coordinator/reports/{reference}"
    return staff.post(f"{path}/open", data={"reason": reason, "csrf_token": csrf(staff, path)})


@pytest.fixture
def coordinator(app, passphrase):
    staff, user = signed_in(app, passphrase, "casey", "coordinator")
    return staff, user


def test_a_conversation_on_the_receipt(app, client, coordinator, db_session):
    staff, user = coordinator
    reference, code = file_report(client)
    # Before any message: no notice, an empty conversation.
    page = status_page(client, code).get_data(as_text=True)
    assert NOTICES["en"] not in page
    assert "No messages yet" in page

    response = send(staff, reference, TO_HER)
    assert response.status_code == 302
    assert "Message stored" in staff.get(response.headers["Location"]).get_data(as_text=True)

    page = status_page(client, code).get_data(as_text=True)
    assert NOTICES["en"] in page
    assert TO_HER in page
    # Shown once: the next visit shows the conversation without the notice.
    page = status_page(client, code).get_data(as_text=True)
    assert NOTICES["en"] not in page and TO_HER in page

    response = reply(client, code, FROM_HER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your answer has been sent" in page and FROM_HER in page

    # The coordinator's page says an answer is waiting, shows it only when opened for a reason.
    page = staff.get(f"/coordinator/reports/{reference}").get_data(as_text=True)
    assert 'id="reply-waiting"' in page and FROM_HER not in page
    page = open_report(staff, reference).get_data(as_text=True)
    assert FROM_HER in page and TO_HER in page
    db_session.expire_all()
    read = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "messages_read")).all()
    assert [(e.actor_id, e.reason) for e in read] == [(user.id, "follow_up")]
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"message_sent", "message_replied"} <= actions
    # No audit entry holds the text.
    for entry in db_session.scalars(select(AuditEntry)):
        assert "MsgCanary" not in repr(entry.detail)
    assert db_session.scalar(select(Report.message_waiting)) is None


@pytest.mark.parametrize("lang", list(NOTICES))
def test_the_notice_is_in_her_language(client, coordinator, lang):
    staff, _ = coordinator
    reference, code = file_report(client, lang)
    send(staff, reference, TO_HER)
    page = status_page(client, code, lang).get_data(as_text=True)
    assert NOTICES[lang] in page
    assert TO_HER in page


def test_a_wrong_code_sees_nothing_and_cannot_reply(client, coordinator, db_session):
    staff, _ = coordinator
    reference, code = file_report(client)
    send(staff, reference, TO_HER)
    wrong = ("Z" if code[0] != "Z" else "Y") + code[1:]
    for response in (status_page(client, wrong), reply(client, wrong, "IntruderCanary")):
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert TO_HER not in page and "message" not in page.lower().replace("messages", "")
    db_session.expire_all()
    stored = select(func.count()).select_from(ReportSection).where(ReportSection.name == sections.MESSAGE)
    assert db_session.scalar(stored) == 1


def test_an_empty_or_too_long_answer_is_refused_and_kept(client, coordinator):
    staff, _ = coordinator
    reference, code = file_report(client)
    send(staff, reference, TO_HER)
    response = reply(client, code, "   ")
    assert response.status_code == 400
    assert "Write your answer first." in response.get_data(as_text=True)
    long = "x" * 2001
    response = reply(client, code, long)
    assert response.status_code == 400
    assert long in response.get_data(as_text=True)


def test_an_empty_message_from_a_coordinator_is_refused(client, coordinator):
    staff, _ = coordinator
    reference, _ = file_report(client)
    response = send(staff, reference, "")
    assert response.status_code == 400
    assert "Write the message first." in response.get_data(as_text=True)


@pytest.mark.parametrize("level", ["alert_only", "anonymous_intel", "full"])
def test_no_police_unit_holds_a_message_key(app, client, coordinator, passphrase, db_session, level):
    staff, _ = coordinator
    reference, code = file_report(client, consent_level=level)
    send(staff, reference, TO_HER)
    reply(client, code, FROM_HER)
    db_session.expire_all()
    report = db_session.scalar(select(Report))
    message_sections = db_session.scalars(
        select(ReportSection).where(ReportSection.report_id == report.id, ReportSection.name == sections.MESSAGE)
    ).all()
    assert len(message_sections) == 2
    holders = {s.holder for m in message_sections for s in m.sealed_keys}
    assert holders == {sections.SCHEME, sections.RECEIPT}
    # Every unit's private key, against every stored seal of a message: none opens.
    units = db_session.scalars(select(GroupKey).where(GroupKey.police_unit_id.is_not(None))).all()
    pairs = group_pairs(db_session, passphrase)
    key = erasure_keys.report_key(db_session, report.id)
    for m in message_sections:
        for seal in m.sealed_keys:
            for unit in units:
                with pytest.raises((DecryptionError, ValueError)):
                    sections.open_with_key_pair(
                        pairs[unit.id], seal.sealed, report.id, m.name, m.version, sections.UNIT, key
                    )


def test_the_raw_database_holds_no_message_text(client, coordinator, database_url):
    staff, _ = coordinator
    reference, code = file_report(client)
    send(staff, reference, TO_HER)
    reply(client, code, FROM_HER)
    assert find_plaintext(database_url, [TO_HER, FROM_HER, "MsgCanaryToHer", "MsgCanaryFromHer"]) == []


def test_erasure_takes_the_messages(app, client, coordinator, db_session):
    staff, _ = coordinator
    reference, code = file_report(client)
    send(staff, reference, TO_HER)
    reply(client, code, FROM_HER)
    response = client.post(
        "/receipt/delete",
        data={"receipt_code": code, "confirm": "yes", "form_token": form_token(client, "/receipt")},
    )
    assert response.status_code == 200
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0
    assert db_session.scalar(select(func.count()).select_from(SealedSectionKey)) == 0
    report = db_session.scalar(select(Report))
    assert report.receipt_public_key is None and report.message_waiting is None
    # Nothing more can be sent to her.
    response = send(staff, reference, "After erasure")
    page = response.get_data(as_text=True)
    assert "After erasure" not in page or response.status_code != 302
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0


def test_a_report_filed_before_messages_gets_her_key_at_her_next_visit(client, coordinator, db_session):
    staff, _ = coordinator
    reference, code = file_report(client)
    report = db_session.scalar(select(Report))
    report.receipt_public_key = None
    db_session.commit()
    response = send(staff, reference, TO_HER)
    assert response.status_code == 409
    assert "She cannot receive messages" in response.get_data(as_text=True)
    status_page(client, code)
    assert send(staff, reference, TO_HER).status_code == 302
    assert TO_HER in status_page(client, code).get_data(as_text=True)


def test_erasure_service_removes_message_rows(app, client, coordinator, db_session):
    staff, _ = coordinator
    reference, code = file_report(client)
    send(staff, reference, TO_HER)
    report = db_session.scalar(select(Report))
    erasure.erase(db_session, report, erasure.BY_RETENTION)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 0


def police_view(app, passphrase, db_session, reference: str, staff) -> str:
    """Pass the report to its unit (if not yet) and return what an officer of it sees on opening it."""
    path = f"/coordinator/reports/{reference}"
    if db_session.scalar(select(func.count()).select_from(PoliceRelease)) == 0:
        staff.post(f"{path}/pass", data={"note": "", "csrf_token": csrf(staff, path)})
    police, _ = signed_in(app, passphrase, f"pc{secrets.token_hex(2)}", "police")
    release_id = db_session.scalar(select(PoliceRelease.id))
    token = csrf(police, f"/police/reports/{release_id}")
    opened = police.post(f"/police/reports/{release_id}/open", data={"reason": "investigation", "csrf_token": token})
    assert opened.status_code == 200
    return opened.get_data(as_text=True)


def pass_message(staff, reference: str, number: int):
    path = f"/coordinator/reports/{reference}"
    return staff.post(f"{path}/messages/{number}/pass", data={"csrf_token": csrf(staff, path)})


@pytest.mark.parametrize("level", ["alert_only", "anonymous_intel"])
def test_below_full_report_no_message_can_be_passed_on(client, coordinator, db_session, level):
    staff, _ = coordinator
    reference, code = file_report(client, consent_level=level)
    send(staff, reference, TO_HER)
    response = pass_message(staff, reference, 1)
    assert response.status_code == 409
    assert "full report" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(
        select(func.count()).select_from(SealedSectionKey).where(SealedSectionKey.holder == "unit")
    ) == (0 if level == "alert_only" else 2)


def test_at_full_report_one_message_passed_on_reaches_the_police_and_goes_when_she_narrows(
    app, client, coordinator, passphrase, db_session
):
    staff, user = coordinator
    reference, code = file_report(client, consent_level="full")
    send(staff, reference, TO_HER)
    reply(client, code, FROM_HER)
    page = police_view(app, passphrase, db_session, reference, staff)
    assert "He hit me." in page and TO_HER not in page and FROM_HER not in page

    page = open_report(staff, reference).get_data(as_text=True)
    assert page.count("Pass this message to the police") == 2
    assert pass_message(staff, reference, 2).status_code == 302
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "message_passed_on"))
    assert entry.actor_id == user.id and entry.detail == {"number": 2}
    page = police_view(app, passphrase, db_session, reference, staff)
    assert FROM_HER in page and TO_HER not in page
    assert 'id="message-2-passed"' in open_report(staff, reference).get_data(as_text=True)

    # She narrows her consent: the unit's seal on the message goes with the identity section's.
    token = form_token(client, "/receipt")
    client.post(
        "/receipt/consent", data={"receipt_code": code, "consent_level": "anonymous_intel", "form_token": token}
    )
    page = police_view(app, passphrase, db_session, reference, staff)
    assert FROM_HER not in page
    db_session.expire_all()
    message_unit_seals = (
        select(func.count())
        .select_from(SealedSectionKey)
        .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
        .where(ReportSection.name == sections.MESSAGE, SealedSectionKey.holder == sections.UNIT)
    )
    assert db_session.scalar(message_unit_seals) == 0
