"""Login throttling is per account: five failures within a minute, or twenty within an hour,
lock that username (even the right password and code then get only the throttled answer) while other accounts log in as
usual; unknown usernames lock the same way with the same answer, so locking reveals nothing;
the lock lifts by itself after 15 minutes, and an admin can lift it earlier on the admin page.
(The command-line unlock is in test_staff_cli.py.)"""

from __future__ import annotations

import re
import time

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
from ugly_mugs.models import AuditEntry

THROTTLED = "Too many tries for this account. Wait 15 minutes, or ask an admin to unlock it."


def fail(client, username: str, times: int) -> None:
    for n in range(times):
        response = attempt(client, username, "a wrong password here", "000000")
        assert response.status_code == 401, n
        assert FAILED in response.get_data(as_text=True), f"failure {n + 1} was not an ordinary failure"


def enrolled(app, username: str, role: str = "coordinator"):
    """An account whose authenticator is set up, logged out again."""
    user = create(app, username, role, project="Basis" if role == "outreach" else None)
    client = app.test_client()
    assert login(client, user).status_code == 302
    logout(client)
    return user


def test_five_failures_lock_only_that_account_until_15_minutes_pass(app, passphrase, clock):
    carla = enrolled(app, "carla")
    dora = create(app, "dora", "outreach", project="Basis")
    client = app.test_client()

    # Four failures are not enough, and a success starts the count again.
    to_fresh_minute(clock)
    fail(client, "carla", 4)
    assert attempt(client, "carla", PASSWORD, code_for(carla.secret)).status_code == 302
    logout(client)

    clock.shift(30)
    fail(client, "carla", 5)
    response = attempt(client, "carla", PASSWORD, code_for(carla.secret))
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert THROTTLED in body and FAILED not in body

    # Someone else logs in at once, from the same client.
    other = app.test_client()
    assert login(other, dora).status_code == 302
    assert other.get("/outreach/reports").status_code == 200

    clock.shift(14 * 60)
    assert THROTTLED in attempt(client, "carla", PASSWORD, code_for(carla.secret)).get_data(as_text=True)
    clock.shift(60 + 5)
    response = attempt(client, "carla", PASSWORD, code_for(carla.secret))
    assert response.status_code == 302, "the lock did not lift after 15 minutes"
    assert client.get("/staff/keys").status_code == 200

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("login_locked") == 1
    assert actions.count("login_throttled") == 2


def test_unknown_usernames_lock_the_same_way_with_the_same_answer(app, passphrase, clock):
    enrolled(app, "carla")
    # Same length as "carla", so the echoed username is the only difference to mask.
    ghost = "ghost"
    client = app.test_client()

    to_fresh_minute(clock)
    fail(client, ghost, 5)
    unknown = attempt(client, ghost, PASSWORD, "123456")
    fail(client, "carla", 5)
    known = attempt(client, "carla", PASSWORD, "123456")

    assert unknown.status_code == known.status_code == 401
    assert THROTTLED in unknown.get_data(as_text=True)

    def masked(response, username: str) -> str:
        body = CSRF_VALUE.sub(r"\1\2", response.get_data(as_text=True))
        return body.replace(f'value="{username}"', 'value="USERNAME"')

    assert 'value="USERNAME"' in masked(known, "carla")
    assert masked(unknown, ghost) == masked(known, "carla")


def test_admin_lifts_a_lockout_on_the_admin_page(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    admin_client = app.test_client()
    assert login(admin_client, admin).status_code == 302
    carla = enrolled(app, "carla")
    client = app.test_client()

    to_fresh_minute(clock)
    fail(client, "carla", 5)
    assert THROTTLED in attempt(client, "carla", PASSWORD, code_for(carla.secret)).get_data(as_text=True)

    page = admin_client.get(f"/admin/accounts/{carla.id}").get_data(as_text=True)
    assert re.search(r"Locked after failed logins</dt><dd>yes", page)
    # A forged cross-site post (no CSRF token) changes nothing.
    assert admin_client.post(f"/admin/accounts/{carla.id}/unlock", data={}).status_code in (400, 403, 404)
    assert THROTTLED in attempt(client, "carla", PASSWORD, code_for(carla.secret)).get_data(as_text=True)
    token = csrf(admin_client, f"/admin/accounts/{carla.id}")
    response = admin_client.post(f"/admin/accounts/{carla.id}/unlock", data={"csrf_token": token})
    assert response.status_code == 302
    page = admin_client.get(f"/admin/accounts/{carla.id}").get_data(as_text=True)
    assert re.search(r"Locked after failed logins</dt><dd>no", page)

    # Well within the 15 minutes: the right password and code work again.
    assert attempt(client, "carla", PASSWORD, code_for(carla.secret)).status_code == 302

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "account_unlocked"))
    assert entry.actor_id == admin.id and entry.subject_account_id == carla.id


def test_slow_guessing_under_the_minute_limit_still_locks(app, passphrase, clock):
    """Four tries a minute never trip the per-minute limit, so a per-hour limit must."""
    carla = enrolled(app, "carla")
    client = app.test_client()
    to_fresh_minute(clock)
    clock.shift(60 * (60 - time.gmtime().tm_min) + 1)  # start at the top of an hour
    for _ in range(4):
        fail(client, "carla", 4)
        clock.shift(61)
    fail(client, "carla", 3)
    response = attempt(client, "carla", "a wrong password here", "000000")
    assert FAILED in response.get_data(as_text=True)  # the 20th failure itself is answered as usual...
    response = attempt(client, "carla", PASSWORD, code_for(carla.secret))
    assert THROTTLED in response.get_data(as_text=True)  # ...and then the account is locked
