"""Messages on the receipt and the help box, in a real Chromium against the live gunicorn server.

Proves that on a 360 × 640 phone with JavaScript off a reporter files a report, a coordinator
(made and given the scheme key by the operator's commands) sends her a message from the report's
page, she enters her code, sees "You have a message from us." and the message, answers, and the
coordinator sees her answer on opening the report for a reason; no page of hers asked another
origin for anything and she never got a cookie. And that axe-core finds nothing on the new pages
(the status page with a conversation, a refused answer, and the start page's help box) in all
five languages, nor on the admin's help-numbers page.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_police_browser import staff_member
from tests.e2e.test_reporter_browser import Session, file_report, screenshot
from tests.e2e.test_reporter_experience import file_in
from tests.e2e.test_staff_browser import OATHTOOL, StaffBrowser, create_account

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 640}
LANGS = ["en", "ro", "pt-br", "pl", "bg"]


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


def send_message(coordinator: StaffBrowser, reference: str, text: str) -> None:
    page = coordinator.page
    page.goto(f"{coordinator.origin}/coordinator/reports/{reference}")
    page.get_by_label("Message to the reporter").fill(text)
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("status").first).to_contain_text("Message stored.")


def enter_code(session: Session, code: str, lang: str = "") -> None:
    page = session.page
    page.goto(session.origin + "/receipt" + (f"?lang={lang}" if lang else ""))
    page.locator("#receipt_code").fill(code)
    page.locator("form[method=post] button[type=submit]").click()
    page.wait_for_load_state("load")


def test_a_conversation_on_a_phone_without_javascript(browser, live_server, tmp_path, artifacts):
    to_her = f"Can we call you about the car? ({secrets.token_hex(3)})"
    from_her = f"Yes, after six, on the usual number ({secrets.token_hex(3)})"
    reporter = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    try:
        reference, code = file_report(reporter)
        expect(reporter.page.locator("#help")).to_contain_text("999")

        send_message(coordinator, reference, to_her)

        enter_code(reporter, code)
        page = reporter.page
        expect(page.locator("#message-notice")).to_have_text("You have a message from us. Read it")
        expect(page.locator(".message.from-coordinator .message-text")).to_have_text(to_her)
        screenshot(page, artifacts / "receipt-message-360.png")
        page.get_by_label("Your answer").fill(from_her)
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("status").first).to_contain_text("Your answer has been sent.")
        expect(page.locator(".message.from-reporter .message-text")).to_have_text(from_her)
        assert reporter.context.cookies() == []
        assert reporter.foreign_requests() == []

        staff = coordinator.page
        staff.goto(f"{live_server.base_url}/coordinator/reports/{reference}")
        expect(staff.locator("#reply-waiting")).to_be_visible()
        staff.get_by_label("Why are you opening this report?").select_option("follow_up")
        staff.get_by_role("button", name="Open", exact=True).click()
        expect(staff.locator(".message.from-reporter .message-text")).to_have_text(from_her)
        expect(staff.locator(".message.from-coordinator .message-text")).to_have_text(to_her)
        assert coordinator.foreign_requests() == []
    finally:
        reporter.close()
        coordinator.close()


def test_axe_finds_nothing_on_the_new_pages_in_every_language(browser, live_server, tmp_path, axe_script):
    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    session = Session(browser, live_server, viewport=PHONE, bypass_csp=True, java_script_enabled=True)
    try:
        page = session.page
        for lang in LANGS:
            page.goto(f"{session.origin}/?lang={lang}")
            page.wait_for_load_state("load")
            expect(page.locator("#help")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} start page"
            code = file_in(session, lang)
            assert axe_violations(page, axe_script) == [], f"{lang} after filing"
            reference = page.locator(".reference").inner_text().strip()
            send_message(coordinator, reference, f"A question for you ({lang}).")
            enter_code(session, code, lang)
            expect(page.locator("#message-notice")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} status with a message"
            page.locator("form[action*='/receipt/reply'] button").click()
            expect(page.locator(".error-summary")).to_be_visible()
            page.wait_for_load_state("load")
            assert axe_violations(page, axe_script) == [], f"{lang} refused answer"
    finally:
        session.close()
        coordinator.close()


def test_axe_finds_nothing_on_the_admin_help_page(browser, live_server, tmp_path, axe_script):
    username, password, secret = create_account(live_server, tmp_path, "admin")
    admin = StaffBrowser(browser, live_server, bypass_csp=True)
    try:
        admin.submit_login(username, password)
        admin.enrol(secret)
        page = admin.page
        page.goto(f"{live_server.base_url}/admin/help")
        expect(page.get_by_role("heading", level=1)).to_have_text("Help and support numbers")
        assert axe_violations(page, axe_script) == []
        page.get_by_label("The scheme's own phone number").fill("not a number")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert axe_violations(page, axe_script) == []
    finally:
        admin.close()
