"""Two-factor login: first login enrols the authenticator, later logins need password and a
fresh code; a code is never accepted twice (not after logout, not written with spaces, not
once a later code was used), a code two steps old is refused while an unused one-step-old
code is accepted; and failures look the same whatever failed (unknown user, wrong password,
wrong code), byte for byte, each one recorded in the audit log as login_failed.

Same work, same time: every attempt through the login page (unknown user, wrong password,
right password with a wrong code, success, a locked or deactivated account) and every check of
the current password runs exactly one Argon2id derivation, which both checks the password and
unlocks the key. Accounts made by the first release (an argon2-cffi hash beside the derived
key) still log in, are moved to the one-derivation verifier at their first right password (and
to today's parameters if theirs were weaker), and refuse a wrong one. The current password
asked on /account/password shares the login lockout and is audited."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.support.staff import (
    CSRF_VALUE,
    FAILED,
    PASSWORD,
    attempt,
    code_for,
    create,
    csrf,
    login,
    logout,
    to_fresh_minute,
)
from ugly_mugs.auth import accounts
from ugly_mugs.crypto import aead, passwords
from ugly_mugs.models import Account, AuditEntry


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


# --- one derivation per attempt ----------------------------------------------------------------


@pytest.fixture
def derivations(monkeypatch):
    """Counts Argon2id derivations (the real function still runs)."""
    calls: list[int] = []
    real = passwords.derive_key

    def counting(secret, salt, params=passwords.DEFAULT_PARAMS):
        calls.append(params.memory_kib)
        return real(secret, salt, params)

    monkeypatch.setattr(passwords, "derive_key", counting)
    return calls


def as_first_release(app, user, params: passwords.Argon2Params = passwords.DEFAULT_PARAMS) -> None:
    """Store the account as the first release did: an argon2-cffi hash beside the key derived with ``params``."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, user.id)
        unlocked = accounts.unlock(account, PASSWORD)
        secret = accounts.totp_secret(account, unlocked.wrapping_key)
        salt = passwords.new_salt()
        key = passwords.derive_key(PASSWORD, salt, params)
        account.key_salt, account.key_params = salt, params.as_dict()
        account.encrypted_private_key = aead.encrypt(
            key, unlocked.personal.private, accounts._aad(account.id, "private-key")
        )
        account.encrypted_totp_secret = aead.encrypt(key, secret.encode(), accounts._aad(account.id, "totp"))
        account.password_hash = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1).hash(PASSWORD)
        db.commit()


def stored(app, user) -> Account:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return db.get(Account, user.id)


def lock_out(app, user) -> None:
    client = app.test_client()
    for _ in range(5):
        assert attempt(client, user.username, "a wrong password 123", "000000").status_code == 401


OUTCOMES = {
    "unknown user": lambda app, user: ("nobody-here", PASSWORD, "000000", 401),
    "wrong password": lambda app, user: (user.username, "a wrong password 123", code_for(user.secret), 401),
    "wrong code": lambda app, user: (user.username, PASSWORD, code_for(user.secret, 20), 401),
    "success": lambda app, user: (user.username, PASSWORD, code_for(user.secret), 302),
    "locked": lambda app, user: (lock_out(app, user), (user.username, PASSWORD, code_for(user.secret), 401))[1],
    "deactivated": lambda app, user: (deactivate(app, user), (user.username, PASSWORD, code_for(user.secret), 401))[1],
}


def deactivate(app, user) -> None:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        accounts.deactivate(db, db.get(Account, user.id), None)
        db.commit()


@pytest.mark.parametrize("outcome", list(OUTCOMES))
def test_every_login_outcome_costs_exactly_one_derivation(app, passphrase, clock, derivations, outcome):
    to_fresh_minute(clock)
    user = create(app, "vera", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302  # enrolled; this used the current step
    logout(client)
    clock.shift(30)
    username, password, code, status = OUTCOMES[outcome](app, user)
    token = csrf(client, "/login")
    derivations.clear()
    response = client.post(
        "/login", data={"username": username, "password": password, "code": code, "csrf_token": token}
    )
    assert response.status_code == status
    assert derivations == [passwords.DEFAULT_PARAMS.memory_kib]
    assert passwords.DEFAULT_PARAMS.memory_kib >= 64 * 1024 and passwords.DEFAULT_PARAMS.iterations >= 3


def test_a_first_release_account_logs_in_and_moves_to_the_verifier(app, passphrase, clock, derivations):
    to_fresh_minute(clock)
    user = create(app, "fred", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    logout(client)
    as_first_release(app, user)
    old = stored(app, user)
    assert old.password_hash.startswith("$argon2id$")

    clock.shift(30)
    derivations.clear()
    assert attempt(client, user.username, "a wrong password 123", code_for(user.secret)).status_code == 401
    assert derivations == [passwords.DEFAULT_PARAMS.memory_kib]  # no second Argon2 run for the old hash
    assert stored(app, user).password_hash == old.password_hash

    derivations.clear()
    assert attempt(client, user.username, PASSWORD, code_for(user.secret)).status_code == 302
    assert derivations == [passwords.DEFAULT_PARAMS.memory_kib]
    moved = stored(app, user)
    assert moved.password_hash.startswith(accounts.VERIFIER_PREFIX)
    # Same key and salt: only the verifier changed, so the private key and authenticator stay as they were.
    assert (moved.key_salt, moved.encrypted_private_key) == (old.key_salt, old.encrypted_private_key)
    logout(client)
    clock.shift(30)
    assert attempt(client, user.username, PASSWORD, code_for(user.secret)).status_code == 302


def test_a_first_release_account_with_weaker_parameters_is_rewrapped(app, passphrase, clock, derivations):
    to_fresh_minute(clock)
    user = create(app, "wanda", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    logout(client)
    weak = passwords.Argon2Params(memory_kib=19 * 1024, iterations=2, lanes=1)
    as_first_release(app, user, weak)
    clock.shift(30)
    derivations.clear()
    assert attempt(client, user.username, PASSWORD, code_for(user.secret)).status_code == 302
    # The old parameters once to open, today's once to wrap again: a one-off at the first login.
    assert derivations == [weak.memory_kib, passwords.DEFAULT_PARAMS.memory_kib]
    moved = stored(app, user)
    assert moved.key_params == passwords.DEFAULT_PARAMS.as_dict()
    assert moved.password_hash.startswith(accounts.VERIFIER_PREFIX)
    logout(client)
    clock.shift(30)
    derivations.clear()
    assert attempt(client, user.username, PASSWORD, code_for(user.secret)).status_code == 302
    assert derivations == [passwords.DEFAULT_PARAMS.memory_kib]


# --- the current password on /account/password ------------------------------------------------


def change(client, current: str, new: str = "a brand new long password"):
    token = csrf(client, "/account/password")
    return client.post("/account/password", data={"current": current, "new": new, "confirm": new, "csrf_token": token})


def actions(app, *names: str) -> list[str]:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return list(db.scalars(select(AuditEntry.action).where(AuditEntry.action.in_(names)).order_by(AuditEntry.id)))


def test_current_password_guesses_share_the_login_lockout_and_are_audited(app, passphrase, clock, derivations):
    to_fresh_minute(clock)
    user = create(app, "gail", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    # Two failed logins from elsewhere, then three wrong current passwords: five failures, locked.
    other = app.test_client()
    for _ in range(2):
        assert attempt(other, user.username, "a wrong password 123", "000000").status_code == 401
    for _ in range(3):
        derivations.clear()
        response = change(client, "not my password at all")
        assert response.status_code == 400
        assert "That is not your current password." in response.get_data(as_text=True)
        assert derivations == [passwords.DEFAULT_PARAMS.memory_kib]
    assert actions(app, "login_failed", "password_check_failed", "login_locked") == [
        "login_failed",
        "login_failed",
        "password_check_failed",
        "password_check_failed",
        "login_locked",
        "password_check_failed",
    ]
    # Locked: the right current password is refused too, and so is a login with the right password and code.
    response = change(client, PASSWORD)
    assert response.status_code == 429 and "Too many tries" in response.get_data(as_text=True)
    assert actions(app, "password_check_throttled") == ["password_check_throttled"]
    assert attempt(other, user.username, PASSWORD, code_for(user.secret, 1)).status_code == 401
    assert accounts.verify_password(stored(app, user), PASSWORD)  # the password was not changed
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "password_check_failed")).all()
    assert {(e.actor_id, e.subject_account_id) for e in entries} == {(user.id, user.id)}


def test_a_bad_new_password_costs_no_guess(app, passphrase, clock, derivations):
    to_fresh_minute(clock)
    user = create(app, "hana", "outreach", project="Basis")
    client = app.test_client()
    assert login(client, user).status_code == 302
    derivations.clear()
    token = csrf(client, "/account/password")
    long = "x" * 300
    response = client.post(
        "/account/password", data={"current": "a wrong one", "new": long, "confirm": long, "csrf_token": token}
    )
    assert response.status_code == 400
    assert derivations == []
    assert actions(app, "password_check_failed") == []
    assert change(client, PASSWORD).status_code == 200
    assert actions(app, "password_changed") == ["password_changed"]
