"""Two-factor login: first login enrols the authenticator, later logins need password and a
fresh code; a code is never accepted twice (not after logout, not written with spaces, not
once a later code was used), a code two steps old is refused while an unused one-step-old
code is accepted; and failures look the same whatever failed (unknown user, wrong password,
wrong code), byte for byte, each one recorded in the audit log as login_failed."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from tests.support.staff import PASSWORD, code_for, create, csrf, login
from ugly_mugs.models import Account, AuditEntry

FAILED = "The username, password or code is not right."
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def to_fresh_minute(clock) -> None:
    """Move to just after a minute starts: a new 30-second step and a new failure window."""
    clock.shift(60 - time.time() % 60 + 0.2)


def attempt(client, username: str, password: str, code: str):
    token = csrf(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "code": code, "csrf_token": token})


def logout(client) -> None:
    token = csrf(client, "/account/password")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/password").status_code == 302


def last_step(app, user) -> int | None:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return db.get(Account, user.id).totp_last_step


def test_first_login_enrols_then_logs_in(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/coordinator/reports")
    assert client.get("/staff/keys").status_code == 200


def test_code_cannot_be_replayed_after_logout(app, client, passphrase, clock):
    user = create(app, "olga", "outreach", project="Basis")
    code = code_for(user.secret)
    assert login(client, user, code).status_code == 302
    token = csrf(client, "/outreach/reports")
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/outreach/reports").status_code == 302
    response = login(client, user, code)
    assert response.status_code == 401
    assert "The username, password or code is not right." in response.get_data(as_text=True)


def test_used_code_is_refused_with_spaces_and_after_a_later_code(app, client, passphrase, clock):
    to_fresh_minute(clock)
    user = create(app, "carla", "coordinator")
    first = code_for(user.secret)
    assert login(client, user, first).status_code == 302
    logout(client)

    # The used code again, written as people type it from the app.
    for written in (f"{first[:3]} {first[3:]}", f" {first} "):
        response = attempt(client, user.username, PASSWORD, written)
        assert response.status_code == 401
        assert FAILED in response.get_data(as_text=True)

    # Two steps later: log in with the current code, leaving the step before it unused.
    clock.shift(60)
    assert attempt(client, user.username, PASSWORD, code_for(user.secret)).status_code == 302
    logout(client)
    older = code_for(user.secret, -1)
    assert older not in (first, code_for(user.secret)), "codes collided by chance; run again"
    response = attempt(client, user.username, PASSWORD, older)
    assert response.status_code == 401, "an unused but older code was accepted after a later one"
    assert FAILED in response.get_data(as_text=True)


def test_two_steps_old_is_refused_one_step_old_is_accepted(app, client, passphrase, clock):
    to_fresh_minute(clock)
    user = create(app, "carla", "coordinator")
    assert login(client, user).status_code == 302
    logout(client)
    used = last_step(app, user)

    clock.shift(90)  # three steps on: the codes of the next two steps were never used
    two_old, one_old = code_for(user.secret, -2), code_for(user.secret, -1)
    assert two_old != one_old
    response = attempt(client, user.username, PASSWORD, two_old)
    assert response.status_code == 401
    assert last_step(app, user) == used

    response = attempt(client, user.username, PASSWORD, one_old)
    assert response.status_code == 302
    assert last_step(app, user) == used + 2


def test_the_three_failures_are_identical_and_audited(app, passphrase, clock):
    to_fresh_minute(clock)
    client = app.test_client()
    # The same username and code in all three, so the only difference is what was wrong.
    username, wrong = "dora", "000000"
    unknown = attempt(client, username, PASSWORD, wrong)

    user = create(app, username, "outreach", project="Basis")
    assert login(client, user).status_code == 302
    logout(client)
    # One chance in a million that the fixed code is the valid one right now.
    assert wrong not in (code_for(user.secret), code_for(user.secret, -1)), "run again"
    bad_password = attempt(client, username, "not the password at all", wrong)
    bad_code = attempt(client, username, PASSWORD, wrong)

    responses = {"unknown user": unknown, "wrong password": bad_password, "wrong code": bad_code}
    for name, response in responses.items():
        assert response.status_code == 401, name
        assert FAILED in response.get_data(as_text=True), name
        assert "Set-Cookie" not in response.headers, name

    bodies = {name: CSRF_VALUE.sub(r"\1\2", r.get_data(as_text=True)) for name, r in responses.items()}
    assert bodies["unknown user"] == bodies["wrong password"] == bodies["wrong code"]
    headers = {name: sorted((k, v) for k, v in r.headers if k != "Date") for name, r in responses.items()}
    assert headers["unknown user"] == headers["wrong password"] == headers["wrong code"]

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        failed = db.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed").order_by(AuditEntry.id))
        subjects = [e.subject_account_id for e in failed]
    assert subjects == [None, user.id, user.id]


def test_codes_that_are_not_six_ascii_digits_fail_without_error(app, client, passphrase, clock):
    to_fresh_minute(clock)
    user = create(app, "carla", "coordinator")
    assert login(client, user).status_code == 302
    logout(client)
    clock.shift(30)
    valid = code_for(user.secret)
    arabic_indic = "".join(chr(0x0660 + int(d)) for d in valid)
    for written in (arabic_indic, valid[:5] + "x", valid + "0"):
        response = attempt(client, user.username, PASSWORD, written)
        assert response.status_code == 401, written
        assert FAILED in response.get_data(as_text=True)
    # The refusals did not use up the step: the real code still works.
    assert attempt(client, user.username, PASSWORD, valid).status_code == 302
