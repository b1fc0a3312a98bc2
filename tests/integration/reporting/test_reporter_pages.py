"""The reporter pages: validation messages next to fields, nothing lost on any failure (P6),
the signed form token (missing, forged or expired re-shows the filled form), cross-site
posts refused, and the receipt page's status, additions and consent choices.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, text

from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs.models import Report, ReportSection
from ugly_mugs.web import form_token as tokens

CODE = re.compile(r'id="receipt-code">([0-9A-Z-]+)<')


def post_report(client, **fields):
    data = minimal_report(form_token=form_token(client), **fields)
    return client.post("/report", data=data)


def count_reports(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Report))


def test_form_has_a_visible_label_for_every_field(client):
    page = client.get("/report").get_data(as_text=True)
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page))
    labelled = set(re.findall(r'<label for="([^"]+)"', page))
    assert ids and ids <= labelled, ids - labelled
    for level in ("alert_only", "anonymous_intel", "full"):
        assert f'value="{level}"' in page
    assert "Quick exit" in page


def test_filing_shows_reference_and_receipt_code_once(client, passphrase, db_session):
    response = post_report(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"UM-[0-9A-Z]{7}", page)
    assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]{4}", CODE.search(page).group(1))
    assert "Keep this code safe" in page
    assert count_reports(db_session) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"incident_date": ""}, "incident_date", "Tell us the date"),
        ({"incident_date": "31/02/2026"}, "incident_date", "Write the date as"),
        ({"incident_date": "2099-01-01"}, "incident_date", "cannot be in the future"),
        ({"area": ""}, "area", "Choose the area"),
        ({"area": "atlantis"}, "area", "Not a valid choice"),
        ({"what_happened": ""}, "what_happened", "or tick at least one kind"),
        ({"place": "x" * 201}, "place", "200"),
        ({"phone_numbers": "\n".join(str(i) for i in range(21))}, "phone_numbers", "At most 20"),
    ],
)
def test_errors_are_shown_next_to_fields_and_nothing_is_lost(client, passphrase, db_session, fields, field, message):
    response = post_report(client, hair="KeepMeHairZq", contact="KeepMeContactZq", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert "There is a problem" in page
    assert "KeepMeHairZq" in page and "KeepMeContactZq" in page
    assert count_reports(db_session) == 0


def test_dates_in_uk_spelling_are_accepted(client, passphrase, db_session):
    assert post_report(client, incident_date="19/11/2026").status_code == 200
    assert count_reports(db_session) == 1


@pytest.mark.parametrize("token", [None, "", "forged.token.value"])
def test_missing_or_forged_token_reshows_filled_form(client, passphrase, db_session, token):
    data = minimal_report(what_happened="KeepWhatHappenedZq")
    if token is not None:
        data["form_token"] = token
    response = client.post("/report", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing has been sent yet" in page and "KeepWhatHappenedZq" in page
    assert count_reports(db_session) == 0
    # The re-shown form carries a fresh, valid token: pressing Send again works.
    again = dict(data, form_token=re.search(r'name="form_token" value="([^"]+)"', page).group(1))
    assert client.post("/report", data=again).status_code == 200
    assert count_reports(db_session) == 1


def test_expired_token_reshows_filled_form(database_url, passphrase):
    app = make_app(database_url, FORM_TOKEN_MAX_AGE=-1)
    client = app.test_client()
    response = post_report(client, what_happened="SlowTypistZq")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing has been sent yet" in page and "SlowTypistZq" in page
    app.extensions["ugly_mugs.engine"].dispose()


def test_token_from_another_form_is_refused(app):
    token = tokens.issue(app.config["SECRET_KEY"], "receipt")
    assert tokens.check(app.config["SECRET_KEY"], "report", token, 60) is tokens.TokenState.INVALID
    assert tokens.check("another-secret", "receipt", token, 60) is tokens.TokenState.INVALID


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://evil.example"}],
)
def test_cross_site_posts_are_refused(client, passphrase, db_session, headers):
    data = minimal_report(form_token=form_token(client))
    assert client.post("/report", data=data, headers=headers).status_code == 403
    assert count_reports(db_session) == 0


def test_same_origin_post_with_origin_header_is_accepted(client, passphrase):
    data = minimal_report(form_token=form_token(client))
    headers = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/report", data=data, headers=headers).status_code == 200


def test_database_failure_shows_the_report_back(client, passphrase, db_session, app):
    """P6: if the database refuses the write, the reporter gets the form back filled in, not a 500."""
    engine = app.extensions["ugly_mugs.engine"]
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE report_section RENAME TO report_section_away"))
    try:
        response = post_report(client, what_happened="DoNotLoseMeZq", marks="Tattoo of a snakeZq")
    finally:
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE report_section_away RENAME TO report_section"))
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "could not save your report" in page
    assert "DoNotLoseMeZq" in page and "Tattoo of a snakeZq" in page
    assert count_reports(db_session) == 0


def receipt_status(client, code: str):
    return client.post("/receipt", data={"receipt_code": code, "form_token": form_token(client, "/receipt")})


def test_receipt_code_is_forgiving_about_spelling(client, passphrase):
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    sloppy = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = receipt_status(client, sloppy)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We have your report" in page
    assert "warn others only" in page


def test_receipt_page_changes_consent_and_adds(client, passphrase, db_session):
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    token = form_token(client, "/receipt")
    response = client.post(
        "/receipt/consent", data={"receipt_code": code, "consent_level": "full", "form_token": token}
    )
    assert response.status_code == 200
    assert "Your choice has been saved" in response.get_data(as_text=True)
    assert db_session.scalar(select(Report.consent_level)) == "full"
    response = client.post("/receipt/add", data={"receipt_code": code, "form_token": token, "more_incident": "More"})
    assert "has been saved" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(ReportSection)) == 4


def test_empty_addition_is_refused_with_a_message(client, passphrase):
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    token = form_token(client, "/receipt")
    response = client.post("/receipt/add", data={"receipt_code": code, "form_token": token})
    assert response.status_code == 400
    assert "Write something to add" in response.get_data(as_text=True)


def test_deletion_needs_confirmation(client, passphrase, db_session):
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    token = form_token(client, "/receipt")
    response = client.post("/receipt/delete", data={"receipt_code": code, "form_token": token})
    assert response.status_code == 400
    assert "Tick the box" in response.get_data(as_text=True)
    assert db_session.scalar(select(Report.status)) == "received"


def test_wrong_code_message_gives_nothing_away(client, passphrase):
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    wrong = ("Z" if code[0] != "Z" else "Y") + code[1:]
    malformed = "hello"
    pages = [receipt_status(client, c) for c in (wrong, malformed)]
    assert {p.status_code for p in pages} == {404}
    texts = [re.sub(r'value="[^"]*"', "", p.get_data(as_text=True)) for p in pages]
    assert texts[0] == texts[1]
    assert "could not find a report with that code" in texts[0]


def test_wrong_codes_are_throttled_per_client(database_url, passphrase):
    app = make_app(database_url, RECEIPT_CLIENT_FAILURES=3)
    client = app.test_client()
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)
    for _ in range(3):
        assert receipt_status(client, "AAAA-AAAA-AAAA-AAAA-AAAA").status_code == 404
    # Now even the right code is refused from this client, so guessing stops here...
    assert receipt_status(client, code).status_code == 429
    # ...but another client is not locked out.
    other = client.post(
        "/receipt",
        data={"receipt_code": code, "form_token": form_token(client, "/receipt")},
        environ_base={"REMOTE_ADDR": "192.0.2.10"},
    )
    assert other.status_code == 200
    app.extensions["ugly_mugs.engine"].dispose()


def test_many_addresses_guessing_make_wrong_codes_dearer_but_lock_nobody_out(database_url, passphrase):
    """Past the overall limit each address gets fewer wrong codes; a right code still opens."""
    app = make_app(database_url, RECEIPT_GLOBAL_FAILURES=4, RECEIPT_CLIENT_FAILURES=6)
    client = app.test_client()
    code = CODE.search(post_report(client).get_data(as_text=True)).group(1)

    def from_(addr: str, receipt_code: str) -> int:
        data = {"receipt_code": receipt_code, "form_token": form_token(client, "/receipt")}
        return client.post("/receipt", data=data, environ_base={"REMOTE_ADDR": addr}).status_code

    for i in range(5):
        assert from_(f"192.0.2.{i + 1}", "AAAA-AAAA-AAAA-AAAA-AAAA") == 404
    # Under load a new address has 3 wrong codes (RECEIPT_CLIENT_FAILURES_UNDER_LOAD), not 6.
    assert [from_("192.0.2.99", "AAAA-AAAA-AAAA-AAAA-AAAA") for _ in range(4)] == [404, 404, 404, 429]
    # Nobody else is locked out: a fresh address, and one that made two wrong tries, open the report.
    assert from_("192.0.2.100", code) == 200
    assert [from_("192.0.2.101", "AAAA-AAAA-AAAA-AAAA-AAAA") for _ in range(2)] == [404, 404]
    assert from_("192.0.2.101", code) == 200
    app.extensions["ugly_mugs.engine"].dispose()


def test_throttle_stores_no_address(database_url, passphrase, db_session):
    from tests.support.dbscan import find_plaintext

    client = make_app(database_url).test_client()
    data = {"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA", "form_token": form_token(client, "/receipt")}
    client.post("/receipt", data=data, environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert find_plaintext(database_url, ["198.51.100.23"]) == []
