"""From a report to a published, updated and retracted alert, through the coordinator pages.

Proves that a coordinator files nothing but opens a report for a reason, starts a draft that is
prefilled with facts about him only (what he did, his car and number: not her own words, nor her
name, contact, exact place and time), sees her words beside it on asking (an audited reading), is
blocked when the draft repeats the reporter's name or her number written another way (the page
marks the words, escaped), fixes it and publishes what the form shows; that publishing writes
one AlertMessage with a stable id and one pending delivery per channel of the projects covering
the alert's areas (and none for a project elsewhere), sets the report's status and is audited;
that an update and a retraction are new, clearly marked messages with their own deliveries; that
with approval configured the author cannot approve and a second coordinator can; that case notes
and drafts are not readable in the stored database; that status changes are audited; and that
bad input (empty draft, unknown area or severity, stale CSRF, unknown alert) gets a clear answer,
never a 500.
"""

from __future__ import annotations

import html
import re
import secrets

import pytest
from sqlalchemy import func, select

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.app import make_app
from tests.support.dbscan import find_plaintext
from tests.support.mailsink import smtp_server
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import (
    Alert,
    AlertMessage,
    Area,
    AuditEntry,
    CaseNote,
    Delivery,
    Project,
    ProjectArea,
    ProjectChannel,
    Report,
)

NAME = "Zoë Marlowe"
CONTACT = "text me on 07700 900123"
PLACE = "12 Canary Street"
HIS_PHONE = "07700 900999"
WHAT = "He refused to pay and pushed me out of the car."


def file(app, **extra) -> str:
    body = {
        "incident_date": "2026-11-20",
        "incident_time": "23:15",
        "part_of_day": "night",
        "area": "holbeck",
        "place": PLACE,
        "categories": ["refused-to-pay"],
        "what_happened": WHAT,
        "reporter_name": NAME,
        "contact": CONTACT,
        "phone_numbers": HIS_PHONE,
        "vehicle_colour": "grey",
        "vehicle_make": "Ford",
        "consent_level": "alert_only",
        **extra,
    }
    response = app.test_client().post("/api/v1/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def projects(app) -> dict[str, int]:
    """Basis covers Holbeck (email and webhook), Elsewhere covers Chapeltown (email)."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        areas = {a.code: a.id for a in session.scalars(select(Area))}
        basis, elsewhere = Project(name="Basis Yorkshire"), Project(name="Elsewhere")
        session.add_all([basis, elsewhere])
        session.flush()
        session.add_all(
            [
                ProjectArea(project_id=basis.id, area_id=areas["holbeck"]),
                ProjectArea(project_id=elsewhere.id, area_id=areas["chapeltown"]),
                ProjectChannel(project_id=basis.id, kind="email", target="alerts@basis.example"),
                ProjectChannel(project_id=basis.id, kind="webhook", target="https://basis.example/h"),
                ProjectChannel(project_id=elsewhere.id, kind="email", target="alerts@elsewhere.example"),
            ]
        )
        session.commit()
        return {"basis": basis.id, "elsewhere": elsewhere.id}


def post(client, path: str, data: dict, page: str):
    return client.post(path, data={**data, "csrf_token": csrf(client, page)})


def start_draft(client, reference: str) -> str:
    report_page = f"/coordinator/reports/{reference}"
    response = post(client, f"{report_page}/alerts", {}, report_page)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def draft_fields(page: str) -> dict:
    title = re.search(r'<input[^>]*name="title"[^>]*value="([^"]*)"', page)
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\s*(.*?)</textarea>', page, re.S)
    return {"title": title.group(1) if title else "", "body": body.group(1) if body else ""}


def save(client, alert_ref: str, **fields):
    data = {
        "title": "Refused to pay – Holbeck",
        "body": "Man in a grey Ford refused to pay. Phone " + HIS_PHONE,
        "severity": "warning",
        "areas": ["holbeck"],
        "incident_week": "2026-11-16",
        "part_of_day": "night",
        **fields,
    }
    return post(client, f"/coordinator/alerts/{alert_ref}/draft", data, f"/coordinator/alerts/{alert_ref}")


def shown(page: str) -> str:
    """The fingerprint of the draft an approval page shows."""
    return re.search(r'name="shown"[^>]*value="([0-9a-f]+)"|value="([0-9a-f]+)"[^>]*name="shown"', page).group(1)


def publish_form(client, alert_ref: str, **fields):
    """Press Publish on the draft form as it stands on screen with ``fields``."""
    data = {
        "title": "Refused to pay – Holbeck",
        "body": "Man in a grey Ford refused to pay. Phone " + HIS_PHONE,
        "severity": "warning",
        "areas": ["holbeck"],
        "incident_week": "2026-11-16",
        "part_of_day": "night",
        **fields,
    }
    return post(client, f"/coordinator/alerts/{alert_ref}/publish", data, f"/coordinator/alerts/{alert_ref}")


def act(client, alert_ref: str, action: str, **data):
    return post(client, f"/coordinator/alerts/{alert_ref}/{action}", data, f"/coordinator/alerts/{alert_ref}")


def audit_actions(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_file_open_draft_blocked_fix_publish_update_retract(app, passphrase, db_session, clock):
    ids = projects(app)
    reference = file(app)
    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")
    report_page = f"/coordinator/reports/{reference}"

    opened = post(carla, f"{report_page}/open", {"reason": "triage"}, report_page).get_data(as_text=True)
    assert WHAT in opened and NAME in opened

    alert_ref = start_draft(carla, reference)
    assert re.fullmatch(r"A-[0-9A-HJKMNP-TV-Z]{6}", alert_ref)
    page = carla.get(f"/coordinator/alerts/{alert_ref}").get_data(as_text=True)
    prefilled = draft_fields(page)
    assert "Refused to pay" in prefilled["title"] and "Holbeck" in prefilled["title"]
    assert "What he did: Refused to pay" in prefilled["body"]
    assert HIS_PHONE in prefilled["body"] and "grey, Ford" in prefilled["body"]
    assert WHAT not in prefilled["body"] and WHAT not in page
    for secret in ("Zo", "Marlowe", "900123", "Canary", "23:15", "2026-11-20"):
        assert secret not in prefilled["body"] and secret not in prefilled["title"], secret
    assert audit_actions(db_session, "alert_drafted")[0].actor_id == carla_user.id
    # Showing the draft is a reading of report-derived text: audited.
    assert [e.detail for e in audit_actions(db_session, "alert_draft_read")] == [{"alert": alert_ref}]
    # Her own words beside the draft, on asking: an audited reading of the report.
    reads = len(audit_actions(db_session, "report_read"))
    words = act(carla, alert_ref, "words").get_data(as_text=True)
    assert "The reporter's own words" in html.unescape(words) and WHAT in words.split('id="her-words"')[1]
    assert len(audit_actions(db_session, "report_read")) == reads + 1

    # Her name (no accent, any case) and her number written the international way: saved, but marked.
    response = save(carla, alert_ref, body="Zoe <b>said</b> he rang +44 7700 900123. His phone " + HIS_PHONE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Anonymity check: blocked" in page
    assert "<mark>Zoe</mark>" in page and "<mark>+44 7700 900123</mark>" in page
    assert "&lt;b&gt;said&lt;/b&gt;" in page and "<b>said</b>" not in page
    assert f"<mark>{HIS_PHONE}</mark>" not in page

    # Publishing runs the check again on the server and refuses, naming each phrase.
    response = publish_form(carla, alert_ref, body="Zoe <b>said</b> he rang +44 7700 900123. His phone " + HIS_PHONE)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "<mark>Zoe</mark>" in response.get_data(as_text=True)
    assert "“Zoe” in the text is a form of the reporter's name." in page
    assert "“+44 7700 900123” in the text is the reporter's phone number." in page
    # The re-shown form keeps what was sent, areas too.
    assert re.search(r'<input checked[^>]*name="areas"[^>]*value="holbeck"', response.get_data(as_text=True))
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AlertMessage)) == 0
    assert db_session.scalar(select(Alert.status).where(Alert.reference == alert_ref)) == "draft"

    # Fixed: passes the check and publishes.
    response = save(carla, alert_ref)
    assert "Anonymity check passed" in response.get_data(as_text=True)
    response = publish_form(carla, alert_ref)
    assert response.status_code == 302
    db_session.expire_all()
    alert = db_session.scalar(select(Alert).where(Alert.reference == alert_ref))
    assert alert.status == "published" and alert.published_at is not None
    message = db_session.scalar(select(AlertMessage).where(AlertMessage.alert_id == alert.id))
    assert (message.kind, message.sequence, message.severity) == ("alert", 1, "warning")
    assert re.fullmatch(r"[0-9a-f]{32}", message.message_id)
    assert message.areas == "Holbeck" and message.part_of_day == "night"
    assert str(message.incident_week) == "2026-11-16"
    assert HIS_PHONE in message.body
    deliveries = db_session.scalars(select(Delivery).where(Delivery.message_id == message.id)).all()
    assert sorted((d.project_id, d.kind, d.status) for d in deliveries) == [
        (ids["basis"], "email", "pending"),
        (ids["basis"], "webhook", "pending"),
    ]
    assert db_session.scalar(select(Report.status).where(Report.reference == reference)) == "alert_published"
    published = audit_actions(db_session, "alert_published")
    assert [(e.actor_id, e.detail["message"]) for e in published] == [(carla_user.id, message.message_id)]
    assert HIS_PHONE not in str(published[0].detail)

    # A blocked update sends nothing; a clean one is marked UPDATE and goes to the same channels.
    response = act(carla, alert_ref, "update", title="Seen again", body="Zoe saw him again.", severity="urgent")
    assert response.status_code == 422 and "<mark>Zoe</mark>" in response.get_data(as_text=True)
    response = act(carla, alert_ref, "update", title="Seen again", body="Seen again in Holbeck.", severity="urgent")
    assert response.status_code == 302
    # Retraction.
    response = act(carla, alert_ref, "retract", note="He was misidentified.")
    assert response.status_code == 302
    db_session.expire_all()
    messages = db_session.scalars(select(AlertMessage).order_by(AlertMessage.sequence)).all()
    assert [(m.kind, m.sequence) for m in messages] == [("alert", 1), ("update", 2), ("retraction", 3)]
    assert messages[1].title == "UPDATE: Seen again" and messages[1].severity == "urgent"
    assert messages[2].title.startswith("RETRACTED: ") and alert_ref in messages[2].body
    assert len({m.message_id for m in messages}) == 3
    for m in messages[1:]:
        kinds = sorted(d.kind for d in db_session.scalars(select(Delivery).where(Delivery.message_id == m.id)))
        assert kinds == ["email", "webhook"], m.kind
    assert db_session.scalar(select(Alert.status).where(Alert.reference == alert_ref)) == "retracted"
    assert len(audit_actions(db_session, "alert_update")) == 1
    assert len(audit_actions(db_session, "alert_retraction")) == 1
    page = carla.get(f"/coordinator/alerts/{alert_ref}").get_data(as_text=True)
    assert "UPDATE: Seen again" in page and "RETRACTED: " in page
    listing = carla.get("/coordinator/alerts?status=retracted").get_data(as_text=True)
    assert alert_ref in listing
    # Nothing more can be sent once retracted.
    assert act(carla, alert_ref, "retract").status_code == 409


def test_approval_by_a_second_coordinator(database_url, app, passphrase, db_session, clock):
    projects(app)
    approving = make_app(database_url, ALERT_APPROVAL=True)
    try:
        reference = file(approving)
        carla, carla_user = signed_in(approving, passphrase, "carla", "coordinator")
        dana, dana_user = signed_in(approving, passphrase, "dana", "coordinator")
        alert_ref = start_draft(carla, reference)
        assert save(carla, alert_ref).status_code == 200
        assert "Send for approval" in carla.get(f"/coordinator/alerts/{alert_ref}").get_data(as_text=True)
        assert publish_form(carla, alert_ref).status_code == 302
        db_session.expire_all()
        alert = db_session.scalar(select(Alert).where(Alert.reference == alert_ref))
        assert (alert.status, alert.submitted_by) == ("awaiting_approval", carla_user.id)
        # Taken back for editing and sent again; taking back what is not waiting is refused.
        assert act(carla, alert_ref, "return").status_code == 302
        db_session.expire_all()
        alert = db_session.scalar(select(Alert).where(Alert.reference == alert_ref))
        assert (alert.status, alert.submitted_by) == ("draft", None)
        refused = act(carla, alert_ref, "return")
        assert refused.status_code == 409 and "not waiting for approval" in refused.get_data(as_text=True)
        assert publish_form(carla, alert_ref).status_code == 302
        # The author cannot approve; nothing is sent.
        page = dana.get(f"/coordinator/alerts/{alert_ref}").get_data(as_text=True)
        assert act(carla, alert_ref, "approve", shown=shown(page)).status_code == 409
        assert db_session.scalar(select(func.count()).select_from(AlertMessage)) == 0
        assert "Approve and publish" in page
        # What is approved is what the approver saw: a draft changed since is refused.
        assert act(dana, alert_ref, "approve", shown="0" * 64).status_code == 409
        assert act(dana, alert_ref, "approve", shown=shown(page)).status_code == 302
        db_session.expire_all()
        alert = db_session.scalar(select(Alert).where(Alert.reference == alert_ref))
        assert (alert.status, alert.approved_by) == ("published", dana_user.id)
        assert db_session.scalar(select(func.count()).select_from(Delivery)) == 2
    finally:
        approving.extensions["ugly_mugs.engine"].dispose()


def test_notes_and_drafts_are_stored_encrypted_and_status_is_audited(database_url, app, passphrase, db_session, clock):
    reference = file(app)
    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")
    report_page = f"/coordinator/reports/{reference}"
    note_canary = f"NoteCanary{secrets.token_hex(6)}"
    draft_canary = f"DraftCanary{secrets.token_hex(6)}"

    response = post(carla, f"{report_page}/notes", {"text": f"Called her back. {note_canary}"}, report_page)
    assert response.status_code == 302
    page = carla.get(response.headers["Location"]).get_data(as_text=True)
    assert "Note added" in page and note_canary not in page
    alert_ref = start_draft(carla, reference)
    assert save(carla, alert_ref, body=f"Grey Ford. {draft_canary}").status_code == 200
    assert db_session.scalar(select(func.count()).select_from(CaseNote)) == 1
    assert find_plaintext(database_url, [note_canary, draft_canary]) == []

    # Reading the notes needs the report opened with the scheme key.
    opened = post(carla, f"{report_page}/open", {"reason": "follow_up"}, report_page).get_data(as_text=True)
    assert note_canary in opened
    assert [e.detail.get("note") for e in audit_actions(db_session, "case_note_added")] != [None]

    assert post(carla, f"{report_page}/status", {"status": "reviewed"}, report_page).status_code == 302
    assert post(carla, f"{report_page}/status", {"status": "closed"}, report_page).status_code == 302
    changes = [(e.actor_id, e.detail) for e in audit_actions(db_session, "report_status")]
    assert changes == [
        (carla_user.id, {"from": "received", "to": "reviewed"}),
        (carla_user.id, {"from": "reviewed", "to": "closed"}),
    ]
    # A closed report leaves the default inbox and no alert can be started from it.
    assert reference not in carla.get("/coordinator/reports").get_data(as_text=True)
    assert reference in carla.get("/coordinator/reports?status=closed").get_data(as_text=True)
    assert post(carla, f"{report_page}/alerts", {}, report_page).status_code == 409


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "", "body": ""}, "Give the alert a title."),
        ({"areas": ["atlantis"]}, "not a valid choice"),
        ({"severity": "apocalyptic"}, "not a valid choice"),
        ({"part_of_day": "teatime"}, "not a valid choice"),
        ({"incident_week": "not a date"}, "Write the date as YYYY-MM-DD"),
        ({"incident_week": "9999-12-31"}, "Give a date between 1900 and 2100."),
    ],
)
def test_bad_draft_input_is_refused_clearly(app, passphrase, db_session, clock, fields, message):
    reference = file(app)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    response = save(carla, alert_ref, **fields)
    assert response.status_code == 400
    assert message.lower() in response.get_data(as_text=True).lower()
    assert "The draft was not saved" in response.get_data(as_text=True)


def test_stale_csrf_unknown_alert_and_bad_filters_never_500(app, passphrase, db_session, clock):
    reference = file(app)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    for path in (f"/coordinator/alerts/{alert_ref}/publish", f"/coordinator/alerts/{alert_ref}/draft"):
        response = carla.post(path, data={"csrf_token": "stale", "title": "x", "body": "y"})
        assert response.status_code == 400, path
    assert carla.post(f"/coordinator/reports/{reference}/notes", data={"text": "x"}).status_code == 400
    assert carla.get("/coordinator/alerts/A-NOPE00").status_code == 404
    token = csrf(carla, f"/coordinator/alerts/{alert_ref}")
    assert carla.post("/coordinator/alerts/A-NOPE00/publish", data={"csrf_token": token}).status_code == 404
    assert act(carla, alert_ref, "update", title="t", body="b", severity="warning").status_code == 409
    report_page = f"/coordinator/reports/{reference}"
    assert post(carla, f"{report_page}/status", {"status": "erased"}, report_page).status_code == 400
    bad = carla.get("/coordinator/reports?status=zzz&area=atlantis&category=x&from=yesterday&after=%00garbage")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Choose an area from the list." in text and "write the date as YYYY-MM-DD" in text


def test_published_alert_reaches_a_real_smtp_server_without_the_reporters_details(app, passphrase, db_session):
    """The whole way: a report with canaries in every identity field, the prefilled draft published
    as it stands, the dispatch worker, aiosmtpd. The email carries what he did and his details,
    and none of hers."""
    canaries = {
        "reporter_name": "Canaryname Zephyrine",
        "contact": "canary-contact@example.org or 07700 900456",
        "place": "77 Canarywharf Lane",
    }
    projects(app)
    reference = file(app, **canaries, vehicle_registration="YX19 KLM")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    report_page = f"/coordinator/reports/{reference}"
    post(carla, f"{report_page}/open", {"reason": "triage"}, report_page)
    alert_ref = start_draft(carla, reference)
    prefilled = draft_fields(carla.get(f"/coordinator/alerts/{alert_ref}").get_data(as_text=True))
    unedited = {"title": html.unescape(prefilled["title"]), "body": html.unescape(prefilled["body"])}
    assert publish_form(carla, alert_ref, **unedited).status_code == 302

    with smtp_server() as (sink, port):
        config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
        tally = Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once()
    # Basis's webhook points at a host that is not there: it fails and waits for a retry.
    assert tally.delivered == 1
    [(rcpts, mail, _tls)] = sink.messages
    assert rcpts == ["alerts@basis.example"]
    text = mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
    for his in (HIS_PHONE, "YX19 KLM", "Ford", "refused to pay"):
        assert his.lower() in text.lower(), his
    for word in ("Canaryname", "Zephyrine", "canary-contact", "900456", "Canarywharf"):
        assert word.lower() not in text.lower(), word


# Every error page of an alert that opens its stored draft, with what makes it one: a bad form,
# or an action the alert's state does not allow.
DRAFT_ERROR_PAGES = [
    ("return", {}, 409),  # only an alert awaiting approval goes back to draft
    ("update", {"title": "", "body": "", "severity": "warning"}, 400),
    ("update", {"title": "t", "body": "b", "severity": "warning"}, 409),  # not published yet
    ("retract", {"note": "x" * 2001}, 400),
    ("retract", {"note": "fine"}, 409),
    ("publish", {"title": "", "body": ""}, 400),
    ("draft", {"title": "", "body": ""}, 400),
    ("approve", {"shown": "0" * 64}, 409),  # nothing awaits approval
]


@pytest.mark.parametrize(("action", "data", "status"), DRAFT_ERROR_PAGES)
def test_every_error_page_that_opens_the_draft_is_audited(app, passphrase, db_session, clock, action, data, status):
    reference = file(app)
    carla, carla_user = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    save(carla, alert_ref, title="Grey Ford – Holbeck ZqTitle")
    token = csrf(carla, f"/coordinator/alerts/{alert_ref}")
    before = len(audit_actions(db_session, "alert_draft_read"))
    response = carla.post(f"/coordinator/alerts/{alert_ref}/{action}", data={**data, "csrf_token": token})
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    reads = audit_actions(db_session, "alert_draft_read")[before:]
    assert [(e.actor_id, e.detail) for e in reads] == [(carla_user.id, {"alert": alert_ref})]


def test_a_page_shown_back_after_a_refused_token_opens_no_stored_draft(app, passphrase, db_session, clock):
    reference = file(app)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    save(carla, alert_ref, title="Grey Ford – Holbeck ZqTitle")
    carla.get(f"/coordinator/alerts/{alert_ref}")
    before = len(audit_actions(db_session, "alert_draft_read"))
    for action in ("return", "update", "retract"):
        response = carla.post(f"/coordinator/alerts/{alert_ref}/{action}", data={"csrf_token": "stale", "note": "n"})
        assert response.status_code == 400
        # Nothing may be written on a refused token, so nothing unaudited is shown either.
        assert "ZqTitle" not in response.get_data(as_text=True)
    assert len(audit_actions(db_session, "alert_draft_read")) == before


# Her number (07700 900123) begun in the alert and finished in an update, as digits or words;
# her postcode (LS6 2AB, with her place) given in its two parts.
SPLIT_ACROSS = [
    (PLACE, "If you saw him, ring the girl on 07700", "Correction", "(the rest of the number: 900123)"),
    (PLACE, "Ring 07700 9001 if you saw him", "The number again", "and then twenty three, sorry: 23"),
    (PLACE, "If you saw him, ring the girl on 07700", "Rest: 900 one two three", "Thanks."),
    (f"{PLACE}, LS6 2AB", "He waits near LS6", "Correction", "the rest is 2AB"),
]


@pytest.mark.parametrize(("place", "first", "title", "body"), SPLIT_ACROSS)
def test_an_update_that_completes_her_detail_with_what_was_sent_is_blocked(
    app, passphrase, db_session, clock, place, first, title, body
):
    reference = file(app, place=place)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    assert publish_form(carla, alert_ref, body=first).status_code == 302
    response = act(carla, alert_ref, "update", title=title, body=body, severity="urgent")
    assert response.status_code == 422, response.status_code
    assert "with what was sent before" in html.unescape(response.get_data(as_text=True))
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AlertMessage)) == 1
    # An update that completes nothing goes.
    response = act(carla, alert_ref, "update", title="Seen again", body="Seen again in Holbeck.", severity="urgent")
    assert response.status_code == 302


def test_an_update_is_not_blocked_by_what_the_join_with_what_was_sent_makes(app, passphrase, db_session, clock):
    """Her date is 20 November: "… he is 20." then "11 more women …" reads as 20.11 only across
    the join between two messages, which nobody reads as one."""
    reference = file(app)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    assert publish_form(carla, alert_ref, body="Man in a grey Ford. He says he is 20.").status_code == 302
    update = {"title": "11 more women report him", "body": "Seen in Holbeck.", "severity": "urgent"}
    response = act(carla, alert_ref, "update", **update)
    assert response.status_code == 302, response.status_code
