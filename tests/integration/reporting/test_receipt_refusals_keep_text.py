"""What a reporter sends from her status page is shown back when her receipt code is refused (P6).

Her status page is open (a right code); then others on the same address (a drop-in's Wi-Fi, a
carrier's NAT) use up its wrong receipt codes, or the report is deleted meanwhile. Whatever she
sends next (something added, her reply, more of the report, a consent change) is refused with
429 (Retry-After kept) or 410, and the action's own form comes back filled in with why, never
the bare receipt-code page. What she typed is neither stored nor logged (P4).
"""

from __future__ import annotations

import logging
import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.support.app import form_token, make_app, minimal_report
from tests.support.dbscan import find_plaintext
from ugly_mugs.models import ReportSection

TYPED = "He came back on Friday in a blue van & said <wait> ZQX"
TOO_MANY = "Too many tries. Please wait 15 minutes, then try again. Nothing you typed has been lost."
DELETED = "This report has been deleted."


def _checked(value: str) -> re.Pattern:
    return re.compile(rf'<input[^>]*(value="{value}"[^>]*checked|checked[^>]*value="{value}")')


# (the action, what she sent, what of it the page must show)
ACTIONS = [
    ("/receipt/add", {"more_incident": TYPED}, str(escape(TYPED))),
    ("/receipt/reply", {"answer": TYPED}, str(escape(TYPED))),
    ("/receipt/more", {"what_happened": TYPED}, str(escape(TYPED))),
    ("/receipt/consent", {"consent_level": "full"}, _checked("full")),
    ("/receipt/delete", {"confirm": "yes"}, _checked("yes")),
]


def _shows(body: str, shown) -> bool:
    return shown.search(body) is not None if isinstance(shown, re.Pattern) else shown in body


def _filed(client) -> str:
    response = client.post("/api/v1/reports", json=minimal_report(consent_level="alert_only"))
    assert response.status_code == 201
    return response.get_json()["receipt_code"]


@pytest.mark.parametrize(("path", "fields", "shown"), ACTIONS)
def test_what_she_sends_comes_back_when_her_address_is_locked_out(
    database_url, passphrase, db_session, caplog, path, fields, shown
):
    app = make_app(database_url, RECEIPT_CLIENT_FAILURES=2)
    try:
        client = app.test_client()
        code = _filed(client)
        sections = db_session.scalar(select(func.count()).select_from(ReportSection))
        for _ in range(2):  # others on her address use up its wrong codes
            data = {"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA", "form_token": form_token(client, "/receipt")}
            assert client.post("/receipt", data=data).status_code == 404
        caplog.set_level(logging.DEBUG)
        response = client.post(
            path, data={"receipt_code": code, **fields, "form_token": form_token(client, "/receipt")}
        )
        body = response.get_data(as_text=True)
        assert response.status_code == 429, body
        assert int(response.headers["Retry-After"]) > 0
        assert _shows(body, shown), f"{path}: what she sent is not shown back"
        assert TOO_MANY in body
        assert TYPED not in caplog.text
    finally:
        app.extensions["ugly_mugs.engine"].dispose()
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == sections
    assert find_plaintext(database_url, [TYPED]) == []


@pytest.mark.parametrize(("path", "fields", "shown"), [a for a in ACTIONS if a[0] != "/receipt/delete"])
def test_what_she_sends_comes_back_when_the_report_was_deleted_meanwhile(app, passphrase, path, fields, shown):
    client = app.test_client()
    code = _filed(client)
    erase = {"receipt_code": code, "confirm": "yes", "form_token": form_token(client, "/receipt")}
    assert client.post("/receipt/delete", data=erase).status_code == 200
    response = client.post(path, data={"receipt_code": code, **fields, "form_token": form_token(client, "/receipt")})
    body = response.get_data(as_text=True)
    assert response.status_code == 410, body
    assert _shows(body, shown), f"{path}: what she sent is not shown back"
    assert DELETED in body


def test_delete_pressed_again_says_it_is_deleted(app, passphrase):
    client = app.test_client()
    code = _filed(client)
    for status in (200, 410):
        erase = {"receipt_code": code, "confirm": "yes", "form_token": form_token(client, "/receipt")}
        response = client.post("/receipt/delete", data=erase)
        assert response.status_code == status
        assert "Your report has been deleted" in response.get_data(as_text=True)
