"""Checking a number: the staff page, POST /api/v1/check with a project token, and the public page.

Proves: the answer comes only from PUBLISHED alerts (the original description of him, then each
update), never from
drafts, alerts awaiting approval, retracted alerts or reports without an alert, and a number
that is only in a report under review gives exactly the answer an unknown number gives (page
and API); any spelling of the number finds the alerts; the count and the latest date are
right; every answer (found, not found, refused) carries the sentence that no warning does not
mean safe; the API's token is issued by the command line, stored only as a SHA-256 digest, and
a missing, wrong or revoked token gets one and the same 401; every API response matches the
OpenAPI document; bad input (empty, invalid number, huge, wrong types) gets 4xx, never 500;
the value checked appears in no log and nowhere in the database; the public page is off by
default, translated, has the quick exit, refuses cross-site posts and is rate-limited.
"""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from sqlalchemy import select

from tests.integration.api.test_api import check as check_openapi
from tests.support.app import make_app
from tests.support.dbscan import find_plaintext
from tests.support.matching_data import alert, file
from tests.support.staff import create, csrf, login
from ugly_mugs.matching.check import NOT_SAFE
from ugly_mugs.models import Project

UNDER_REVIEW = "07700 900444"
PUBLISHED = "07700 900555"
NOWHERE = "07700 900666"


@pytest.fixture
def alerts(app, passphrase):
    """Reports with alerts in every status; only the published one may ever be seen."""
    create(app, "alertauthor", "coordinator")
    published = file(app, phone_numbers=[PUBLISHED], vehicle={"registration": "AB12 CDE"})
    alert(app, published, "published", "Warning: silver Ford", "Took money back with threats.", messages=2)
    again = file(app, phone_numbers=["+447700900555"])
    alert(app, again, "published", "Second warning", "Would not pay, in Holbeck.")
    retracted = file(app, phone_numbers=[PUBLISHED])
    alert(app, retracted, "retracted", "RetractedTitleZq", "RetractedBodyZq")
    review = file(app, phone_numbers=[UNDER_REVIEW])
    alert(app, review, "draft", "DraftTitleZq", "DraftBodyZq")
    waiting = file(app, phone_numbers=[UNDER_REVIEW])
    alert(app, waiting, "awaiting_approval", "WaitingTitleZq", "WaitingBodyZq")
    file(app, phone_numbers=[UNDER_REVIEW])  # a report with no alert at all
    return published


@pytest.fixture
def token(app, runner, alerts):
    create(app, "projectmember", "project_member", project="Basis")
    result = runner.invoke(args=["matching", "issue-token", "Basis"])
    assert result.exit_code == 0, result.output
    return re.search(r"(umc_\S+)", result.output).group(1)


def api(client, token, body, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/check", json=body, headers=headers, **kw)


@pytest.fixture
def openapi(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_token_is_stored_only_as_a_digest(app, token, database_url):
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        project = db.scalar(select(Project).where(Project.name == "Basis"))
        assert project.check_token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert find_plaintext(database_url, [token, token.removeprefix("umc_")]) == []


@pytest.mark.parametrize("spelling", [PUBLISHED, "+44 7700 900555", "0044 7700-900-555", "(07700) 900555"])
def test_api_finds_published_alerts_in_any_spelling(client, token, openapi, spelling):
    response = api(client, token, {"identifier": spelling})
    check_openapi(openapi, "/api/v1/check", response, {"identifier": spelling})
    body = response.get_json()
    assert body["warnings"] is True and body["count"] == 2
    assert body["latest"] == "2026-11-23"
    titles = {a["title"] for a in body["alerts"]}
    # Each alert's original description, then its updates; retracted alerts are left out.
    assert titles == {"Warning: silver Ford", "Second warning"}
    updated = next(a for a in body["alerts"] if a["title"] == "Warning: silver Ford")
    assert updated["body"] == "Took money back with threats."
    assert [(u["title"], u["body"]) for u in updated["updates"]] == [
        ("Warning: silver Ford (update 1)", "Took money back with threats. (update 1)")
    ]
    assert updated["published_at"].startswith("2026-11-23")
    assert body["note"] == NOT_SAFE


def test_api_by_plate_and_kind(client, token, openapi):
    response = api(client, token, {"identifier": "ab12-cde", "kind": "vehicle"})
    check_openapi(openapi, "/api/v1/check", response, {"identifier": "ab12-cde", "kind": "vehicle"})
    assert response.get_json()["count"] == 1


def test_report_under_review_does_not_leak_through_the_api(client, token, openapi):
    review = api(client, token, {"identifier": UNDER_REVIEW})
    nowhere = api(client, token, {"identifier": NOWHERE})
    check_openapi(openapi, "/api/v1/check", review)
    assert review.status_code == nowhere.status_code == 200
    assert review.get_data() == nowhere.get_data()
    assert review.get_json() == {"warnings": False, "count": 0, "latest": None, "alerts": [], "note": NOT_SAFE}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer umc_wrong"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["missing", "empty", "wrong", "basic", "huge"],
)
def test_missing_or_wrong_token_is_one_and_the_same_401(client, token, openapi, headers):
    response = client.post("/api/v1/check", json={"identifier": PUBLISHED}, headers=headers)
    check_openapi(openapi, "/api/v1/check", response)
    reference = client.post("/api/v1/check", json={"identifier": PUBLISHED})
    assert response.status_code == 401
    assert response.get_data() == reference.get_data()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_reissued_token_replaces_the_old_one(client, runner, token):
    assert runner.invoke(args=["matching", "issue-token", "Basis"]).exit_code == 0
    assert api(client, token, {"identifier": PUBLISHED}).status_code == 401


def test_token_of_an_inactive_project_is_refused(app, client, token):
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        db.scalar(select(Project).where(Project.name == "Basis")).active = False
        db.commit()
    assert api(client, token, {"identifier": PUBLISHED}).status_code == 401


def test_issue_token_for_an_unknown_project_fails_cleanly(runner, passphrase):
    result = runner.invoke(args=["matching", "issue-token", "Nobody"])
    assert result.exit_code != 0 and "no active project" in result.output


@pytest.mark.parametrize(
    "body,status",
    [
        ({"identifier": ""}, 422),
        ({"identifier": "   "}, 422),
        ({"identifier": "not a number!"}, 200),  # read as a username: a valid question with no warning
        ({"identifier": "12"}, 200),  # too short for a number or a plate: checked as a username
        ({"identifier": "07700 900555", "kind": "phone"}, 200),
        ({"identifier": "12", "kind": "phone"}, 422),
        ({"identifier": "AB12 C??", "kind": "vehicle"}, 422),
        ({"identifier": "no-at-sign", "kind": "email"}, 422),
        ({"identifier": "07700", "kind": "fax"}, 422),
        # A kind the document does not list is refused, however close to one or to "none".
        ({"identifier": "07700 900555", "kind": ""}, 422),
        ({"identifier": "07700 900555", "kind": " "}, 422),
        ({"identifier": "07700 900555", "kind": "PHONE"}, 422),
        ({"identifier": "07700 900555", "kind": "phone "}, 422),
        ({"identifier": "07700 900555", "kind": "\x00"}, 422),
        ({"identifier": "07700 900555", "kind": None}, 200),  # null: not given, any kind
        ({"identifier": "9" * 201}, 422),
        ({"identifier": "9" * 100_000}, 422),
        ({"identifier": 7700900555}, 422),
        ({"identifier": None}, 422),
        ({"identifier": ["07700900555"]}, 422),
        ({"identifier": {"a": 1}}, 422),
        ({"identifier": "07700 900555", "kind": 5}, 422),
        ({"identifier": "07700 900555", "extra": 1}, 422),
        ({}, 422),
        ({"identifier": "\x00\ud800"}, 422),
    ],
)
def test_bad_input_is_never_a_500(client, token, openapi, body, status):
    response = api(client, token, body)
    check_openapi(openapi, "/api/v1/check", response)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["note"] == NOT_SAFE


@pytest.mark.parametrize(
    "data,content_type,status",
    [("not json", "application/json", 400), ("[1, 2]", "application/json", 400), ("identifier=1", "text/plain", 415)],
)
def test_malformed_bodies(client, token, openapi, data, content_type, status):
    response = client.post(
        "/api/v1/check", data=data, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )
    check_openapi(openapi, "/api/v1/check", response)
    assert response.status_code == status


def test_checks_are_not_logged_or_stored(app, client, token, caplog, database_url):
    caplog.set_level(logging.DEBUG)
    api(client, token, {"identifier": "07700 900987"})
    api(client, token, {"identifier": "ZqCheckedHandle"})
    logged = caplog.text
    assert "900987" not in logged and "ZqCheckedHandle" not in logged.lower()
    assert find_plaintext(database_url, ["+447700900987", "7700900987", "zqcheckedhandle", "ZqCheckedHandle"]) == []


# --- the staff page ------------------------------------------------------------------------


@pytest.fixture
def member(app, alerts, clock):
    user = create(app, "memberuser", "project_member", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client


def staff_check(client, value, kind=""):
    return client.post("/check", data={"csrf_token": csrf(client, "/check"), "identifier": value, "kind": kind})


def answer_of(page: str) -> str:
    return re.search(r'<section class="check-answer".*?</section>', page, re.S).group(0)


def test_member_sees_only_published_alerts(member):
    response = staff_check(member, "+44 7700 900 555")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 published warnings" in page and "Second warning" in page and "Took money back" in page
    # The original description of him stays, with the update below it.
    assert page.index("Took money back with threats.</p>") < page.index("Update 23 November 2026")
    for hidden in ("RetractedTitleZq", "DraftTitleZq", "WaitingTitleZq", "He threatened me"):
        assert hidden not in page
    assert NOT_SAFE in page


def test_report_under_review_does_not_leak_on_the_page(member):
    review = answer_of(staff_check(member, UNDER_REVIEW).get_data(as_text=True))
    nowhere = answer_of(staff_check(member, NOWHERE).get_data(as_text=True))
    assert review == nowhere
    assert "No published warning" in review


@pytest.mark.parametrize(
    "value,kind",
    [("", ""), ("12", "phone"), ("AB1?", "vehicle"), ("x" * 201, ""), ("x" * 50_000, ""), ("07700", "fax")],
)
def test_staff_page_bad_input(member, value, kind):
    response = staff_check(member, value, kind)
    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert NOT_SAFE in response.get_data(as_text=True)


def test_staff_page_for_outreach_and_coordinators(app, alerts, clock):
    for role in ("outreach", "coordinator"):
        user = create(app, f"{role}checker", role, project="Basis" if role == "outreach" else None)
        client = app.test_client()
        login(client, user)
        assert "2 published warnings" in staff_check(client, PUBLISHED, "phone").get_data(as_text=True)


# --- the public page -----------------------------------------------------------------------


def test_public_check_is_off_by_default(client, passphrase):
    assert client.get("/check-a-number").status_code == 404
    assert client.post("/check-a-number", data={"identifier": PUBLISHED}).status_code == 404
    assert "/check-a-number" not in client.get("/").get_data(as_text=True)


@pytest.fixture
def public(database_url, alerts):
    app = make_app(database_url, PUBLIC_CHECK=True, PUBLIC_CHECK_CLIENT_LIMIT=4)
    yield app.test_client()
    app.extensions["ugly_mugs.engine"].dispose()


def public_check(client, value, lang="en", **headers):
    page = client.get(f"/check-a-number?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return client.post(
        f"/check-a-number?lang={lang}", data={"form_token": token, "identifier": value, "kind": ""}, headers=headers
    )


def test_public_check_answers_from_published_alerts(public):
    assert 'href="/check-a-number' in public.get("/").get_data(as_text=True)
    found = public_check(public, "07700 900 555").get_data(as_text=True)
    assert "Warnings about him: 2" in found and "Second warning" in found
    assert "quick-exit" in found and NOT_SAFE in found
    review = answer_of(public_check(public, UNDER_REVIEW).get_data(as_text=True))
    nowhere = answer_of(public_check(public, NOWHERE).get_data(as_text=True))
    assert review == nowhere and "We have no warning about this." in review


@pytest.mark.parametrize(
    "lang,sentence",
    [
        ("ro", "Dacă nu există nicio avertizare"),
        ("pt-br", "Não ter aviso não quer dizer"),
        ("pl", "Brak ostrzeżenia nie znaczy"),
        ("bg", "Липсата на предупреждение"),
    ],
)
def test_public_check_in_every_language(public, lang, sentence):
    page = public_check(public, NOWHERE, lang).get_data(as_text=True)
    assert sentence in page
    assert f'action="/check-a-number?lang={lang}"' in page


def test_public_check_bad_input_and_cross_site(public):
    assert public_check(public, "").status_code == 400
    assert public_check(public, "x" * 5000).status_code == 400
    assert public_check(public, PUBLISHED, Origin="https://evil.example").status_code == 403
    stale = public.post("/check-a-number", data={"form_token": "bad", "identifier": PUBLISHED})
    assert stale.status_code == 400 and PUBLISHED in stale.get_data(as_text=True)


def test_public_check_is_rate_limited(public):
    statuses = [public_check(public, NOWHERE).status_code for _ in range(6)]
    assert statuses[:4] == [200] * 4
    assert statuses[4:] == [429, 429]
    assert "Too many checks" in public_check(public, NOWHERE).get_data(as_text=True)


@pytest.mark.parametrize("lang", ["ro", "pt-br", "pl", "bg"])
def test_public_check_leaves_no_english_sentence(public, lang):
    from tests.integration.reporting.test_languages import ENGLISH, visible_text

    for page in (
        public.get(f"/check-a-number?lang={lang}").get_data(as_text=True),
        public_check(public, NOWHERE, lang).get_data(as_text=True),
        public_check(public, "", lang).get_data(as_text=True),
        public_check(public, "+44 7700 900555", lang).get_data(as_text=True),
    ):
        text = visible_text(page)
        left = [sentence for sentence in ENGLISH if sentence in text]
        assert left == [], lang


def test_public_check_stores_and_logs_no_address_or_user_agent(public, database_url, caplog):
    # The client address is only the input of the throttle's keyed hash (web.throttling.client).
    caplog.set_level(logging.DEBUG)
    address, agent = "198.51.100.77", "CanaryBrowser/9.9"
    statuses = []
    for _ in range(6):  # past the limit of 4, so both the counting and the refusal run
        page = public.get("/check-a-number", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
        form_token_value = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
        response = public.post(
            "/check-a-number",
            data={"form_token": form_token_value, "identifier": NOWHERE, "kind": ""},
            environ_base={"REMOTE_ADDR": address},
            headers={"User-Agent": agent},
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 4 + [429, 429]
    assert address not in caplog.text and agent not in caplog.text
    assert find_plaintext(database_url, [address, agent]) == []
