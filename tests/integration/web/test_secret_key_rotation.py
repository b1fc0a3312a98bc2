"""Rotating the Flask secret key (issue 17, item 2): forms opened before the rotation still post
while the old key is a fallback, are refused once it is removed, and staff stay logged in.

The app is built three times over one database, as the servers would be restarted: under the
old key, under the new key with the old as UGLY_MUGS_SECRET_KEY_FALLBACKS, and under the new
key alone. The browser's cookie jar goes from one to the next.
"""

from __future__ import annotations

import secrets

import pytest

from tests.support import staff
from tests.support.app import form_token, make_app, minimal_report
from ugly_mugs.auth.sessions import COOKIE
from ugly_mugs.web import form_token as tokens

HOME = "/account/password"  # any logged-in page
RECEIPT = "Your receipt code"


@pytest.fixture
def rotated(app, database_url):
    """The apps after the rotation: ``with_fallback`` (new key, old key as fallback) and ``alone``
    (new key only). Both keep the throttle key as it was (it never follows the secret key)."""
    new = secrets.token_hex(32)
    common = {"THROTTLE_KEY": app.config["THROTTLE_KEY"] or secrets.token_hex(32)}
    with_fallback = make_app(database_url, SECRET_KEY=new, SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]], **common)
    alone = make_app(database_url, SECRET_KEY=new, **common)
    yield with_fallback, alone
    for built in (with_fallback, alone):
        built.extensions["ugly_mugs.engine"].dispose()


def _carry_session(source, target) -> None:
    """Put ``source``'s session cookie into ``target``: the same browser after the restart."""
    cookie = source.get_cookie(COOKIE)
    assert cookie is not None
    target.set_cookie(COOKIE, cookie.value)


def test_a_report_form_opened_before_the_rotation(app, client, passphrase, rotated):
    with_fallback, alone = rotated
    before = [form_token(client) for _ in range(2)]

    refused = alone.test_client().post("/report", data=minimal_report(form_token=before[0]))
    assert RECEIPT not in refused.get_data(as_text=True)

    accepted = with_fallback.test_client().post("/report", data=minimal_report(form_token=before[1]))
    assert accepted.status_code == 200
    assert RECEIPT in accepted.get_data(as_text=True)

    # What is issued after the rotation is signed with the new key, which both apps accept.
    fresh = form_token(with_fallback.test_client())
    assert RECEIPT in alone.test_client().post("/report", data=minimal_report(form_token=fresh)).get_data(as_text=True)


def test_a_staff_session_and_its_csrf_token_survive_the_rotation(app, passphrase, rotated):
    with_fallback, alone = rotated
    browser, _ = staff.signed_in(app, passphrase, "rotation_coordinator", "coordinator")
    token = staff.csrf(browser, HOME)

    # Without the fallback, the logged-in session stays (it is kept on the server) but the token
    # on the open page is refused.
    without = alone.test_client()
    _carry_session(browser, without)
    assert without.get(HOME).status_code == 200
    assert without.post("/logout", data={"csrf_token": token}).status_code == 400
    assert without.get(HOME).status_code == 200

    after = with_fallback.test_client()
    _carry_session(browser, after)
    assert after.get(HOME).status_code == 200
    response = after.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert after.get(HOME).status_code != 200


@pytest.mark.parametrize("name", ["report", "receipt", "check"])
def test_form_tokens_verify_under_any_key_of_the_rotation(name):
    old, new, other = (secrets.token_hex(32) for _ in range(3))
    issued = tokens.issue(old, name, with_key=True)
    assert tokens.check([old, new], name, issued, 60) is tokens.TokenState.VALID
    assert tokens.key_of([old, new], issued) == tokens.key_of(old, issued) is not None
    assert tokens.check(new, name, issued, 60) is tokens.TokenState.INVALID
    assert tokens.check([other, new], name, issued, 60) is tokens.TokenState.INVALID
    assert tokens.key_of(new, issued) is None
    # Signing uses the current key, the last.
    assert tokens.check(new, name, tokens.issue([old, new], name), 60) is tokens.TokenState.VALID
    assert tokens.keys({"SECRET_KEY": new, "SECRET_KEY_FALLBACKS": [old]}) == [old, new]
    assert tokens.keys({"SECRET_KEY": new}) == [new]
