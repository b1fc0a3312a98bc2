"""Invitation links (issue 17): a link that does not work – expired, used twice, tampered with,
unknown, replaced by a newer one, for a deactivated account, malformed or missing – gets the same
clear page (404, never a 500), says nothing about whether the account exists, and is audited;
too many from one client are throttled like receipt codes (429 with Retry-After). A password the
rules refuse comes back as a form error and the link still works. Only a keyed hash of a token
is stored: the raw database file holds no token in the clear. The command line can make an
invitation instead of a password."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.support import dbscan
from tests.support.staff import CSRF, PASSWORD, accept_invitation, create, csrf, invitation_link, login
from ugly_mugs.auth import invitations
from ugly_mugs.models import Account, AuditEntry

REFUSED = "This link does not work"


@pytest.fixture
def admin_client(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client


def invite(admin_client, username: str = "nina") -> str:
    data = {"username": username, "display_name": "Nina N", "role": "coordinator", "police_unit": "", "project": ""}
    data["csrf_token"] = csrf(admin_client, "/admin/accounts")
    response = admin_client.post("/admin/accounts", data=data)
    assert response.status_code == 200
    return invitation_link(response.get_data(as_text=True))


def account_id(app, username: str = "nina") -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return db.scalar(select(Account.id).where(Account.username == username))


def admin_post(admin_client, path: str):
    token = csrf(admin_client, "/admin/accounts")
    return admin_client.post(path, data={"csrf_token": token})


def token_of(link: str) -> str:
    return link.split("token=", 1)[1]


@dataclass(frozen=True)
class Case:
    name: str
    # Given the app, the admin's client, the clock and a fresh valid link: the link to open.
    prepare: Callable


def _expired(app, admin_client, clock, link):
    clock.shift(app.config["INVITATION_DAYS"] * 86400 + 1)
    return link


def _used(app, admin_client, clock, link):
    response, _ = accept_invitation(app.test_client(), link)
    assert response.status_code == 302
    return link


def _tampered(app, admin_client, clock, link):
    token = token_of(link)
    flipped = ("A" if token[5] != "A" else "B").join((token[:5], token[6:]))
    return link.replace(token, flipped)


def _unknown(app, admin_client, clock, link):
    return "/invitation?token=" + "x" * invitations.TOKEN_CHARACTERS


def _replaced(app, admin_client, clock, link):
    response = admin_post(admin_client, f"/admin/accounts/{account_id(app)}/invitation")
    assert response.status_code == 200 and token_of(invitation_link(response.get_data(as_text=True))) != token_of(link)
    return link


def _deactivated(app, admin_client, clock, link):
    assert admin_post(admin_client, f"/admin/accounts/{account_id(app)}/deactivate").status_code == 302
    return link


CASES = [
    Case("expired", _expired),
    Case("used twice", _used),
    Case("tampered", _tampered),
    Case("unknown", _unknown),
    Case("replaced by a newer link", _replaced),
    Case("deactivated account", _deactivated),
    Case("too long", lambda app, a, c, link: link + "A"),
    Case("cut short", lambda app, a, c, link: link[:-1]),
    Case("empty", lambda app, a, c, link: "/invitation?token="),
    Case("missing", lambda app, a, c, link: "/invitation"),
    Case("other script", lambda app, a, c, link: "/invitation?token=" + "é" * invitations.TOKEN_CHARACTERS),
    Case("huge", lambda app, a, c, link: "/invitation?token=" + "A" * 5000),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_link_that_does_not_work_gets_one_clear_page(app, admin_client, clock, case):
    app.config["RECEIPT_CLIENT_FAILURES"] = 1000  # the throttle has its own test below
    link = invite(admin_client)
    opened = case.prepare(app, admin_client, clock, link)
    person = app.test_client()
    page = person.get(opened)
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and REFUSED in text
    assert "nina" not in text.lower()  # nothing says whose link it was, or that the account exists
    # Sending the form with it sets no password either.
    token = CSRF.search(person.get("/login").get_data(as_text=True))
    posted = person.post(
        "/invitation",
        data={
            "token": opened.split("token=", 1)[1] if "token=" in opened else "",
            "new": "a brand new password",
            "confirm": "a brand new password",
            "csrf_token": token.group(1) or token.group(2),
        },
    )
    assert posted.status_code == 404 and REFUSED in posted.get_data(as_text=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(func.count()).where(AuditEntry.action == "invitation_refused")) == 2
        if case.name != "used twice":
            assert db.get(Account, account_id(app)).public_key == b"", "a key pair was made"


def test_a_refused_password_keeps_the_link_working(app, admin_client, clock):
    link = invite(admin_client)
    person = app.test_client()
    text = person.get(link).get_data(as_text=True)
    token = CSRF.search(text)
    data = {"token": token_of(link), "csrf_token": token.group(1) or token.group(2)}
    for new, confirm, message in (
        ("short", "short", "Field must be between"),
        ("a long enough password", "a different password", "The two passwords are not the same."),
        ("x" * 257, "x" * 257, "Field must be between"),
    ):
        response = person.post("/invitation", data={**data, "new": new, "confirm": confirm})
        assert response.status_code == 400 and message in response.get_data(as_text=True), new
    # Without the CSRF token nothing is set.
    response = person.post("/invitation", data={"token": token_of(link), "new": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    response, _ = accept_invitation(person, link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")


def test_wrong_links_are_throttled_per_client(app, admin_client, clock):
    link = invite(admin_client)
    person = app.test_client()
    for _ in range(app.config["RECEIPT_CLIENT_FAILURES"]):
        assert person.get(_unknown(app, admin_client, clock, link)).status_code == 404
    refused = person.get(link)  # even the right link waits: the guessing stops here
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many links" in refused.get_data(as_text=True)
    # Another client opens its right link.
    other = app.test_client()
    assert other.get(link, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200


def test_the_database_holds_no_token_in_the_clear(app, admin_client, database_url, clock):
    first = token_of(invite(admin_client))
    response = admin_post(admin_client, f"/admin/accounts/{account_id(app)}/invitation")
    second = token_of(invitation_link(response.get_data(as_text=True)))
    third = token_of(invite(admin_client, "otto"))
    assert dbscan.find_plaintext(database_url, [first, second, third]) == []
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        stored = db.get(Account, account_id(app)).invitation_digest
        assert stored == invitations.digest(app.config["AUDIT_KEY"], second)
        actions = list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("invitation_created") == 3
    # Re-issuing to an account that never set a password is no password reset.
    assert "password_reset" not in actions


def test_the_command_line_can_make_an_invitation(app, runner, passphrase, clock):
    def invoke(*args):
        with app.app_context():
            return runner.invoke(args=list(args))

    result = invoke("accounts", "create", "--username", "Iris", "--role", "coordinator", "--invitation")
    assert result.exit_code == 0, result.output
    assert "initial password" not in result.output and "authenticator:" not in result.output
    link = re.search(r"^invitation link .*: (/invitation\?token=\S+)$", result.output, re.M).group(1)
    response, _ = accept_invitation(app.test_client(), link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        iris = db.scalar(select(Account).where(Account.username == "iris"))
        assert iris.public_key and iris.invitation_digest is None and iris.totp_confirmed

    both = invoke("accounts", "create", "--username", "x", "--role", "admin", "--invitation", "--password-file", "f")
    assert both.exit_code != 0 and "exclude each other" in both.output


def test_the_command_line_resets_a_password_with_a_new_invitation(app, runner, passphrase, clock):
    def invoke(*args):
        with app.app_context():
            return runner.invoke(args=list(args))

    ada = create(app, "ada", "admin")
    result = invoke("accounts", "invite", "ada")
    assert result.exit_code == 0, result.output
    link = re.search(r"^invitation link .*: (/invitation\?token=\S+)$", result.output, re.M).group(1)
    clock.shift(30)
    assert login(app.test_client(), ada).status_code == 401, "the old password still works"
    response, _ = accept_invitation(app.test_client(), link, "ada's brand new password")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/accounts")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.subject_account_id == ada.id)))
    steps = iter(actions)
    assert all(step in steps for step in ("password_reset", "invitation_created", "invitation_accepted")), actions
    assert invoke("accounts", "invite", "nobody").exit_code != 0
