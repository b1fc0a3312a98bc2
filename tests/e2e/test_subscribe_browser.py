"""Signing up for warnings by email in a real Chromium with JavaScript off, on a 360×640 phone
screen, in the five languages: a number of a country the scheme does not text is refused in her
language, naming the country; her email address gets a code through the dispatch worker and
the suite's real SMTP server; she types it and the page says she is signed up. axe finds nothing
against WCAG 2.2 A/AA on any of these pages, and no page asks another origin for anything."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.e2e.conftest import axe_violations
from tests.e2e.test_reporter_browser import Session
from tests.support.app import make_app
from tests.support.mailsink import smtp_server

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 640}
# (?lang=, heading of the page, the refusal of a Polish number, the UK's name, "signed up")
LANGUAGES = [
    ("en", "Get warnings by text or email", "We can only send texts", "United Kingdom", "You are signed up"),
    ("pl", "Otrzymuj", "Możemy wysyłać SMS-y tylko", "Wielka Brytania", "Zapisano Cię"),
    ("ro", "Primește", "Putem trimite SMS-uri doar", "Regatul Unit", "Te-ai înscris"),
    ("bg", "Получавайте", "Можем да изпращаме SMS само", "Обединеното кралство", "Записахте се"),
    ("pt-br", "Receba", "Só podemos enviar SMS", "Reino Unido", "Você está inscrita"),
]


@pytest.fixture(scope="module")
def mail(live_server):
    """The SMTP sink, and a function that runs the dispatch worker once against it."""
    app = make_app(live_server.database_url)
    with smtp_server() as (sink, port):

        def dispatch() -> None:
            config = {**app.config, "SUBSCRIPTIONS": True, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
            Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once()

        yield sink, dispatch
    app.extensions["ugly_mugs.engine"].dispose()


def _axe(checker, page, axe_script) -> list[str]:
    """axe on what the JavaScript-free ``page`` shows: axe itself needs JavaScript, so the same
    HTML is shown in ``checker`` (a page with it, at the same origin, so the stylesheet loads)."""
    checker.goto(page.url.split("?")[0].replace("/code", "") + "?lang=en")
    checker.set_content(page.content())
    return axe_violations(checker, axe_script)


def _code_for(sink, address: str) -> str:
    for rcpts, message, _tls in sink.messages:
        if rcpts == [address]:
            return re.search(r"\b\d{6}\b", message.get_body(("plain",)).get_content()).group(0)
    raise AssertionError(f"no email reached {address}")


@pytest.mark.parametrize(("lang", "heading", "refusal", "uk", "done"), LANGUAGES, ids=[x[0] for x in LANGUAGES])
def test_sign_up_by_email_without_javascript(browser, live_server, axe_script, mail, lang, heading, refusal, uk, done):
    sink, dispatch = mail
    session = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    page = session.page
    checker = Session(browser, live_server, viewport=PHONE, is_mobile=True, bypass_csp=True).page
    try:
        page.goto(f"{session.origin}/alerts/subscribe?lang={lang}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert _axe(checker, page, axe_script) == [], f"{lang} sign-up page"

        # A Polish mobile number: the scheme texts UK numbers only; said in her language.
        page.locator("#contact").fill("+48 600 123 456")
        page.locator("input[name=areas][value=holbeck]").check()
        page.locator("form[method=post] button[type=submit]").click()
        error = page.locator("form").get_by_text(refusal)
        expect(error).to_be_visible()
        expect(error).to_contain_text(uk)
        assert _axe(checker, page, axe_script) == [], f"{lang} refusal"

        address = f"e2e-{lang}-{secrets.token_hex(4)}@example.org"
        page.locator("#contact").fill(address)
        page.locator("input[name=areas][value=holbeck]").check()
        page.locator("form[method=post] button[type=submit]").click()
        expect(page.locator("#code")).to_be_visible()
        assert _axe(checker, page, axe_script) == [], f"{lang} code page"

        dispatch()
        page.locator("#code").fill(_code_for(sink, address))
        page.locator("form[method=post] button[type=submit]").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(done)
        assert _axe(checker, page, axe_script) == [], f"{lang} signed up"
        assert session.foreign_requests() == []
    finally:
        session.context.close()
        checker.context.close()
