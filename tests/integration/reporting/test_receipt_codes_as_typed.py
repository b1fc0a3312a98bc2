"""Receipt codes as people type them, on every page and API route that takes one.

Proves, table-driven: a reporter's code typed with en or em dashes, minus signs, non-breaking or
zero-width spaces, fullwidth forms, or Cyrillic and Greek capitals that look like its letters
(a Bulgarian keyboard) opens her report on the receipt page, the add-information, consent and
delete forms and the API; none of those tries counts towards the lockout, nor does text that
cannot be a code at all (it gets the answer a wrong code gets), while a wrong code of the right
shape still does.
"""

from __future__ import annotations

import re

import pytest

from tests.support.app import form_token, make_app, minimal_report

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')
CYRILLIC = str.maketrans("ABCEHKMOPTXY3", "АВСЕНКМОРТХУЗ")
GREEK = str.maketrans("ABEHKMNOPTXYZ", "ΑΒΕΗΚΜΝΟΡΤΧΥΖ")

SPELLINGS = [
    lambda c: c.replace("-", "\u2013"),  # en dash
    lambda c: c.replace("-", "\u2014"),  # em dash
    lambda c: c.replace("-", "\u2212"),  # minus sign
    lambda c: c.replace("-", "\u00a0"),  # non-breaking space
    lambda c: c.replace("-", "\u202f"),  # narrow non-breaking space
    lambda c: c.replace("-", "\u200b"),  # zero-width space
    lambda c: c.replace("-", "\u2011"),  # non-breaking hyphen
    lambda c: "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else ch for ch in c),  # fullwidth
    lambda c: c.translate(CYRILLIC),
    lambda c: c.translate(CYRILLIC).lower(),
    lambda c: c.translate(GREEK),
    lambda c: " " + c.translate(CYRILLIC).replace("-", " \u2013 ") + "\u00a0",
]
NOT_CODES = ["hello", "", "   ", "ABCD.EFGH.JKMN.PQRS.TVWX", "\u2013" * 30, "Д" * 20]


@pytest.fixture
def strict(database_url, passphrase):
    """An app that locks a client out after two wrong codes."""
    app = make_app(database_url, RECEIPT_CLIENT_FAILURES=2)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def _file(client) -> str:
    page = client.post("/report", data=minimal_report(form_token=form_token(client))).get_data(as_text=True)
    return CODE.search(page).group(1)


def _status(client, code: str):
    return client.post("/receipt", data={"receipt_code": code, "form_token": form_token(client, "/receipt")})


def test_every_spelling_opens_the_report_and_costs_no_try(strict):
    client = strict.test_client()
    code = _file(client)
    for spell in SPELLINGS:
        typed = spell(code)
        assert typed != code
        page = _status(client, typed)
        assert page.status_code == 200, repr(typed)
        api = client.post("/api/v1/receipt/status", json={"receipt_code": typed})
        assert api.status_code == 200, repr(typed)
        token = form_token(client, "/receipt")
        added = client.post(
            "/receipt/add", data={"receipt_code": typed, "more_perpetrator": "Grey Ford.", "form_token": token}
        )
        assert added.status_code == 200 and "has been saved" in added.get_data(as_text=True), repr(typed)
        consent = client.post(
            "/receipt/consent", data={"receipt_code": typed, "consent_level": "alert_only", "form_token": token}
        )
        assert consent.status_code == 200, repr(typed)
    # Not one of those counted: two wrong codes are still allowed before the lockout.
    assert _status(client, "AAAA-AAAA-AAAA-AAAA-AAAA").status_code == 404
    assert _status(client, "AAAA-AAAA-AAAA-AAAA-AAAB").status_code == 404
    assert _status(client, code.translate(CYRILLIC)).status_code == 429


def test_text_that_cannot_be_a_code_is_answered_like_a_wrong_one_and_not_counted(strict):
    client = strict.test_client()
    code = _file(client)
    wrong = _status(client, "AAAA-AAAA-AAAA-AAAA-AAAA")
    for text in NOT_CODES * 2:
        page = _status(client, text)
        assert page.status_code in (400, 404), repr(text)
        if text.strip():
            assert page.status_code == 404
            assert re.sub(r'value="[^"]*"', "", page.get_data(as_text=True)) == re.sub(
                r'value="[^"]*"', "", wrong.get_data(as_text=True)
            )
        api = client.post("/api/v1/receipt/status", json={"receipt_code": text})
        assert api.status_code in (404, 422), repr(text)
    assert _status(client, code.replace("-", "\u2013")).status_code == 200
    assert _status(client, "AAAA-AAAA-AAAA-AAAA-AAAB").status_code == 404
    assert _status(client, code).status_code == 429


def test_a_deletion_with_a_typed_code(client, passphrase):
    code = _file(client)
    typed = code.translate(CYRILLIC).replace("-", "\u2013")
    token = form_token(client, "/receipt")
    erased = client.post("/receipt/delete", data={"receipt_code": typed, "confirm": "yes", "form_token": token})
    assert erased.status_code == 200
    assert _status(client, code).status_code == 410  # answered as erased (P8), never reopened
