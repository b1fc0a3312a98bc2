"""The quick report and "add more", in a real Chromium against the live gunicorn server.

Proves that on a 360 × 640 phone with JavaScript off a reporter reaches the quick report from
the start page, fills its few fields and finds the Send button within three screens (in each
of the five languages), files it,
adds more details to the same report from the receipt page; that a coordinator's message then
reaches her through her receipt code, she replies, and the coordinator reads the reply on the
report's page; with no cookie and nothing asked of another origin. And that axe-core finds
nothing on the quick report, its refusal, the receipt page and the "add more" page (filled and
refused) in all five languages.
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_police_browser import staff_member
from tests.e2e.test_receipt_messages_browser import LANGS, PHONE, enter_code, send_message
from tests.e2e.test_reporter_browser import RECEIPT_CODE, REFERENCE, Session, _incident_day, screenshot
from tests.e2e.test_staff_browser import OATHTOOL

pytestmark = pytest.mark.e2e

SCREENS = 3
BOTTOM = "el => el.getBoundingClientRect().bottom + window.scrollY"


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


def fill_quick(page, line: str = "Grey hoodie, about 40, shaved head") -> None:
    """The minimum report on the quick form, by ids and values (the same in every language)."""
    page.locator("#incident_date").fill(_incident_day())
    page.locator("#area").select_option("holbeck")
    page.locator("input[name=categories][value=physical-assault]").check()
    page.locator("#about_him").fill(line)
    page.locator("#vehicle_registration").fill("AB12 CDE")
    page.locator("input[name=consent_level][value=anonymous_intel]").check()


def test_a_quick_report_then_more_then_a_conversation_on_a_phone_without_javascript(
    browser, live_server, tmp_path, artifacts
):
    to_her = f"Did he drive off towards the ring road? ({secrets.token_hex(3)})"
    from_her = f"Yes, fast, with the lights off ({secrets.token_hex(3)})"
    reporter = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    try:
        page = reporter.page
        page.goto(reporter.origin + "/")
        page.get_by_role("link", name="Report him in two minutes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Quick report")
        fill_quick(page)
        send = page.get_by_role("button", name="Send report").last
        bottom = send.evaluate(BOTTOM)
        assert bottom <= SCREENS * PHONE["height"], f"Send ends at {bottom / PHONE['height']:.2f} screens"
        screenshot(page, artifacts / "quick-report-360.png")
        send.click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. Your report has been sent.")
        reference = page.locator(".reference").inner_text().strip()
        code = page.locator("#receipt-code").inner_text().strip()
        assert REFERENCE.match(reference) and RECEIPT_CODE.match(code)

        # "Add more" on the same receipt, from the receipt page.
        page.get_by_role("button", name="Add more details").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add more to your report")
        page.get_by_label("Height").fill("about 6 foot")
        page.get_by_label("Car make").fill("Ford")
        page.get_by_role("button", name="Add to my report").last.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")
        expect(page.get_by_role("status").first).to_contain_text("What you added has been saved.")

        send_message(coordinator, reference, to_her)

        enter_code(reporter, code)
        expect(page.locator("#message-notice")).to_have_text("You have a message from us. Read it")
        expect(page.locator(".message.from-coordinator .message-text")).to_have_text(to_her)
        page.get_by_label("Your answer").fill(from_her)
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("status").first).to_contain_text("Your answer has been sent.")
        assert reporter.context.cookies() == []
        assert reporter.foreign_requests() == []

        staff = coordinator.page
        staff.goto(f"{live_server.base_url}/coordinator/reports/{reference}")
        expect(staff.locator("#reply-waiting")).to_be_visible()
        staff.get_by_label("Why are you opening this report?").select_option("follow_up")
        staff.get_by_role("button", name="Open", exact=True).click()
        expect(staff.locator(".message.from-reporter .message-text")).to_have_text(from_her)
        # The report as filed and as added to: the line about him and the details added later.
        expect(staff.locator("main")).to_contain_text("Grey hoodie, about 40, shaved head")
        expect(staff.locator("main")).to_contain_text("about 6 foot")
        assert coordinator.foreign_requests() == []
    finally:
        reporter.close()
        coordinator.close()


@pytest.mark.parametrize("lang", LANGS)
def test_send_is_within_three_screens_in_every_language(browser, live_server, lang):
    session = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    try:
        page = session.page
        page.goto(f"{session.origin}/report/quick?lang={lang}")
        bottom = page.locator("#report-form button[type=submit]").evaluate(BOTTOM)
        assert bottom <= SCREENS * PHONE["height"], f"{lang}: Send ends at {bottom / PHONE['height']:.2f} screens"
    finally:
        session.close()


def test_axe_finds_nothing_on_the_quick_report_and_add_more_in_every_language(browser, live_server, axe_script):
    session = Session(browser, live_server, viewport=PHONE, bypass_csp=True, java_script_enabled=True)
    try:
        page = session.page
        for lang in LANGS:
            page.goto(f"{session.origin}/report/quick?lang={lang}")
            assert axe_violations(page, axe_script) == [], f"{lang} quick report"
            page.locator("#report-form button[type=submit]").click()
            expect(page.locator(".error-summary")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} quick report refused"
            fill_quick(page, f"A line about him ({lang})")
            page.locator("#report-form button[type=submit]").click()
            code = page.locator("#receipt-code").inner_text().strip()
            assert RECEIPT_CODE.match(code), code
            assert axe_violations(page, axe_script) == [], f"{lang} receipt"
            page.locator("#add-more ~ form button[name=open]").click()
            expect(page.locator("#more-form")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} add more"
            page.locator("#more-form button[type=submit]").click()
            expect(page.locator(".error-summary")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} add more refused"
            enter_code(session, code, lang)
            expect(page.locator("#add-more")).to_be_visible()
            assert axe_violations(page, axe_script) == [], f"{lang} status page"
    finally:
        session.close()
