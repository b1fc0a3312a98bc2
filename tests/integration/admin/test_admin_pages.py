"""Admin account pages: creating an account shows an invitation link once (never a password), with
which the person sets their own password and enrols their authenticator; bad usernames (empty, blank, bad
characters, too long, taken) and a police account without a unit come back as form errors,
never a server error, and create nothing. Over-long passwords (more than 256 characters) are
refused before any Argon2 work: by the password rules, at login and on the change-password page."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from tests.support import dbscan
from tests.support.staff import (
    PASSWORD,
    StaffUser,
    accept_invitation,
    create,
    csrf,
    invitation_link,
    login,
)
from ugly_mugs.auth import accounts
from ugly_mugs.models import Account, AuditEntry, PoliceUnit, Project

INVITATION = re.compile(r'id="invitation-link">([^<]+)<')


@pytest.fixture
def admin_client(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    client = app.test_client()
    assert login(client, admin).status_code == 302
    return client


def new_account(client, **fields):
    data = {"username": "nina", "display_name": "Nina N", "role": "coordinator", "police_unit": "", "project": ""}
    data.update(fields)
    data["csrf_token"] = csrf(client, "/admin/accounts")
    return client.post("/admin/accounts", data=data)


def account_count(app) -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return db.scalar(select(func.count()).select_from(Account))


def test_new_account_shows_an_invitation_link_once_and_never_a_password(app, admin_client, database_url, clock):
    response = new_account(admin_client)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = invitation_link(page)
    token = link.split("token=", 1)[1]
    assert "password" not in page.split('id="invitation-link"')[1].split("</section>")[0].replace("own password", "")
    listing = admin_client.get("/admin/accounts").get_data(as_text=True)
    assert not INVITATION.search(listing) and token not in listing
    assert dbscan.find_plaintext(database_url, [token]) == []

    # Before the person accepts, no password logs in as them (not even an empty one).
    person = app.test_client()
    for guess in ("", PASSWORD, token):
        assert login(person, StaffUser(0, "nina", "coordinator", guess or "x", "A" * 32)).status_code in (400, 401)

    # The person sets their own password, then enrols their authenticator.
    response, secret = accept_invitation(person, link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")
    fresh = app.test_client()
    # Later logins: their password and a later code (the enrolment's code cannot be used again).
    clock.shift(30)
    assert login(fresh, StaffUser(0, "nina", "coordinator", PASSWORD, secret)).status_code == 302
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"invitation_created", "invitation_accepted", "two_factor_enrolled"} <= actions


BAD_FORMS = [
    ({"username": ""}, "Choose a username."),
    ({"username": "   "}, "Choose a username."),
    ({"username": "two words"}, "A username uses letters, digits and . _ - @ only"),
    ({"username": "<script>"}, "A username uses letters, digits and . _ - @ only"),
    ({"username": "n" * 65}, "Field cannot be longer than 64 characters."),
    ({"display_name": ""}, "Enter the person&#39;s name."),
    ({"role": "king"}, "Not a valid choice"),
    ({"role": "police"}, "A police liaison account needs a police unit."),
    ({"project": "999"}, "Not a valid choice"),
]


def test_bad_account_forms_come_back_with_an_error(app, admin_client):
    before = account_count(app)
    for fields, message in BAD_FORMS:
        response = new_account(admin_client, **fields)
        assert response.status_code == 400, fields
        assert message in response.get_data(as_text=True), fields
        assert not INVITATION.search(response.get_data(as_text=True))
    assert account_count(app) == before


def test_taken_username_comes_back_with_an_error(app, admin_client):
    assert new_account(admin_client).status_code == 200
    before = account_count(app)
    for taken in ("nina", "NINA", " Nina "):
        response = new_account(admin_client, username=taken, display_name="Someone Else")
        assert response.status_code == 400, taken
        assert "That username is taken." in response.get_data(as_text=True)
    assert account_count(app) == before


# Usernames that would pass for "nina" on screen: fullwidth (the same username once read), a
# Cyrillic а or і among Latin letters (mixed), and all look-alike letters of one script.
LOOK_ALIKES = [
    ("ｎｉｎａ", "That username is taken."),
    ("Ｎｉｎａ", "That username is taken."),
    ("ninа", "one alphabet"),
    ("nіna", "one alphabet"),
    ("nin\u0430", "one alphabet"),
    ("nіnа", "one alphabet"),
    ("n1na", None),  # a digit is not a letter: allowed, it reads differently
]


@pytest.mark.parametrize(("username", "refusal"), LOOK_ALIKES)
def test_a_username_that_looks_like_another_is_refused(app, admin_client, username, refusal):
    assert new_account(admin_client).status_code == 200
    before = account_count(app)
    response = new_account(admin_client, username=username, display_name="Someone Else")
    if refusal is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400, username
    assert refusal in response.get_data(as_text=True)
    assert account_count(app) == before


def test_usernames_in_one_other_alphabet_are_kept_apart_by_how_they_look(app, passphrase, clock):
    """A Cyrillic username is fine; one that looks like an existing one in another script is not."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        accounts.new_account(db, "мария", "Мария", "outreach")
        accounts.new_account(db, "papa", "Papa", "outreach")
        with pytest.raises(accounts.AccountError, match="looks like the account"):
            accounts.new_account(db, "\u0440\u0430\u0440\u0430", "Another", "outreach")  # р а р а: looks like "papa"
        db.rollback()


def test_password_length_rules():
    accounts.check_password_rules("x" * accounts.MAX_PASSWORD)
    accounts.check_password_rules("x" * accounts.MIN_PASSWORD)
    for bad in ("x" * (accounts.MAX_PASSWORD + 1), "x" * 1_000_000, "x" * (accounts.MIN_PASSWORD - 1)):
        with pytest.raises(accounts.AccountError):
            accounts.check_password_rules(bad)


def test_overlong_passwords_are_refused_before_hashing(app, passphrase, clock):
    user = create(app, "carla", "coordinator")
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        with pytest.raises(accounts.AccountError, match="at most 256"):
            accounts.create_account(db, "longpw", "Long", "admin", "x" * 257)
        db.rollback()
        assert accounts.find(db, "longpw") is None

        account = db.get(Account, user.id)
        started = time.perf_counter()
        assert not accounts.verify_password(account, "a wrong but ordinary password")
        hashed = time.perf_counter() - started
        started = time.perf_counter()
        assert not accounts.verify_password(account, PASSWORD + "x" * 1_000_000)
        refused = time.perf_counter() - started
    # Argon2 with 64 MiB takes tens of milliseconds at least; the refusal takes microseconds.
    assert refused < hashed / 10, (refused, hashed)

    client = app.test_client()
    assert login(client, user).status_code == 302
    too_long = "y" * (accounts.MAX_PASSWORD + 1)
    fine = "a fine new passphrase"
    for data, message in (
        ({"current": PASSWORD, "new": too_long, "confirm": too_long}, "Field must be between 12 and 256 characters"),
        ({"current": too_long, "new": fine, "confirm": fine}, "Field cannot be longer than 256 characters."),
    ):
        token = csrf(client, "/account/password")
        response = client.post("/account/password", data={**data, "csrf_token": token})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, user.id)
        assert accounts.verify_password(account, PASSWORD), "the password was changed after all"
        assert db.scalar(select(func.count()).where(AuditEntry.action == "password_changed")) == 0

    # At login an over-long password is a form error: no Argon2 work, no failure counted.
    anonymous = app.test_client()
    token = csrf(anonymous, "/login")
    response = anonymous.post(
        "/login", data={"username": "carla", "password": too_long, "code": "123456", "csrf_token": token}
    )
    assert response.status_code == 400
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        assert db.scalar(select(func.count()).where(AuditEntry.action == "login_failed")) == 0


@pytest.mark.parametrize("before", ["", "abc", "-5", "0", "1.5", "99999999999999999999999", "1e9"])
def test_audit_page_takes_any_paging_value(admin_client, before):
    """The "Older entries" parameter is typed by anyone: nonsense shows the newest entries, never a 500."""
    response = admin_client.get("/admin/audit", query_string={"before": before})
    assert response.status_code == 200
    assert "entries is intact" in response.get_data(as_text=True)


def test_audit_pages_follow_each_other_and_filter(app, admin_client, db_session):
    from ugly_mugs.admin import service

    everything = service.audit_page(db_session, service.AuditFilters(), page=1000).entries
    assert len(everything) >= 4
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)

    # Page by page, newest first, each entry exactly once.
    seen, before = [], 0
    while True:
        page = service.audit_page(db_session, service.AuditFilters(before=before), page=3)
        assert len(page.entries) <= 3
        seen += [e.id for e in page.entries]
        if page.next_before is None:
            break
        assert page.next_before == page.entries[-1].id
        before = page.next_before
    assert seen == [e.id for e in everything]

    # Names are given for the accounts shown, and only those.
    ada = accounts.find(db_session, "ada")
    page = service.audit_page(db_session, service.AuditFilters(actor=" ada "))
    assert page.entries and all(e.actor_id == ada.id for e in page.entries)
    assert page.names == {ada.id: "ada"}
    # A name that is nobody's matches nothing rather than being ignored.
    assert service.audit_page(db_session, service.AuditFilters(actor="nobody")).entries == []
    assert service.audit_page(db_session, service.AuditFilters(report="UM-NONE")).entries == []
    created = service.audit_page(db_session, service.AuditFilters(action="account_created")).entries
    assert created and {e.action for e in created} == {"account_created"}


PASSWORD_FIELD = re.compile(r'type="password"[^>]*value="[^"]+"|value="[^"]+"[^>]*type="password"')


@pytest.mark.parametrize("role", ["admin", "coordinator", "outreach", "project_member", "police"])
def test_no_admin_page_ever_holds_a_password(app, admin_client, role):
    """No password exists for an invited account (nothing to show), and none of the admin's
    pages about it – the answer that created it, the list, its own page, a new link – holds one."""
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        unit = db.scalar(select(PoliceUnit.id).order_by(PoliceUnit.id))
        project = Project(name="Basis")
        db.add(project)
        db.commit()
        project = project.id
    fields = {"role": role, "username": f"new{role.replace('_', '')}"}
    if role == "police":
        fields["police_unit"] = str(unit)
    if role in ("outreach", "project_member"):
        fields["project"] = str(project)
    created = new_account(admin_client, **fields)
    assert created.status_code == 200, created.get_data(as_text=True)
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.scalar(select(Account).where(Account.username == fields["username"]))
        assert account.password_hash == "" and account.public_key == b"" and account.encrypted_totp_secret is None
        assert accounts.open_with_password(account, "") is None
    token = csrf(admin_client, f"/admin/accounts/{account.id}")
    reissued = admin_client.post(f"/admin/accounts/{account.id}/invitation", data={"csrf_token": token})
    assert reissued.status_code == 200
    pages = [created, reissued, admin_client.get("/admin/accounts"), admin_client.get(f"/admin/accounts/{account.id}")]
    for page in pages:
        text = page.get_data(as_text=True)
        assert "initial password" not in text.lower() and 'id="initial-password"' not in text
        assert not PASSWORD_FIELD.search(text)
        assert "otpauth://" not in text and "secret=" not in text
