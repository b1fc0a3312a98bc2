"""The reporter's journey in a real Chromium against a live gunicorn server.

Proves that on a phone-sized screen with JavaScript off a report can be filed and a receipt
code received without the browser ever getting a cookie; that the code, typed sloppily,
opens the report again to raise consent, add information and delete it, after which the code
is dead; that an empty form comes back with an error summary, field errors and what was
typed; that the quick exit (link and Escape) replaces the page so Back does not return to
the form; that every field of the reporter forms has a visible label; and that no page asks
any other origin for anything (P4).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"
NEUTRAL_PAGE = "<!doctype html><title>Weather</title><h1>Weather forecast</h1>"
REFERENCE = re.compile(r"^UM-[0-9A-Z]{7}$")
RECEIPT_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
ANONYMOUS_INTEL = "Warn others and tell the police about him, but not about me."
FULL_REPORT = "Warn others and give the police everything, including how to contact me."


class Session:
    """A browser context that records every request and lets only the live server through."""

    def __init__(self, browser, live_server, **options):
        self.origin = live_server.base_url
        self.context = browser.new_context(**options)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        url = route.request.url
        if _same_origin(url, self.origin):
            route.continue_()
        elif url.startswith(QUICK_EXIT_URL):
            route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)
        else:
            route.abort()

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not _same_origin(url, self.origin)]

    def close(self):
        self.context.close()


def _same_origin(url: str, origin: str) -> bool:
    a, b = urlsplit(url), urlsplit(origin)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


@pytest.fixture
def no_js(browser, live_server):
    session = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    yield session
    session.close()


@pytest.fixture
def with_js(browser, live_server):
    session = Session(browser, live_server, viewport=PHONE)
    yield session
    session.close()


def screenshot(page, path) -> None:
    """Save a full-page screenshot; headless Chromium now and then has no frame ready yet."""
    page.wait_for_load_state("load")
    for attempt in range(3):
        try:
            page.screenshot(path=str(path), full_page=True)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            page.wait_for_timeout(250)


def _incident_day() -> str:
    return (date.today() - timedelta(days=3)).isoformat()


def file_report(session: Session, artifacts=None) -> tuple[str, str]:
    """Go from the start page to a filed report and return (reference, receipt code)."""
    page = session.page
    page.goto(session.origin + "/")
    page.get_by_role("link", name="Write a full report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a report")
    assert session.context.cookies() == []
    if artifacts is not None:
        screenshot(page, artifacts / "report-form-360.png")

    page.get_by_label("Date it happened").fill(_incident_day())
    page.get_by_label("Area", exact=True).select_option(label="Holbeck")
    page.get_by_label("Physical assault").check()
    page.get_by_label("What happened?").fill("He grabbed my arm and would not let me out of the car.")
    page.get_by_label("His phone numbers").fill("07700 900456")
    page.get_by_label("Number plate").fill("AB12 CDE")
    page.get_by_label(ANONYMOUS_INTEL).check()
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. Your report has been sent.")
    reference = page.locator(".reference").inner_text().strip()
    code = page.locator("#receipt-code").inner_text().strip()
    assert REFERENCE.match(reference), reference
    assert RECEIPT_CODE.match(code), code
    if artifacts is not None:
        screenshot(page, artifacts / "receipt-360.png")
    assert session.context.cookies() == []
    return reference, code


def open_with_code(session: Session, code: str) -> None:
    page = session.page
    page.goto(session.origin + "/receipt")
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Continue").click()


def test_report_filed_on_a_phone_without_javascript_sets_no_cookie(no_js, artifacts):
    reference, code = file_report(no_js, artifacts)
    page = no_js.page
    expect(page.get_by_text("Keep this code safe")).to_be_visible()
    # No cookie at any point, and nothing fetched from anywhere but the server.
    assert no_js.context.cookies() == []
    assert no_js.foreign_requests() == []
    assert reference not in page.url and code not in page.url


def test_receipt_code_reopens_changes_and_deletes_the_report(no_js):
    reference, code = file_report(no_js)
    page = no_js.page
    sloppy = code.lower().replace("-", " ")

    open_with_code(no_js, sloppy)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")
    expect(page.get_by_text("What you agreed:")).to_contain_text(
        "warn others and tell the police about him, but not about you"
    )
    expect(page.get_by_label(ANONYMOUS_INTEL)).to_be_checked()
    assert sloppy not in page.url and code not in page.url

    page.get_by_label(FULL_REPORT).check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_role("status")).to_contain_text("Your choice has been saved.")
    expect(page.get_by_text("What you agreed:")).to_contain_text("give the police everything")
    expect(page.get_by_label(FULL_REPORT)).to_be_checked()

    page.get_by_label("More about what happened").fill("He had a second phone as well.")
    page.get_by_role("button", name="Add to my report").click()
    expect(page.get_by_role("status")).to_contain_text("What you added has been saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your report {reference}")

    page.get_by_label("Yes, delete my report for good").check()
    page.get_by_role("button", name="Delete my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report has been deleted")

    open_with_code(no_js, code)
    expect(page.get_by_role("heading", level=1)).to_have_text("Use your receipt code")
    expect(page.locator("#main")).to_contain_text("This report has been deleted. Nothing of it can be opened any more")
    expect(page.get_by_text("What you agreed:")).to_have_count(0)
    assert no_js.context.cookies() == []
    assert no_js.foreign_requests() == []


def test_empty_form_shows_errors_and_keeps_what_was_typed(with_js):
    page = with_js.page
    page.goto(with_js.origin + "/report")
    page.get_by_label("Name he used").fill("Dave from the garage")
    page.get_by_label("Time of day").select_option("evening")
    page.get_by_label("Car colour").fill("dark blue")
    page.get_by_role("button", name="Send report").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("link", name="Tell us the date it happened")).to_have_attribute("href", "#incident_date")
    expect(summary.get_by_role("link", name="Choose the area where it happened.")).to_have_attribute("href", "#area")
    expect(summary.get_by_role("link", name="Tell us what happened")).to_have_attribute("href", "#what_happened")
    expect(page.locator("#incident_date-error")).to_contain_text("Tell us the date it happened")
    expect(page.locator("#area-error")).to_contain_text("Choose the area")
    expect(page.locator("#what_happened-error")).to_contain_text("Tell us what happened")
    # The error is tied to its field for screen readers.
    expect(page.get_by_label("Date it happened")).to_have_attribute(
        "aria-describedby", re.compile("incident_date-error")
    )

    expect(page.get_by_label("Name he used")).to_have_value("Dave from the garage")
    expect(page.get_by_label("Time of day")).to_have_value("evening")
    expect(page.get_by_label("Car colour")).to_have_value("dark blue")
    assert with_js.context.cookies() == []
    assert with_js.foreign_requests() == []


def _reach_form(session: Session) -> None:
    page = session.page
    page.goto(session.origin + "/")
    page.get_by_role("link", name="Write a full report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a report")
    # The quick-exit script is deferred (nothing blocks the first paint): it has run once the
    # document is parsed. Before that the link is a plain link, as it is without JavaScript.
    page.wait_for_load_state("domcontentloaded")


def _assert_left_for_good(session: Session) -> None:
    page = session.page
    page.wait_for_url(QUICK_EXIT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Weather forecast")
    page.go_back()
    # location.replace removed the form from the history: Back goes to the page before it.
    assert urlsplit(page.url).path != "/report"
    expect(page.get_by_role("heading", name="Make a report")).to_have_count(0)
    expect(page.locator("form[action='/report']")).to_have_count(0)


def test_quick_exit_link_leaves_without_a_way_back(with_js):
    _reach_form(with_js)
    link = with_js.page.get_by_role("link", name="Quick exit")
    expect(link).to_be_visible()
    expect(link).to_be_in_viewport()
    assert link.get_attribute("href") == QUICK_EXIT_URL
    link.click()
    _assert_left_for_good(with_js)
    assert with_js.context.cookies() == []


def test_escape_key_leaves_without_a_way_back(with_js):
    _reach_form(with_js)
    with_js.page.get_by_label("What happened?").fill("half a sentence")
    with_js.page.keyboard.press("Escape")
    _assert_left_for_good(with_js)


def test_pages_load_nothing_from_other_origins(browser, live_server, artifacts):
    session = Session(browser, live_server, viewport=DESKTOP)
    try:
        page = session.page
        for path in ("/", "/report", "/receipt", "/no-such-page"):
            page.goto(session.origin + path)
            page.wait_for_load_state("networkidle")
        page.goto(session.origin + "/report")
        screenshot(page, artifacts / "report-form-1280.png")
        assert any(url.endswith("/static/site.css") for url in session.requests)
        assert any(url.endswith("/static/quick-exit.js") for url in session.requests)
        assert session.foreign_requests() == []
        assert session.context.cookies() == []
    finally:
        session.close()


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden')
    .filter(el => {
        const label = el.id && document.querySelector(`label[for="${el.id}"]`);
        if (!label) return true;
        const box = label.getBoundingClientRect();
        return box.width === 0 || box.height === 0 || getComputedStyle(label).visibility === 'hidden';
    })
    .map(el => el.name || el.outerHTML)"""


@pytest.mark.parametrize("path", ["/report", "/report/quick", "/receipt"])
def test_every_field_has_a_visible_label(with_js, path):
    page = with_js.page
    page.goto(with_js.origin + path)
    assert page.locator("input:not([type=hidden]), select, textarea").count() > 0
    assert page.evaluate(UNLABELLED) == []
