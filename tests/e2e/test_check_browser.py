"""Checking a number in a real Chromium against the live gunicorn server (staff and public pages).

Proves that an outreach worker, logging in with an oathtool code, checks the perpetrator's
number of a report with a published alert written in another spelling (+44 for 07…) and sees
the alert's text, its date and that no warning does not mean safe; and that an unknown number
and a number found only in a report under review (no alert) get the very same page. Proves that
the public page (switched on for the test server) works with JavaScript off in Romanian, chosen
with the language switcher: the translated answer with the alert and the safety sentence, an
unusable number shown back next to the field with what was typed, no cookie, and the quick exit
as a plain link. Proves that axe-core finds no WCAG 2.2 A/AA violation on the public page (empty,
with an error, with an answer) in all five languages nor on the staff page; that at 320 px the
public page never scrolls sideways and every target is at least 44 px; and that a public check
can be made with the keyboard alone.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.e2e.test_police_browser import staff_member
from tests.e2e.test_reporter_browser import QUICK_EXIT_URL, Session
from tests.e2e.test_reporter_experience import NARROW, PHONE, SIDEWAYS, TARGETS, tab_to
from tests.e2e.test_staff_browser import OATHTOOL, StaffBrowser, create_account, screenshot

pytestmark = pytest.mark.e2e

PUBLIC = "/check-a-number"
LANGUAGES = ["en", "ro", "pt-br", "pl", "bg"]
NOT_SAFE = "No warning does not mean he is safe. Trust your instincts, and tell someone where you are going."
NOT_SAFE_RO = (
    "Dacă nu există nicio avertizare, nu înseamnă că el este sigur. "
    "Ai încredere în instinctul tău și spune cuiva unde mergi."
)


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


@dataclass(frozen=True)
class Numbers:
    """Three numbers of this module alone: one with a published alert, one under review, one unknown."""

    alerted: str  # as written in the report: 07700 900xxx
    alerted_international: str  # the same number as +44
    under_review: str
    unknown: str
    alert_body: str
    published_on: date


def file_report(live_server, what: str, phone: str) -> str:
    return live_server.file_report(what_happened=what, phone_numbers=phone, consent_level="alert_only")["reference"]


@pytest.fixture(scope="module")
def numbers(browser, live_server, tmp_path_factory) -> Numbers:
    """Two reports filed through the API, and an alert published for one of them by a coordinator."""
    # From Ofcom's range for drama, apart from the numbers other browser tests file.
    alerted, under_review, unknown = (
        f"07700 900{n}" for n in secrets.SystemRandom().sample([n for n in range(100, 900) if n not in (123, 456)], 3)
    )
    # Letters only: a hex marker can hold digits that the anonymity check rightly reads as a number.
    marker = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
    reference = file_report(live_server, f"He grabbed her by the neck. Checkmark {marker}.", alerted)
    file_report(live_server, f"He would not pay and shouted at her. Checkmark {marker}.", under_review)
    alert_body = f"A worker was grabbed by the neck in Holbeck ({marker}). He gave the number {alerted}."

    coordinator = staff_member(browser, live_server, tmp_path_factory.mktemp("check-coordinator"), "coordinator")
    try:
        page = coordinator.page
        page.get_by_role("link", name=reference).click()
        page.get_by_label("Why are you opening this report?").select_option("alert")
        page.get_by_role("button", name="Open", exact=True).click()
        page.get_by_role("button", name="Start an alert draft").click()
        page.get_by_label("Text of the alert").fill(alert_body)
        page.get_by_role("button", name="Save and check").click()
        expect(page.locator("#anonymity-check")).to_contain_text("Anonymity check passed")
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#alert-status")).to_have_text("published")
    finally:
        coordinator.close()
    return Numbers(
        alerted=alerted,
        alerted_international="+44 " + alerted[1:],
        under_review=under_review,
        unknown=unknown,
        alert_body=alert_body,
        published_on=datetime.now(UTC).date(),
    )


def staff_check(page, value: str) -> None:
    page.get_by_label("Phone number, plate, email or username").fill(value)
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.locator(".check-answer")).to_be_visible()


def visible_answer(page) -> dict[str, str]:
    """The answer and the whole page as a person reads them (runs of white space are layout, not text)."""
    return {
        "answer": page.locator(".check-answer").inner_text(),
        "page": " ".join(page.locator("main").inner_text().split()),
    }


def test_outreach_worker_sees_the_alert_and_the_same_answer_for_unknown_and_under_review(
    browser, live_server, tmp_path, numbers
):
    project = f"Check Team {secrets.token_hex(2)}"
    live_server.flask("projects", "create", project)
    worker = logged_in(browser, live_server, tmp_path, "outreach", "--project", project)
    try:
        page = worker.page
        page.goto(worker.origin + "/check")
        expect(page.get_by_role("heading", level=1)).to_have_text("Check a number")

        staff_check(page, numbers.alerted_international)
        answer = page.locator(".check-answer")
        expect(answer.get_by_role("heading", level=2)).to_have_text("1 published warning")
        expect(answer.locator(".alert-text")).to_contain_text(numbers.alert_body)
        day = numbers.published_on.strftime("%d %B %Y")
        expect(answer).to_contain_text(f"Latest: {day}.")
        expect(answer.locator(".alert-text .hint")).to_contain_text(f"published {day}")
        expect(page.locator(".not-safe")).to_have_text(NOT_SAFE)
        assert numbers.alerted_international not in page.url

        staff_check(page, numbers.unknown)
        unknown = visible_answer(page)
        staff_check(page, numbers.under_review)
        under_review = visible_answer(page)
        assert "No published warning" in unknown["answer"] and NOT_SAFE in unknown["page"]
        assert under_review == unknown
        assert worker.foreign_requests() == []
    finally:
        worker.close()
    log = live_server.log()
    for value in (numbers.alerted_international, numbers.unknown, numbers.under_review):
        assert value not in log and value.replace(" ", "") not in log


def test_staff_check_page_passes_axe(browser, live_server, tmp_path, axe_script, numbers):
    project = f"Axe Team {secrets.token_hex(2)}"
    live_server.flask("projects", "create", project)
    # The page's CSP rightly refuses the injected axe script: this context bypasses it.
    member = logged_in(browser, live_server, tmp_path, "project_member", "--project", project, bypass_csp=True)
    try:
        page = member.page
        page.goto(member.origin + "/check")
        assert axe_violations(page, axe_script) == [], "empty"
        page.get_by_role("button", name="Check", exact=True).click()
        expect(page.locator("#identifier-error")).to_be_visible()
        assert axe_violations(page, axe_script) == [], "with an error"
        staff_check(page, numbers.alerted)
        expect(page.locator(".alert-text")).to_have_count(1)
        assert axe_violations(page, axe_script) == [], "with an answer"
    finally:
        member.close()


def public_check(page, value: str, kind: str = "") -> None:
    page.locator("#identifier").fill(value)
    page.locator("#kind").select_option(kind)
    page.locator("form[method=post] button[type=submit]").click()


def test_public_check_in_romanian_without_javascript(browser, live_server, numbers, artifacts):
    session = Session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    try:
        page = session.page
        page.goto(session.origin + PUBLIC)
        expect(page.get_by_role("heading", level=1)).to_have_text("Check a number")
        page.get_by_role("navigation", name="Language").get_by_role("link", name="Română").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Verifică un număr")

        page.get_by_label("Numărul lui de telefon, numărul de înmatriculare, emailul sau numele de utilizator").fill(
            numbers.alerted_international
        )
        page.get_by_role("button", name="Verifică", exact=True).click()
        answer = page.locator(".check-answer")
        expect(answer.get_by_role("heading", level=2)).to_have_text("Avertizări despre el: 1")
        day = numbers.published_on.strftime("%d/%m/%Y")
        expect(answer).to_contain_text(f"Cea mai recentă a fost trimisă pe {day}.")
        expect(answer.locator(".alert-text")).to_contain_text(numbers.alert_body)
        expect(page.locator(".not-safe")).to_have_text(NOT_SAFE_RO)
        screenshot(page, artifacts / "check-a-number-ro-360.png")

        public_check(page, numbers.unknown)
        expect(page.get_by_role("heading", level=2)).to_have_text("Nu avem nicio avertizare despre asta.")
        expect(page.locator(".not-safe")).to_have_text(NOT_SAFE_RO)

        # Not a phone number: said next to the field, in Romanian, with what was typed still there.
        public_check(page, "12", kind="phone")
        error = page.locator("#identifier-error")
        expect(error).to_contain_text("Nu pare un număr de telefon")
        expect(page.locator("#identifier")).to_have_attribute("aria-describedby", re.compile(r"identifier-error"))
        expect(page.locator("#identifier")).to_have_value("12")
        expect(page.locator("#kind")).to_have_value("phone")
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator(".check-answer")).to_have_count(0)
        expect(page.locator("html")).to_have_attribute("lang", "ro")

        assert session.context.cookies() == []
        assert session.foreign_requests() == []
        page.get_by_role("link", name="Ieșire rapidă").click()
        page.wait_for_url(QUICK_EXIT_URL)
        expect(page.get_by_role("heading", level=1)).to_have_text("Weather forecast")
    finally:
        session.close()
    log = live_server.log()
    assert numbers.alerted_international not in log and numbers.unknown not in log


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_check_passes_axe_in_every_language(browser, live_server, axe_script, numbers, lang):
    session = Session(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        page = session.page
        page.goto(f"{session.origin}{PUBLIC}?lang={lang}")
        page.wait_for_load_state("load")
        assert axe_violations(page, axe_script) == [], "empty"
        page.locator("form[method=post] button[type=submit]").click()
        expect(page.locator("#identifier-error")).to_be_visible()
        page.wait_for_load_state("load")
        assert axe_violations(page, axe_script) == [], "with an error"
        public_check(page, numbers.alerted)
        expect(page.locator(".alert-text")).to_have_count(1)
        page.wait_for_load_state("load")
        assert axe_violations(page, axe_script) == [], "with an answer"
    finally:
        session.close()


def test_public_check_fits_320_px_with_big_enough_targets(browser, live_server, numbers):
    session = Session(browser, live_server, viewport=NARROW)
    small = []
    try:
        page = session.page
        for lang in ("en", "bg"):
            page.goto(f"{session.origin}{PUBLIC}?lang={lang}")
            page.wait_for_load_state("load")
            for state in ("empty", "with an error", "with an answer"):
                if state == "with an error":
                    page.locator("form[method=post] button[type=submit]").click()
                    expect(page.locator("#identifier-error")).to_be_visible()
                elif state == "with an answer":
                    public_check(page, numbers.alerted)
                    expect(page.locator(".alert-text")).to_have_count(1)
                page.wait_for_load_state("load")
                measured = page.evaluate(SIDEWAYS)
                assert measured["scroll"] <= measured["client"], f"{lang} {state}: {measured}"
                for target in page.evaluate(TARGETS):
                    if target["width"] < 44 or target["height"] < 44:
                        small.append((lang, state, target))
        assert small == [], f"touch targets smaller than 44 px: {small[:10]}"
    finally:
        session.close()


def test_public_check_by_keyboard_alone(browser, live_server, numbers):
    session = Session(browser, live_server, viewport=PHONE)
    try:
        page = session.page
        page.goto(session.origin + PUBLIC + "?lang=en")
        tab_to(page, "#identifier")
        page.keyboard.type(numbers.alerted_international)
        tab_to(page, "#kind")
        page.keyboard.type("Phone")
        tab_to(page, "form[method=post] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.locator(".check-answer").get_by_role("heading", level=2)).to_have_text("Warnings about him: 1")
        expect(page.locator(".alert-text")).to_contain_text(numbers.alert_body)
        assert page.locator("#kind").input_value() == "phone"
    finally:
        session.close()


def logged_in(browser, live_server, tmp_path, role: str, *extra: str, **options) -> StaffBrowser:
    """An account made by the admin command, logged in with an oathtool code (no group key: not needed)."""
    username, password, secret = create_account(live_server, tmp_path, role, *extra)
    staff = StaffBrowser(browser, live_server, **options)
    staff.submit_login(username, password)
    staff.enrol(secret)
    return staff
