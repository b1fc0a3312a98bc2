"""Staff forms survive an expired session or CSRF token (``web.drafts``): nothing typed is lost.

Proves, table-driven over staff forms with typed text (an outreach worker's report, a case note,
a covering note, a new account, a project's name) and for both ways a token fails:

- 31 minutes after opening the form (the session's idle limit is 30), the press of Send answers
  the login page holding everything typed (listed on it and carried in a hidden field, never a
  password or the old token), nothing is stored, and logging in there leads back (307, same
  body) to the form, shown filled in with a notice; pressing Send then stores it once;
- with the session still there but the token expired or wrong (a form left open in another
  tab), the same page shows its form back filled in, nothing is stored, and the next press works;
- the login page's own draft survives a wrong password and its own expired token;
- a login page cannot be used to send anyone elsewhere: a draft whose destination is not a staff
  page of this app is dropped and the login goes home as usual.
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.app import minimal_report
from tests.support.staff import PASSWORD, code_for, create, csrf, login, signed_in
from ugly_mugs.models import Account, CaseNote, PoliceRelease, Project, Report
from ugly_mugs.web import drafts

STORY = "She was followed from the canal ZqDraftStory, then he drove off"
NOTE = "Called her back at 3pm; she will come in Thursday ZqDraftNote"


def _outreach(app, passphrase, db):
    client, user = signed_in(app, passphrase, "olga", "outreach", granted=False, project="Basis")
    data = {
        **minimal_report(what_happened=STORY, consent_level="alert_only", place="By the canal ZqDraftPlace"),
        "contact_via_project": "Tuesdays ZqDraftVia",
        "attested": "y",
        "csrf_token": csrf(client, "/outreach/report"),
    }
    count = lambda: db.scalar(select(func.count()).select_from(Report))  # noqa: E731
    return client, user, "/outreach/report", data, [STORY, "By the canal ZqDraftPlace", "Tuesdays ZqDraftVia"], count


def _case_note(app, passphrase, db):
    reporter = app.test_client()
    reference = reporter.post("/api/v1/reports", json=minimal_report()).get_json()["reference"]
    client, user = signed_in(app, passphrase, "carla", "coordinator")
    page = f"/coordinator/reports/{reference}"
    data = {"text": NOTE, "csrf_token": csrf(client, page)}
    count = lambda: db.scalar(select(func.count()).select_from(CaseNote))  # noqa: E731
    return client, user, f"{page}/notes", data, [NOTE], count


def _covering_note(app, passphrase, db):
    reporter = app.test_client()
    body = minimal_report(consent_level="anonymous_intel")
    reference = reporter.post("/api/v1/reports", json=body).get_json()["reference"]
    client, user = signed_in(app, passphrase, "carla", "coordinator")
    page = f"/coordinator/reports/{reference}"
    data = {"note": "Covering ZqDraftCover: she can be reached via Basis", "csrf_token": csrf(client, page)}
    count = lambda: db.scalar(select(func.count()).select_from(PoliceRelease))  # noqa: E731
    return client, user, f"{page}/pass", data, ["Covering ZqDraftCover: she can be reached via Basis"], count


def _new_account(app, passphrase, db):
    client, user = signed_in(app, passphrase, "adam", "admin", granted=False)
    data = {
        "username": "zqdraftuser",
        "display_name": "Maria Ionescu ZqDraftName",
        "role": "outreach",
        "police_unit": "",
        "project": "",
        "csrf_token": csrf(client, "/admin/accounts"),
    }
    count = lambda: db.scalar(select(func.count()).select_from(Account))  # noqa: E731
    return client, user, "/admin/accounts", data, ["zqdraftuser", "Maria Ionescu ZqDraftName"], count


def _project(app, passphrase, db):
    client, user = signed_in(app, passphrase, "adam", "admin", granted=False)
    data = {"name": "Proiect Șoseaua ZqDraftProject", "csrf_token": csrf(client, "/projects")}
    count = lambda: db.scalar(select(func.count()).select_from(Project))  # noqa: E731
    return client, user, "/projects", data, ["Proiect Șoseaua ZqDraftProject"], count


FORMS = {
    "outreach report": _outreach,
    "case note": _case_note,
    "covering note": _covering_note,
    "new account": _new_account,
    "project": _project,
}


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _hidden(response, name: str) -> str:
    """The value of the page's hidden field ``name`` (the first), as the browser would send it."""
    raw = response.get_data(as_text=True)
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', raw) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', raw
    )
    assert found, name
    return html.unescape(found.group(1))


def _has_all(page: str, typed: list[str]) -> None:
    for value in typed:
        assert value in page, value


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_sent_after_the_session_ended_comes_back_after_login(app, passphrase, db_session, clock, form):
    client, user, path, data, typed, count = FORMS[form](app, passphrase, db_session)
    before = count()
    clock.shift(timedelta(minutes=31))
    ended = client.post(path, data=data)
    assert ended.status_code == 400
    page = _text(ended)
    assert 'id="draft-notice"' in page and "Log in again" in page
    _has_all(page, typed)
    assert count() == before
    carried = json.loads(_hidden(ended, "_draft"))
    assert "csrf_token" not in {name for name, _ in carried}
    assert _hidden(ended, "_draft_to") == path

    # Logging in on that page: back to the form (307: the browser sends the same body there),
    # shown filled in, not sent. (Werkzeug's test client cannot resend a body it has read.)
    body = {
        "username": user.username,
        "password": PASSWORD,
        "code": code_for(user.secret),
        "csrf_token": _hidden(ended, "csrf_token"),
        "_draft": _hidden(ended, "_draft"),
        "_draft_to": _hidden(ended, "_draft_to"),
    }
    answer = client.post("/login", data=body)
    assert answer.status_code == 307 and answer.headers["Location"] == path
    back = client.post(answer.headers["Location"], data=body)
    assert back.status_code == 400
    shown = _text(back)
    assert 'id="draft-kept-notice"' in shown and PASSWORD not in shown
    _has_all(shown, typed)
    assert count() == before

    # Pressing the button on the page shown back (with its fresh token) sends it, once.
    sent = client.post(path, data={**data, "csrf_token": _hidden(back, "csrf_token")})
    assert sent.status_code in (200, 302)
    assert count() == before + 1


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("token", ["not-a-token", "expired"])
def test_a_form_with_a_bad_token_is_shown_back_filled_in(app, passphrase, db_session, clock, form, token):
    client, _user, path, data, typed, count = FORMS[form](app, passphrase, db_session)
    before = count()
    if token == "expired":
        # Flask-WTF's tokens last an hour; the session stays alive with a request every 20 minutes.
        for _ in range(4):
            clock.shift(timedelta(minutes=20))
            assert client.get("/staff").status_code == 302
    else:
        data = {**data, "csrf_token": token}
    refused = client.post(path, data=data)
    assert refused.status_code in (400, 409)
    page = _text(refused)
    assert 'id="draft-kept-notice"' in page
    _has_all(page, typed)
    assert count() == before
    assert client.post(path, data={**data, "csrf_token": _hidden(refused, "csrf_token")}).status_code in (200, 302)
    assert count() == before + 1


def test_the_login_page_keeps_its_draft_through_a_wrong_password_and_its_own_expiry(app, passphrase, clock):
    user = create(app, "olga", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    draft = json.dumps([["what_happened", STORY]])
    body = {
        "username": user.username,
        "password": "wrong",
        "code": "",
        "_draft": draft,
        "_draft_to": "/outreach/report",
    }
    wrong = client.post("/login", data={**body, "csrf_token": csrf(client, "/login")})
    assert wrong.status_code == 401 and STORY in _text(wrong) and 'id="draft-notice"' in _text(wrong)
    expired = client.post("/login", data={**body, "csrf_token": "stale"})
    assert expired.status_code == 400 and STORY in _text(expired) and 'value="olga"' in _text(expired)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/outreach/report",
        "//evil.example/x",
        "/\\evil.example/outreach/report",
        "/coordinator/reports/\\evil.example/notes",
        "/login",
        "/report",
        "/no/such/page",
        "",
    ],
)
def test_a_draft_goes_only_to_a_staff_page_of_this_app(app, passphrase, clock, target):
    user = create(app, "olga", "outreach", project="Basis")
    client = app.test_client()
    token = csrf(client, "/login")
    answer = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "code": code_for(user.secret),
            "csrf_token": token,
            "_draft": json.dumps([["what_happened", STORY]]),
            "_draft_to": target,
        },
    )
    # Enrolment first (a new account), or straight home: never to the target.
    assert answer.status_code == 302 and not answer.headers["Location"].startswith(("http", "//"))
    assert target == "" or not answer.headers["Location"].endswith(target)


def test_secret_fields_are_every_password_field():
    assert {"password", "current", "new", "confirm", "passphrase"} <= drafts.secret_fields()
