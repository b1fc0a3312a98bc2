"""Writing and publishing an alert in a real Chromium against the live gunicorn server.

Proves that a coordinator, created and given the scheme key by the operator's commands and
logging in with an oathtool code, opens a report from the inbox, starts a draft (prefilled with
what happened and about him, without the reporter's name), is blocked when the text repeats the
reporter's name (the words are marked on the page, and Publish is refused by the server too),
fixes the text and publishes; the alert page then shows the published message, the report's
status says an alert was published, and no page asked another origin for anything.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.test_police_browser import staff_member
from tests.e2e.test_staff_browser import OATHTOOL

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


def file_report(live_server, name: str, what: str) -> str:
    filed = live_server.file_report(
        what_happened=what,
        reporter_name=name,
        contact="text only, 07700 900123",
        phone_numbers="07700 900999",
        vehicle_colour="silver",
        vehicle_make="Toyota",
        consent_level="alert_only",
    )
    return filed["reference"]


def test_coordinator_drafts_is_blocked_fixes_and_publishes(browser, live_server, tmp_path):
    name = f"Roxanne{secrets.token_hex(2)}"
    what = "He would not pay and threatened her with a knife."
    reference = file_report(live_server, name, what)

    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    try:
        page = coordinator.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
        page.get_by_role("link", name=reference).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
        page.get_by_label("Why are you opening this report?").select_option("alert")
        page.get_by_role("button", name="Open", exact=True).click()
        expect(page.get_by_text(name)).to_be_visible()

        page.get_by_role("button", name="Start an alert draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Alert A-[0-9A-Z]{6}"))
        body = page.get_by_label("Text of the alert")
        expect(body).to_contain_text(what)
        expect(body).to_contain_text("07700 900999")
        assert name not in body.input_value()

        body.fill(f"{name} was threatened with a knife. Silver Toyota, phone 07700 900999.")
        page.get_by_role("button", name="Save and check").click()
        expect(page.get_by_role("heading", name="Anonymity check: blocked")).to_be_visible()
        expect(page.locator("#anonymity-check mark")).to_have_text([name])

        # The server refuses too, whatever the browser does.
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#problem")).to_contain_text("could identify the reporter")
        expect(page.locator("#alert-status")).to_have_text("draft")

        page.get_by_label("Text of the alert").fill(
            "A worker was threatened with a knife. Silver Toyota, 07700 900999."
        )
        page.get_by_role("button", name="Save and check").click()
        expect(page.locator("#anonymity-check")).to_contain_text("Anonymity check passed")
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#alert-status")).to_have_text("published")
        expect(page.locator("#message-1")).to_contain_text("A worker was threatened with a knife.")

        page.get_by_role("link", name=reference).click()
        expect(page.locator("#status")).to_have_text("Alert published")
        assert coordinator.foreign_requests() == []
    finally:
        coordinator.close()
