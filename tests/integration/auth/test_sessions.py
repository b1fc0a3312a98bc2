"""Server-side staff sessions: a new session id at login (a planted or earlier cookie never
becomes a logged-in one); a cookie copied before logout is worthless after it, and logout ends
the person's other sessions too; the idle (30 min)
and absolute (12 h) timeouts hold; a password change ends the person's other sessions but not
the current one; deactivation and a two-factor reset end every session. The cookie holds only
two 32-byte random values and reveals no username, account id, role, name or key; the session
table holds no usable secret; the cookie is HttpOnly and SameSite=Strict, and under HTTPS is
named __Host-um_session and Secure; reporter pages never add a cookie, even for staff."""

from __future__ import annotations

import base64
import hashlib
import re
import struct

from sqlalchemy import func, select, text

from tests.support import dbscan
from tests.support.app import form_token, minimal_report
from tests.support.staff import PASSWORD, code_for, create, csrf, login
from ugly_mugs.auth import accounts
from ugly_mugs.models import Account, StaffSession

COOKIE = "um_session"
SECURE_COOKIE = "__Host-um_session"
STAFF_PAGE = "/account/password"  # every staff role may open it


def cookie(client, name: str = COOKIE) -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def logged_in(client) -> bool:
    response = client.get(STAFF_PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].endswith("/login"), response.status_code
    return False


def with_cookie(app, value: str):
    """A different browser that somehow got hold of a cookie value."""
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    return other


def logout(client) -> None:
    token = csrf(client, STAFF_PAGE)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def sessions_of(app, account_id: int) -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        return db.scalar(select(func.count()).select_from(StaffSession).where(StaffSession.account_id == account_id))


def test_session_id_changes_at_login(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    client.get("/login")
    before = cookie(client)
    assert before, "the login page keeps its CSRF token in a session"
    assert login(client, user).status_code == 302
    after_enrolment = cookie(client)
    assert after_enrolment != before
    assert logged_in(client)
    # A cookie planted before login (session fixation) did not become a logged-in session.
    assert not logged_in(with_cookie(app, before))

    logout(client)
    clock.shift(30)
    client.get("/login")
    before = cookie(client)
    assert before and before != after_enrolment
    assert login(client, user).status_code == 302
    after = cookie(client)
    assert after not in (before, after_enrolment)
    assert {p for p in after.split(".")}.isdisjoint(before.split(".")), "the session id or key was kept"
    assert logged_in(client)
    assert not logged_in(with_cookie(app, before))


def test_cookie_copied_before_logout_is_useless_after(app, client, passphrase, clock):
    user = create(app, "olga", "outreach", project="Basis")
    assert login(client, user).status_code == 302
    copied = cookie(client)
    thief = with_cookie(app, copied)
    assert logged_in(thief), "a copied cookie works while the session lives (else this test proves nothing)"
    clock.shift(30)
    elsewhere = app.test_client()
    assert login(elsewhere, user).status_code == 302
    logout(client)
    assert not logged_in(client)
    assert not logged_in(with_cookie(app, copied))
    # Logging out ends the person's sessions everywhere, not only in this browser.
    assert not logged_in(elsewhere)
    assert sessions_of(app, user.id) == 0


def test_idle_timeout(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    assert login(client, user).status_code == 302
    clock.shift(29 * 60)
    assert logged_in(client)
    clock.shift(31 * 60)
    assert not logged_in(client)
    assert sessions_of(app, user.id) == 0


def test_absolute_timeout_even_when_active(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    assert login(client, user).status_code == 302
    for _ in range(35):  # a request every 20 minutes: 11 h 40 min of steady use
        clock.shift(20 * 60)
        assert logged_in(client)
    clock.shift(21 * 60)
    assert not logged_in(client)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, passphrase, clock):
    user = create(app, "carla", "coordinator")
    here, elsewhere = app.test_client(), app.test_client()
    assert login(here, user).status_code == 302
    clock.shift(30)
    assert login(elsewhere, user).status_code == 302
    assert sessions_of(app, user.id) == 2

    new = "a much better passphrase now"
    token = csrf(here, "/account/password")
    response = here.post(
        "/account/password", data={"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token}
    )
    assert response.status_code == 200
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert sessions_of(app, user.id) == 1

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, user.id)
        assert not accounts.verify_password(account, PASSWORD)
        assert accounts.verify_password(account, new)
        # The same personal key, now under the new password.
        assert accounts.unlock(account, new).personal.public == account.public_key


def test_deactivation_and_two_factor_reset_end_every_session(app, passphrase, clock):
    admin = create(app, "ada", "admin")
    carla = create(app, "carla", "coordinator")
    olga = create(app, "olga", "outreach", project="Basis")
    admin_client, carla_a, carla_b, olga_client = (app.test_client() for _ in range(4))
    assert login(admin_client, admin).status_code == 302
    assert login(carla_a, carla).status_code == 302
    assert login(olga_client, olga).status_code == 302
    clock.shift(30)
    assert login(carla_b, carla).status_code == 302

    token = csrf(admin_client, f"/admin/accounts/{olga.id}")
    response = admin_client.post(f"/admin/accounts/{olga.id}/reset-two-factor", data={"csrf_token": token})
    assert response.status_code == 302
    assert not logged_in(olga_client)
    assert sessions_of(app, olga.id) == 0
    assert logged_in(carla_a) and logged_in(admin_client)

    token = csrf(admin_client, f"/admin/accounts/{carla.id}")
    response = admin_client.post(f"/admin/accounts/{carla.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert not logged_in(carla_a)
    assert not logged_in(carla_b)
    assert sessions_of(app, carla.id) == 0
    assert logged_in(admin_client)

    # Olga's next login enrols a new authenticator; Carla cannot log in at all.
    clock.shift(30)
    fresh = app.test_client()
    token = csrf(fresh, "/login")
    response = fresh.post("/login", data={"username": "olga", "password": PASSWORD, "code": "", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    token = csrf(fresh, "/login")
    response = fresh.post(
        "/login",
        data={"username": "carla", "password": PASSWORD, "code": code_for(carla.secret), "csrf_token": token},
    )
    assert response.status_code == 401


def test_cookie_holds_only_two_random_values(app, passphrase, clock, database_url):
    user = create(app, "carla", "coordinator")
    client = app.test_client()
    assert login(client, user).status_code == 302
    raw = cookie(client)
    parts = raw.split(".")
    assert len(parts) == 2
    sid, key = (unb64(p) for p in parts)
    assert len(sid) == 32 and len(key) == 32
    assert [base64.urlsafe_b64encode(b).rstrip(b"=").decode() for b in (sid, key)] == parts, "not plain base64url"

    with app.extensions["ugly_mugs.sessionmaker"]() as db:
        account = db.get(Account, user.id)
        personal = accounts.unlock(account, PASSWORD).personal
        display_name, role, account_id = account.display_name, account.role, account.id
    words = [user.username, display_name, role, "account", "personal", f'"{account_id}"', f":{account_id}"]
    for word in words:
        for form in (word, word.upper(), word.title()):
            assert form not in raw
            assert form.encode() not in sid + key
    for packed in (struct.pack(">I", account_id), struct.pack("<I", account_id), struct.pack("<Q", account_id)):
        assert packed not in sid and packed not in key
    for secret in (personal.private, personal.public):
        assert secret not in sid + key
        assert base64.urlsafe_b64encode(secret).rstrip(b"=").decode() not in raw
        assert sid != secret and key != secret

    # Another session of the same person shares nothing with this one.
    clock.shift(30)
    other = app.test_client()
    assert login(other, user).status_code == 302
    other_sid, other_key = (unb64(p) for p in cookie(other).split("."))
    assert other_sid != sid and other_key != key and other_sid[:8] != sid[:8] and other_key[:8] != key[:8]

    # The table has no plaintext key, no username, and neither cookie value itself (only a hash of the id).
    with app.extensions["ugly_mugs.engine"].connect() as conn:
        rows = conn.execute(text("SELECT * FROM staff_session")).all()
    assert len(rows) >= 2
    stored = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for row in rows for value in row if value is not None
    )
    for needle in (personal.private, sid, key, user.username.encode(), display_name.encode()):
        assert needle not in stored
    assert base64.urlsafe_b64encode(personal.private).rstrip(b"=") not in stored
    assert hashlib.sha256(sid).hexdigest().encode() in stored
    if database_url.startswith("sqlite"):
        everything = dbscan.raw_bytes(database_url)
        for needle in (personal.private, sid, key):
            assert needle not in everything


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_cookie_flags_over_http(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    first = client.get("/login")
    response = login(client, user)
    for header in set_cookie_headers(first, COOKIE) + set_cookie_headers(response, COOKIE):
        assert "HttpOnly" in header
        assert "SameSite=Strict" in header
        assert "Path=/" in header
        assert "Domain=" not in header
    assert set_cookie_headers(response, COOKIE)
    jar = client.get_cookie(COOKIE)
    assert jar.http_only and jar.same_site == "Strict"


def test_cookie_over_https_is_host_prefixed_and_secure(app, passphrase, clock):
    user = create(app, "carla", "coordinator")
    client = app.test_client()
    # Over HTTPS, CSRF protection also wants a same-origin Referer, as browsers send with our policy.
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}

    def token(path: str) -> str:
        page = client.get(path, **https).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    first = client.get("/login", **https)
    assert set_cookie_headers(first, SECURE_COOKIE) and not set_cookie_headers(first, COOKIE)
    data = {"username": "carla", "password": PASSWORD, "code": "", "csrf_token": token("/login")}
    response = client.post("/login", data=data, **https)
    assert response.headers["Location"].endswith("/login/enrol")
    response = client.post(
        "/login/enrol", data={"code": code_for(user.secret), "csrf_token": token("/login/enrol")}, **https
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/coordinator/reports")
    headers = set_cookie_headers(first, SECURE_COOKIE) + set_cookie_headers(response, SECURE_COOKIE)
    assert len(headers) == 2
    for header in headers:
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Strict" in header
        assert "Path=/" in header and "Domain=" not in header
    assert not set_cookie_headers(response, COOKIE)
    assert client.get("/staff/keys", **https).status_code == 200
    # The same value under the plain name is not looked at over HTTPS.
    value = client.get_cookie(SECURE_COOKIE).value
    other = app.test_client()
    other.set_cookie(COOKIE, value)
    assert other.get("/staff/keys", **https).status_code == 302


def test_reporter_pages_add_no_cookie_even_for_staff(app, client, passphrase, clock):
    user = create(app, "carla", "coordinator")
    assert login(client, user).status_code == 302
    held = cookie(client)
    for path in ("/", "/report", "/receipt"):
        clock.shift(90)  # long enough for the session row to be touched on this request
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    clock.shift(90)
    response = client.post("/report", data={**minimal_report(), "form_token": form_token(client)})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    response = client.post(
        "/receipt", data={"receipt_code": "not a code", "form_token": form_token(client, "/receipt")}
    )
    assert "Set-Cookie" not in response.headers
    assert cookie(client) == held
    assert logged_in(client)
