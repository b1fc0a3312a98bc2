"""Idempotent filing (draft-ietf-httpapi-idempotency-key-header), through the API and the
reporter form, on SQLite and PostgreSQL.

Proves: the same key with the same body (however its JSON is spaced or ordered) gets the same
answer — reference and receipt code — and one report; the same key with another body gets 422
and files nothing; a key whose first request is still being worked on gets 409 (held in this
process, or on PostgreSQL by another connection's advisory lock); many threads sending one key at
once file exactly one report; malformed keys get 400 (and the rule is the one the OpenAPI document
states); a form page sent twice, one after the other or at once, files one report and shows the
same receipt; records expire and retention purges them; erasing a report removes its record; a
retry is answered before the filing limit counts it; the raw database holds neither the key nor
the receipt code.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import uuid
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, select, text

from tests.support.app import TEST_DATABASE_URL, form_token, make_app, minimal_report
from tests.support.dbscan import find_plaintext
from ugly_mugs.crypto import idempotency as sealing
from ugly_mugs.models import IdempotencyRecord, Report
from ugly_mugs.models.base import utcnow
from ugly_mugs.ops import retention
from ugly_mugs.reporting import views as reporting_views
from ugly_mugs.reports import idempotency

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
REFERENCE = re.compile(r'class="reference">(UM-[0-9A-Z]+)<')


def _key() -> str:
    return str(uuid.uuid4())


def _file(client, body, key: str | None = None, address: str = "203.0.113.1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/v1/reports", json=body, headers=headers, environ_base={"REMOTE_ADDR": address})


def _reports(db_session) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count()).select_from(Report))


def _records(db_session) -> int:
    db_session.rollback()
    return db_session.scalar(select(func.count()).select_from(IdempotencyRecord))


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body


# --- the same request again ----------------------------------------------------------------

SPELLINGS = [
    ("the same object", lambda body: json.dumps(body)),
    ("keys in another order", lambda body: json.dumps(dict(reversed(list(body.items()))))),
    ("other spacing", lambda body: json.dumps(body, indent=4, separators=(" , ", " : "))),
    ("escaped letters", lambda body: json.dumps(body, ensure_ascii=True)),
]


@pytest.mark.parametrize("spelling", [s for _, s in SPELLINGS], ids=[n for n, _ in SPELLINGS])
def test_same_key_and_body_get_the_same_answer_and_one_report(client, passphrase, db_session, spelling):
    body = minimal_report(what_happened="He took my phone, café ünïcode", phone_numbers=["07700 900123"])
    key = _key()
    first = _file(client, body, key)
    assert first.status_code == 201
    again = client.post(
        "/api/v1/reports", data=spelling(body), content_type="application/json", headers={"Idempotency-Key": key}
    )
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert _reports(db_session) == 1 and _records(db_session) == 1
    # The receipt code given again opens the one report.
    status = client.post("/api/v1/receipt/status", json={"receipt_code": again.get_json()["receipt_code"]})
    assert status.status_code == 200 and status.get_json()["reference"] == first.get_json()["reference"]


def test_without_a_key_each_request_files_a_report(client, passphrase, db_session):
    body = minimal_report()
    answers = {_file(client, body).get_json()["reference"] for _ in range(2)}
    assert len(answers) == 2 and _reports(db_session) == 2 and _records(db_session) == 0


CHANGES = [
    ("another story", {"what_happened": "He hit me twice."}),
    ("another area", {"area": "chapeltown"}),
    ("a field more", {"vehicle_registration": "AB12 CDE"}),
    ("another language", {"language": "ro"}),
]


@pytest.mark.parametrize("change", [c for _, c in CHANGES], ids=[n for n, _ in CHANGES])
def test_same_key_with_another_body_is_422_and_files_nothing(client, passphrase, db_session, change):
    key = _key()
    first = _file(client, minimal_report(), key)
    assert first.status_code == 201
    body = _is_problem(_file(client, minimal_report(**change), key), 422)
    assert "Idempotency-Key" in body["detail"]
    assert _reports(db_session) == 1
    # The first body still gets its answer.
    assert _file(client, minimal_report(), key).get_json() == first.get_json()


def test_the_same_key_in_the_form_and_the_api_never_meet(client, passphrase, db_session):
    """Scopes: a key is looked up only where it was used."""
    key = _key()
    assert _file(client, minimal_report(), key).status_code == 201
    secret = client.application.config["SECRET_KEY"].encode()
    assert sealing.key_id(secret, idempotency.API, key) != sealing.key_id(secret, idempotency.FORM, key)


def test_a_refused_report_keeps_no_record_and_can_be_sent_again_with_its_key(client, passphrase, db_session):
    key = _key()
    bad = minimal_report(incident_date="not a day")
    _is_problem(_file(client, bad, key), 422)
    assert _records(db_session) == 0
    assert _file(client, minimal_report(), key).status_code == 201


# --- malformed keys ------------------------------------------------------------------------

MALFORMED = [
    ("too short", "a" * (idempotency.KEY_MIN - 1)),
    ("too long", "a" * (idempotency.KEY_MAX + 1)),
    ("empty", ""),
    ("not ASCII", "clé-" + "é" * 16),
    ("a space inside", "abcdefgh ijklmnopq"),
    ("a tab inside", "abcdefgh\tijklmnopq"),
]


@pytest.mark.parametrize("key", [k for _, k in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_a_malformed_key_is_400_and_files_nothing(client, passphrase, db_session, key):
    body = _is_problem(_file(client, minimal_report(), key), 400)
    assert str(idempotency.KEY_MIN) in body["detail"] and str(idempotency.KEY_MAX) in body["detail"]
    assert _reports(db_session) == 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_the_key_rule_is_the_documented_one(raw):
    documented = idempotency.KEY_MIN <= len(raw) <= idempotency.KEY_MAX and re.fullmatch(r"[!-~]+", raw) is not None
    assert idempotency.valid_key(raw) == documented


def test_the_document_states_the_key_rule(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/reports"]["post"]
    (parameter,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert parameter["in"] == "header"
    assert parameter["schema"] == {
        "type": "string",
        "minLength": idempotency.KEY_MIN,
        "maxLength": idempotency.KEY_MAX,
        "pattern": "^[!-~]+$",
    }
    assert {"400", "409", "422", "429"} <= set(operation["responses"])


# --- at the same time ----------------------------------------------------------------------


def test_a_key_still_being_worked_on_in_this_process_is_409(app, client, passphrase, db_session):
    key = _key()
    secret = app.config["SECRET_KEY"].encode()
    body = minimal_report()
    attempt = idempotency.Attempt.of(secret, idempotency.API, key, idempotency.canonical_json(body))
    with app.extensions["ugly_mugs.sessionmaker"]() as session, idempotency.holding(session, attempt):
        refused = _file(client, body, key)
        _is_problem(refused, 409)
        assert refused.headers["Retry-After"].isdigit()
        session.rollback()
    assert _file(client, body, key).status_code == 201 and _reports(db_session) == 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="the advisory lock is PostgreSQL's")
def test_a_key_held_by_another_host_is_409_on_postgresql(app, client, passphrase, db_session, database_url):
    """Another process or host holds the key: seen only through the database's advisory lock."""
    key = _key()
    key_id = sealing.key_id(app.config["SECRET_KEY"].encode(), idempotency.API, key)
    engine = create_engine(database_url)
    try:
        with engine.connect() as other:
            assert other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": int(key_id[:16], 16) - 2**63})
            _is_problem(_file(client, minimal_report(), key), 409)
            other.rollback()
        assert _file(client, minimal_report(), key).status_code == 201
    finally:
        engine.dispose()
    assert _reports(db_session) == 1


def test_many_requests_with_one_key_at_once_file_one_report(app, passphrase, db_session):
    key = _key()
    body = minimal_report(what_happened="Sent by eight threads at once.")
    threads = 8
    start = threading.Barrier(threads, timeout=30)
    answers: list = []

    def send():
        client = app.test_client()
        start.wait()
        response = _file(client, body, key)
        answers.append((response.status_code, response.get_json()))

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers)
    assert len(answers) == threads
    assert {status for status, _ in answers} <= {201, 409}
    filed = [answer for status, answer in answers if status == 201]
    assert filed and all(answer == filed[0] for answer in filed)
    assert _reports(db_session) == 1
    # Whoever got 409 gets the one answer when it retries.
    assert _file(app.test_client(), body, key).get_json() == filed[0]
    assert _reports(db_session) == 1


# --- the reporter form ----------------------------------------------------------------------


def _receipt(page: str) -> tuple[str, str]:
    return REFERENCE.search(page).group(1), CODE.search(page).group(1)


def test_a_form_sent_twice_files_one_report_and_shows_the_same_receipt(client, passphrase, db_session):
    data = minimal_report(form_token=form_token(client))
    first = client.post("/report", data=data)
    second = client.post("/report", data=data)
    assert first.status_code == second.status_code == 200
    assert _receipt(first.get_data(as_text=True)) == _receipt(second.get_data(as_text=True))
    assert _reports(db_session) == 1


@pytest.mark.parametrize("later", [reporting_views.CODE_SHOWN_AGAIN_SECONDS + 1, 3600, 3 * 3600])
def test_a_form_sent_again_later_shows_no_receipt_code(client, passphrase, db_session, clock, later):
    """Back or Reload on a shared phone, by whoever holds it next: the report stands, nothing is
    filed twice, and the code — hers, shown once — is not shown again."""
    data = minimal_report(form_token=form_token(client))
    first = client.post("/report", data=data).get_data(as_text=True)
    reference, code = _receipt(first)
    clock.shift(later)
    again = client.post("/report", data=data)
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and reference in page
    assert code not in page and CODE.search(page) is None and "not shown again" in page
    assert _reports(db_session) == 1


def test_a_form_sent_again_with_other_answers_is_shown_back_and_files_nothing(client, passphrase, db_session):
    token = form_token(client)
    assert client.post("/report", data=minimal_report(form_token=token)).status_code == 200
    changed = client.post("/report", data=minimal_report(what_happened="Something else ZqOther", form_token=token))
    assert changed.status_code == 409
    page = changed.get_data(as_text=True)
    assert "already sent once" in page and "ZqOther" in page and CODE.search(page) is None
    assert _reports(db_session) == 1
    # The page shown back carries a new key: pressing Send files it as another report.
    again = client.post(
        "/report", data=minimal_report(what_happened="Something else ZqOther", form_token=form_token_of(page))
    )
    assert again.status_code == 200 and _reports(db_session) == 2


def form_token_of(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_each_form_shown_gets_its_own_key(client, passphrase, db_session):
    data = minimal_report()
    codes = {
        _receipt(client.post("/report", data={**data, "form_token": form_token(client)}).get_data(as_text=True))[1]
        for _ in range(2)
    }
    assert len(codes) == 2 and _reports(db_session) == 2


def test_a_form_double_pressed_at_once_files_one_report(app, passphrase, db_session):
    client = app.test_client()
    data = minimal_report(what_happened="Pressed four times.", form_token=form_token(client))
    start = threading.Barrier(4, timeout=30)
    answers: list = []

    def press():
        start.wait()
        response = app.test_client().post("/report", data=data)
        answers.append((response.status_code, response.get_data(as_text=True)))

    workers = [threading.Thread(target=press) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert len(answers) == 4 and {status for status, _ in answers} <= {200, 409}
    receipts = {_receipt(page) for status, page in answers if status == 200}
    assert len(receipts) == 1 and _reports(db_session) == 1
    # A page answered 409 holds the same token: pressing Send again shows the one receipt.
    for status, page in answers:
        if status == 409:
            assert form_token_of(page) == data["form_token"]
    assert _receipt(app.test_client().post("/report", data=data).get_data(as_text=True)) in receipts


# --- limits, expiry, erasure, the raw database --------------------------------------------


def test_a_retry_is_answered_before_the_filing_limit_counts_it(database_url, passphrase):
    app = make_app(database_url, FILING_CLIENT_LIMIT=2, FILING_GLOBAL_LIMIT=100, FILING_WINDOW_SECONDS=600)
    try:
        client = app.test_client()
        key = _key()
        first = _file(client, minimal_report(), key)
        assert _file(client, minimal_report(what_happened="Another one.")).status_code == 201
        # The limit of two is used up: a new report waits, the retry of the first is answered.
        refused = _is_problem(_file(client, minimal_report(what_happened="A third.")), 429)
        assert "nothing was stored" in refused["detail"]
        assert _file(client, minimal_report(), key).get_json() == first.get_json()
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def test_records_expire_and_retention_purges_them(app, client, passphrase, db_session):
    key = _key()
    first = _file(client, minimal_report(), key)
    db_session.rollback()
    expires = db_session.scalar(select(IdempotencyRecord.expires_at))
    now = utcnow()
    # Kept 24 hours, to the hour (P4): between 23 and 24 hours from now.
    assert timedelta(hours=23) <= expires - now <= timedelta(hours=24)
    assert (expires.minute, expires.second, expires.microsecond) == (0, 0, 0)
    planned = retention.run(
        db_session, retention.Policy.from_config(app.config), now + timedelta(hours=25), dry_run=True
    )
    assert planned.idempotency_records == 1
    done = retention.run(db_session, retention.Policy.from_config(app.config), now + timedelta(hours=25))
    assert done.idempotency_records == 1 and _records(db_session) == 0
    # With its record gone the key is new again: the answer cannot be had any more.
    assert _file(client, minimal_report(), key).get_json()["reference"] != first.get_json()["reference"]


def test_erasing_a_report_removes_its_idempotency_record(client, passphrase, db_session):
    key = _key()
    filed = _file(client, minimal_report(), key).get_json()
    other = _file(client, minimal_report(what_happened="Another report."), _key()).get_json()
    assert _records(db_session) == 2
    erased = client.post("/api/v1/receipt/erase", json={"receipt_code": filed["receipt_code"], "confirm": "yes"})
    assert erased.status_code == 200
    db_session.rollback()
    report_id = db_session.scalar(select(Report.id).where(Report.reference == filed["reference"]))
    assert not idempotency.exists_for(db_session, report_id)
    assert _records(db_session) == 1
    assert other["reference"] != filed["reference"]


def test_the_raw_database_holds_neither_the_key_nor_the_receipt_code(app, client, passphrase, database_url):
    key = "ZqIdemKey-" + secrets.token_hex(12)
    filed = _file(client, minimal_report(), key).get_json()
    assert _file(client, minimal_report(), key).get_json() == filed
    token = form_token(client)
    page = client.post("/report", data=minimal_report(form_token=token)).get_data(as_text=True)
    form_key = re.search(r"[A-Za-z0-9_-]{32}", json.dumps(_form_payload(app, token))).group(0)
    codes = [filed["receipt_code"], _receipt(page)[1]]
    needles = [key, form_key] + codes + [c.replace("-", "") for c in codes]
    app.extensions["ugly_mugs.engine"].dispose()
    assert find_plaintext(database_url, needles) == []


def _form_payload(app, token: str):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="ugly-mugs reporter form").loads(token)


GUESSABLE_KEYS = ["report-000000042", "0000000000000001", "aaaaaaaaaaaaaaaa", "my-app-filing-01"]


@pytest.mark.parametrize("key", GUESSABLE_KEYS)
def test_a_stolen_database_with_a_guessable_key_opens_no_answer(client, passphrase, db_session, key):
    """Whoever holds the database but not the app's secret key cannot try keys offline until one
    opens the stored answer (the receipt code) or matches the body tag (P1)."""
    filed = _file(client, minimal_report(), key)
    assert filed.status_code == 201
    (record,) = db_session.scalars(select(IdempotencyRecord))
    body = idempotency.canonical_json(minimal_report())
    for guessed_secret in (b"", b"development", secrets.token_bytes(32)):
        material = sealing.key_material(guessed_secret, key)
        assert not sealing.same_body(material, body, record.body_tag)
        with pytest.raises(sealing.aead.DecryptionError):
            sealing.open_answer(material, record.key_id, record.sealed_answer)
    # With the app's secret, and only then, the same key gets its answer back.
    again = _file(client, minimal_report(), key)
    assert again.status_code == 201 and again.get_json() == filed.get_json()
