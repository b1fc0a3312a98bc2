"""Every reporter page while the database is down or read-only: 503 with what she typed shown
back, never a 500 (P6), on SQLite and PostgreSQL.

Proves, table-driven over both faults — a database that cannot be reached at all, and one that
answers reads but refuses every write (read-only, as during a failover) — and every reporter
route that takes input (the report form, the quick report, the receipt code page, adding
information, "add more", changing consent, deleting, the public check, and the JSON API's
report and receipt routes): the answer is 503 with Retry-After, the page shows the form again
with every value typed in it (the code kept in the form, never in a URL) and a fresh form
token, and the API answers in its documented JSON error shape. Pages that need no database
still answer 200, and where reads still work the status page still opens.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import event

from tests.support.app import TEST_DATABASE_URL, form_token, make_app, minimal_report

STORY = "He took my phone ZqKeptStory"
MORE = "Grey Ford Focus ZqKeptMore"
LINE = "Scar over his eye ZqKeptLine"
HEIGHT = "About 6 foot ZqKeptHeight"
CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
PAGES_WITHOUT_DATABASE = ["/", "/report", "/report/quick", "/receipt", "/report?lang=ro", "/check-a-number"]


def _unreachable_url(tmp_path) -> str:
    if TEST_DATABASE_URL:
        # Port 1 of 127.0.0.1: nothing listens there, so every connection is refused at once.
        return "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    return f"sqlite:///{tmp_path}/no/such/folder/ugly_mugs.sqlite3"


def _read_only(app) -> None:
    """Every connection the app opens from now on refuses to write (the database's own switch)."""
    engine = app.extensions["ugly_mugs.engine"]
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _refuse_writes(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
            dbapi_connection.commit()
        cursor.close()


@pytest.fixture(params=["unreachable", "read-only"])
def fault(request, database_url, passphrase, tmp_path):
    """(app with the fault, a receipt code filed before it, the fault's name)."""
    working = make_app(database_url, PUBLIC_CHECK=True)
    client = working.test_client()
    page = client.post("/report", data=minimal_report(form_token=form_token(client))).get_data(as_text=True)
    code = CODE.search(page).group(1)
    working.extensions["ugly_mugs.engine"].dispose()
    if request.param == "unreachable":
        app = make_app(_unreachable_url(tmp_path), PUBLIC_CHECK=True)
    else:
        app = make_app(database_url, PUBLIC_CHECK=True)
        _read_only(app)
    yield app, code, request.param
    app.extensions["ugly_mugs.engine"].dispose()


def _kept(response, *values) -> None:
    assert response.status_code == 503, response.status_code
    assert response.headers["Retry-After"].isdigit()
    page = html.unescape(response.get_data(as_text=True))
    for value in values:
        assert value in page, value
    assert 'name="form_token"' in page


def test_every_reporter_form_is_shown_back_filled_in(fault):
    app, code, name = fault
    client = app.test_client()
    for path in PAGES_WITHOUT_DATABASE:
        assert client.get(path).status_code == 200, path

    report = client.post(
        "/report", data=minimal_report(what_happened=STORY, marks="Snake tattoo", form_token=form_token(client))
    )
    _kept(report, STORY, "Snake tattoo")
    quick = client.post(
        "/report/quick",
        data=minimal_report(
            categories="robbery", about_him=LINE, consent_level="full", form_token=form_token(client, "/report/quick")
        ),
    )
    _kept(quick, LINE)

    token = form_token(client, "/receipt")
    wrong = "AAAA-AAAA-AAAA-AAAA-AAAA"
    _kept(client.post("/receipt", data={"receipt_code": wrong, "form_token": token}), wrong)
    if name == "read-only":
        # Reads still work: her own code still shows her report's status.
        assert client.post("/receipt", data={"receipt_code": code, "form_token": token}).status_code == 200
    else:
        _kept(client.post("/receipt", data={"receipt_code": code, "form_token": token}), code)

    _kept(
        client.post("/receipt/add", data={"receipt_code": code, "more_perpetrator": MORE, "form_token": token}),
        MORE,
        code,
    )
    _kept(
        client.post("/receipt/more", data={"receipt_code": code, "height": HEIGHT, "form_token": token}), HEIGHT, code
    )
    consent = client.post("/receipt/consent", data={"receipt_code": code, "consent_level": "full", "form_token": token})
    _kept(consent, code)
    assert re.search(r'<input checked[^>]*value="full"', consent.get_data(as_text=True))
    answer = "Yes, you may call me after six."
    _kept(
        client.post("/receipt/reply", data={"receipt_code": code, "answer": answer, "form_token": token}), answer, code
    )
    erase = client.post("/receipt/delete", data={"receipt_code": code, "confirm": "yes", "form_token": token})
    _kept(erase, code)

    check = client.post(
        "/check-a-number", data={"identifier": "07700 900123", "form_token": form_token(client, "/check-a-number")}
    )
    _kept(check, "07700 900123")


def test_the_api_answers_503_in_its_error_shape(fault):
    app, code, name = fault
    client = app.test_client()
    calls = [
        ("/api/v1/reports", minimal_report(what_happened=STORY)),
        ("/api/v1/receipt/status", {"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"}),
        ("/api/v1/receipt/consent", {"receipt_code": code, "consent_level": "full"}),
    ]
    if name == "unreachable":
        calls.append(("/api/v1/receipt/status", {"receipt_code": code}))
    for path, body in calls:
        response = client.post(path, json=body)
        assert response.status_code == 503, (path, response.status_code)
        assert response.is_json and response.get_json()["status"] == 503
        assert response.headers["Retry-After"].isdigit()
    if name == "read-only":
        assert client.post("/api/v1/receipt/status", json={"receipt_code": code}).status_code == 200


def test_staff_pages_answer_503_not_500(database_url, passphrase, tmp_path, clock):
    from tests.support.staff import PASSWORD, signed_in

    working = make_app(database_url)
    staff, user = signed_in(working, passphrase, "downcoordinator", "coordinator")
    cookie = staff.get_cookie("um_session")
    working.extensions["ugly_mugs.engine"].dispose()
    for app in (make_app(_unreachable_url(tmp_path)), make_app(database_url)):
        if app.config["DATABASE_URL"] == database_url:
            _read_only(app)
        try:
            client = app.test_client()
            client.set_cookie("um_session", cookie.value)
            for path in ("/coordinator/reports", "/stats", "/coordinator/alerts"):
                response = client.get(path)
                assert response.status_code in (200, 503), (path, response.status_code)
            anonymous = app.test_client()
            login = anonymous.post("/login", data={"username": user.username, "password": PASSWORD, "code": ""})
            assert login.status_code in (400, 503), login.status_code
        finally:
            app.extensions["ugly_mugs.engine"].dispose()
