"""Staff accounts for tests: create one of each role and log in through the real login page."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pyotp

from ugly_mugs.auth import accounts
from ugly_mugs.keys import groups
from ugly_mugs.models import Project

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


@dataclass
class StaffUser:
    id: int
    username: str
    role: str
    password: str
    secret: str


def create(app, username: str, role: str, *, project: str | None = None, unit_id: int | None = None) -> StaffUser:
    """Create an account with a known password; its authenticator is enrolled at first login."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        project_id = None
        if project:
            found = session.query(Project).filter_by(name=project).one_or_none()
            if found is None:
                found = Project(name=project)
                session.add(found)
                session.flush()
            project_id = found.id
        if role == "police" and unit_id is None:
            from ugly_mugs.models import PoliceUnit

            unit_id = session.query(PoliceUnit.id).order_by(PoliceUnit.id).first()[0]
        account, uri = accounts.create_account(
            session, username, username.title(), role, PASSWORD, police_unit_id=unit_id, project_id=project_id
        )
        session.commit()
        secret = parse_qs(urlparse(uri).query)["secret"][0]
        return StaffUser(account.id, account.username, role, PASSWORD, secret)


def grant(app, user: StaffUser, passphrase: str) -> None:
    """Give a coordinator the scheme key (or an officer the unit key) with the recovery passphrase."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        account = accounts.find(session, user.username)
        member = groups.invite(session, account, None)
        groups.claim_with_recovery(session, member, passphrase, None)
        session.commit()


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def code_for(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def signed_in(app, passphrase: str, username: str, role: str, *, granted: bool = True, **account):
    """A new account (``account``: project or unit_id) given its key unless ``granted`` is False,
    logged in through the pages; returns its test client and the user."""
    user = create(app, username, role, **account)
    if granted:
        grant(app, user, passphrase)
    client = app.test_client()
    assert login(client, user).status_code == 302
    return client, user


# What a refused login says, whatever was wrong (the page never tells which).
FAILED = "The username, password or code is not right."
# A page's CSRF token, to blank out when comparing two answers.
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def to_fresh_minute(clock) -> None:
    """Move ``clock`` to just after a minute starts: a new 30-second code step, and a new
    failure window (failures are counted per clock minute)."""
    clock.shift(60 - time.time() % 60 + 0.2)


def attempt(client, username: str, password: str, code: str):
    """One login attempt through the page, with a fresh CSRF token. Returns the response."""
    token = csrf(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "code": code, "csrf_token": token})


def logout(client) -> None:
    """Log out through the page and check the staff pages are closed again."""
    token = csrf(client, "/account/password")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/password").status_code == 302


def login(client, user: StaffUser, code: str | None = None):
    """Log in through the pages; enrols the authenticator first if needed. Returns the last response."""
    token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": user.password,
            "code": code or code_for(user.secret),
            "csrf_token": token,
        },
    )
    if response.status_code == 302 and response.headers["Location"].endswith("/login/enrol"):
        token = csrf(client, "/login/enrol")
        response = client.post("/login/enrol", data={"code": code or code_for(user.secret), "csrf_token": token})
    return response


class _FormReader(HTMLParser):
    """The values a browser would send for one form of a page (inputs, checked boxes, text areas,
    selected options); submit buttons are left out."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def _add(self, name: str | None, value: str) -> None:
        if name:
            self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and found.get("type") not in ("submit", "button"):
            if found.get("type") in ("checkbox", "radio") and "checked" not in found:
                return
            self._add(found.get("name"), found.get("value") or "")
        elif tag == "textarea":
            self._textarea, self._text = found.get("name"), []
        elif tag == "select":
            self._select = found.get("name")
        elif tag == "option" and self._select and "selected" in found:
            self._add(self._select, found.get("value") or "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one line break that may follow <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_values(page: str, form_id: str) -> dict[str, list[str]]:
    """What submitting the form ``form_id`` of ``page`` (HTML) sends, as a browser would: name →
    values; change an entry to send an edit."""
    reader = _FormReader(form_id)
    reader.feed(page)
    return reader.values


INVITATION_LINK = re.compile(r'id="invitation-link">([^<]+)<')
_HIDDEN_TOKEN = re.compile(
    r'id="token" name="token" type="hidden" value="([^"]*)"|name="token" type="hidden" value="([^"]*)"'
)
_TOTP_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def invitation_link(page: str) -> str:
    """The invitation link an admin page shows (once), as the path and query a client opens."""
    found = INVITATION_LINK.search(page)
    assert found, "no invitation link on the page"
    link = urlparse(found.group(1).replace("&amp;", "&"))
    return f"{link.path}?{link.query}"


def accept_invitation(client, link: str, password: str = PASSWORD):
    """Open ``link``, choose ``password`` and enrol an authenticator, all through the pages.

    Returns the last response (the redirect home) and the authenticator secret enrolled."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    hidden = _HIDDEN_TOKEN.search(text)
    assert hidden, "no token on the invitation page"
    match = CSRF.search(text)
    response = client.post(
        "/invitation",
        data={
            "token": hidden.group(1) or hidden.group(2),
            "new": password,
            "confirm": password,
            "csrf_token": match.group(1) or match.group(2),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol"), response.status_code
    secret = _TOTP_SECRET.search(client.get("/login/enrol").get_data(as_text=True)).group(1)
    token = csrf(client, "/login/enrol")
    response = client.post("/login/enrol", data={"code": code_for(secret), "csrf_token": token})
    return response, secret
