"""Passing a report to the police and the officer's feedback, in a real Chromium against the live
gunicorn server.

Proves that with accounts made and keys given by the operator's commands (``accounts create``,
``keys grant USER`` with the recovery passphrase on standard input), a coordinator who logs in
with a TOTP code computed by oathtool opens a "full report" for a reason and passes it to the
police with a covering note; that an officer of the area's unit, logging in the same way, finds it
in the unit's list, opens it for a reason and reads the incident, the reporter's contact and the
note, and records an outcome with a crime reference; that the coordinator then sees the outcome
and the reporter's receipt page says the police have received the report; and that none of these
pages asks another origin for anything.
"""

from __future__ import annotations

import secrets
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.test_staff_browser import OATHTOOL, StaffBrowser, create_account

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


def file_report(live_server, what: str, contact: str) -> tuple[str, str]:
    filed = live_server.file_report(what_happened=what, contact=contact, consent_level="full")
    return filed["reference"], filed["receipt_code"]


def staff_member(browser, live_server, tmp_path, role: str, *extra: str) -> StaffBrowser:
    """An account made by the admin command, given its group key with the passphrase, logged in."""
    username, password, secret = create_account(live_server, tmp_path, role, *extra)
    printed = live_server.flask("keys", "grant", username, stdin=live_server.passphrase + "\n")
    assert f"{username} now holds the group key" in printed
    staff = StaffBrowser(browser, live_server)
    staff.submit_login(username, password)
    staff.enrol(secret)
    return staff


def test_coordinator_passes_on_and_officer_records_an_outcome(browser, live_server, tmp_path):
    what = f"Policecanary {secrets.token_hex(3)} he pushed me down the stairs"
    contact = f"Ring me on 0113 496 {secrets.randbelow(9000) + 1000}"
    note = "She would like a call after six."
    crime_reference = f"13/{secrets.randbelow(90000) + 10000}/26"
    reference, code = file_report(live_server, what, contact)

    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    officer = None
    try:
        page = coordinator.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
        page.get_by_role("link", name=reference).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
        page.get_by_label("Why are you opening this report?").select_option("police")
        page.get_by_role("button", name="Open", exact=True).click()
        expect(page.get_by_text(what)).to_be_visible()
        page.get_by_label("Covering note for the police (optional)").fill(note)
        page.get_by_role("button", name="Pass to the police").click()
        expect(page.locator("#status")).to_have_text("Passed to police")
        expect(page.get_by_text("Not yet acknowledged.")).to_be_visible()

        officer = staff_member(browser, live_server, tmp_path, "police", "--unit", "local-police")
        police = officer.page
        expect(police.get_by_role("heading", level=1)).to_have_text("Reports passed to your unit")
        police.get_by_role("link", name=reference).click()
        expect(police.get_by_role("heading", level=1)).to_have_text(f"Report {reference}")
        # Nothing of the content is on the page until the officer opens it for a reason.
        assert what not in police.content() and contact not in police.content()
        police.get_by_label("Why are you opening this report?").select_option("investigation")
        police.get_by_role("button", name="Open", exact=True).click()
        expect(police.get_by_text(what)).to_be_visible()
        expect(police.get_by_text(contact)).to_be_visible()
        expect(police.get_by_text(f"Covering note from the scheme: {note}")).to_be_visible()

        today = date.today()
        police.get_by_label("Outcome", exact=True).select_option("under_investigation")
        police.get_by_label("Date", exact=True).fill(today.isoformat())
        police.get_by_label("Crime reference number (optional)").fill(crime_reference)
        police.get_by_role("button", name="Record outcome").click()
        shown = f"Under investigation, {today.strftime('%d %B %Y')}"
        expect(police.locator("ul.outcomes")).to_have_text(shown)
        expect(police.get_by_text("Acknowledged on")).to_be_visible()
        # The report page after the redirect shows no content again.
        assert what not in police.content()

        page.reload()
        expect(page.locator("ul.outcomes")).to_have_text(shown)
        expect(page.get_by_text("Received by the police on")).to_be_visible()

        reporter = StaffBrowser(browser, live_server)
        try:
            reporter.page.goto(live_server.base_url + "/receipt")
            reporter.page.get_by_label("Your receipt code").fill(code)
            reporter.page.get_by_role("button", name="Continue").click()
            expect(reporter.page.locator("#police-received")).to_have_text("The police have received your report.")
            assert reporter.foreign_requests() == []
        finally:
            reporter.close()

        assert coordinator.foreign_requests() == []
        assert officer.foreign_requests() == []
    finally:
        coordinator.close()
        if officer is not None:
            officer.close()
