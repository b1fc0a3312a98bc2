"""Staff login, enrolment and outreach filing in a real Chromium against the live gunicorn server.

Proves that an account made with ``flask accounts create`` can enrol an authenticator from
the server-drawn QR page (inline SVG, no script, the key shown equal to the one the admin
command printed) and log in with codes computed by an independent TOTP implementation,
Debian's ``oathtool`` (never pyotp, which the server uses); that a code already used is refused
after logout with the same message as any other failure and the next code is accepted; that
the session cookie is HttpOnly and SameSite=Strict and is replaced at login; that an outreach
worker, with JavaScript off, files a report for someone, gets a receipt card with reference and
code, and afterwards sees the report's status but none of its content; and that no staff page,
for any role, asks another origin for anything (P4).
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e

OATHTOOL = Path("/usr/bin/oathtool")
STEP_SECONDS = 30
COOKIE = "um_session"
FAILED = "The username, password or code is not right."
REFERENCE = re.compile(r"^UM-[0-9A-Z]{7}$")
RECEIPT_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
ANONYMOUS_INTEL = "Warn others and tell the police about him, but not about me."
ATTESTATION = "I read the consent choices above to the person, and they chose the one marked."
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module", autouse=True)
def _oathtool():
    if not OATHTOOL.exists():
        pytest.skip(f"{OATHTOOL} is not installed (make test installs Debian's oathtool)")


def oathtool_code(secret: str, at: float) -> str:
    """The TOTP code for ``secret`` at unix time ``at``, computed by oathtool, not by the app's library."""
    done = subprocess.run(
        [str(OATHTOOL), "--totp", "-b", f"--now=@{int(at)}", secret],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    code = done.stdout.strip()
    assert re.fullmatch(r"\d{6}", code), done.stdout
    return code


def step_of(at: float) -> int:
    return int(at // STEP_SECONDS)


def wait_for_step_after(step: int) -> None:
    """Sleep until the clock is in a later 30-second step than ``step`` (at most one step)."""
    # A little past the boundary, so a request in flight cannot land on the old side of it.
    delay = (step + 1) * STEP_SECONDS + 0.5 - time.time()
    if delay > 0:
        time.sleep(delay)


class StaffBrowser:
    """A browser context that records every request and lets only the live server through."""

    def __init__(self, browser, live_server, viewport=DESKTOP, **options):
        self.origin = live_server.base_url
        self.context = browser.new_context(viewport=viewport, **options)
        self.requests: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        if same_origin(route.request.url, self.origin):
            route.continue_()
        else:
            route.abort()

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not same_origin(url, self.origin)]

    def session_cookie(self) -> dict:
        found = [c for c in self.context.cookies() if c["name"] == COOKIE]
        assert len(found) == 1, self.context.cookies()
        return found[0]

    def submit_login(self, username: str, password: str, code: str = "") -> None:
        page = self.page
        page.goto(self.origin + "/login")
        expect(page.get_by_role("heading", level=1)).to_have_text("Staff login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_label("Code from your authenticator app").fill(code)
        page.get_by_role("button", name="Log in").click()

    def enrol(self, expected_secret: str, artifacts: Path | None = None) -> int:
        """Confirm the authenticator on the enrolment page with an oathtool code; returns the step used."""
        page = self.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
        assert urlsplit(page.url).path == "/login/enrol"
        shown = "".join(page.locator("#totp-secret").inner_text().split())
        assert shown == expected_secret
        if artifacts is not None:
            screenshot(page, artifacts / "enrol.png")
        # The key read off the page, as a person would type it into their app.
        now = time.time()
        page.get_by_label("Code from your authenticator app").fill(oathtool_code(shown, now))
        page.get_by_role("button", name="Confirm and log in").click()
        return step_of(now)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Staff login")

    def close(self) -> None:
        self.context.close()


def same_origin(url: str, origin: str) -> bool:
    a, b = urlsplit(url), urlsplit(origin)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def screenshot(page, path: Path) -> None:
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


def create_account(live_server, tmp_path: Path, role: str, *extra: str) -> tuple[str, str, str]:
    """Create an account with the admin command; returns (username, password, secret from its otpauth URI)."""
    username = f"{role.replace('_', '')}-{secrets.token_hex(3)}"
    password = f"correct horse {secrets.token_hex(8)} staple"
    password_file = tmp_path / f"{username}.password"
    password_file.write_text(password + "\n", encoding="utf-8")
    printed = live_server.flask(
        "accounts", "create", "--username", username, "--role", role, "--password-file", str(password_file), *extra
    )
    # The password came from the file, so it must not be echoed back.
    assert "initial password" not in printed and password not in printed
    found = re.search(r"^authenticator: (otpauth://\S+)$", printed, re.MULTILINE)
    assert found, printed
    uri = urlsplit(found.group(1))
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert unquote(uri.path).endswith(username)
    (secret,) = parse_qs(uri.query)["secret"]
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    return username, password, secret


def log_in_first_time(staff: StaffBrowser, live_server, tmp_path: Path, role: str, *extra: str) -> int:
    username, password, secret = create_account(live_server, tmp_path, role, *extra)
    staff.submit_login(username, password)
    return staff.enrol(secret)


@pytest.fixture
def staff(browser, live_server):
    session = StaffBrowser(browser, live_server)
    yield session
    session.close()


@pytest.fixture
def staff_no_js(browser, live_server):
    session = StaffBrowser(browser, live_server, java_script_enabled=False)
    yield session
    session.close()


def test_coordinator_enrols_and_logs_in_with_oathtool_codes(staff, live_server, tmp_path, artifacts):
    username, password, secret = create_account(live_server, tmp_path, "coordinator")
    page = staff.page

    staff.submit_login(username, password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")

    # The QR code is drawn by the server into the page: an inline SVG, nothing fetched for it, no script.
    qr = page.locator(".qr > svg")
    expect(qr).to_have_count(1)
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100, box
    assert qr.locator("path").count() >= 1
    expect(qr.locator("title")).to_have_text("QR code for your authenticator app")
    for src in page.locator("img").evaluate_all("imgs => imgs.map(img => img.src)"):
        assert same_origin(src, staff.origin), src
    expect(page.locator("script")).to_have_count(0)
    expect(page.locator("iframe, object, embed")).to_have_count(0)
    enrolment_cookie = staff.session_cookie()["value"]

    used_step = staff.enrol(secret, artifacts)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    assert urlsplit(page.url).path == "/coordinator/reports"
    cookie = staff.session_cookie()
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["value"] != enrolment_cookie  # a new session at login

    staff.log_out()
    assert [c for c in staff.context.cookies() if c["name"] == COOKIE and c["value"] == cookie["value"]] == []

    # The code that enrolled the authenticator is spent, also after logout.
    reused = oathtool_code(secret, used_step * STEP_SECONDS)
    staff.submit_login(username, password, reused)
    expect(page.get_by_role("alert")).to_have_text(FAILED)
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff login")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    wait_for_step_after(used_step)
    staff.submit_login(username, password, oathtool_code(secret, time.time()))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.get_by_role("button", name="Log out")).to_contain_text(username)
    again = staff.session_cookie()
    assert again["httpOnly"] is True
    assert again["sameSite"] == "Strict"
    assert again["value"] != cookie["value"]

    assert staff.foreign_requests() == []
    log = live_server.log()
    assert secret not in log and password not in log


def test_outreach_worker_files_a_report_and_sees_only_its_status(staff_no_js, live_server, tmp_path, artifacts):
    project = "Street Team"
    live_server.flask("projects", "create", project)
    log_in_first_time(staff_no_js, live_server, tmp_path, "outreach", "--project", project)
    page = staff_no_js.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports you filed")
    expect(page.get_by_text("You have not filed any reports yet.")).to_be_visible()

    what_happened = f"He pulled a knife by the canal. Marker {secrets.token_hex(4)}."
    contact = f"Ask for her at the Tuesday drop-in. Marker {secrets.token_hex(4)}."
    page.get_by_role("link", name="File a report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("File a report for someone")
    page.get_by_label("Date it happened").fill((date.today() - timedelta(days=1)).isoformat())
    page.get_by_label("Area", exact=True).select_option(label="Chapeltown")
    page.get_by_label("What happened?").fill(what_happened)
    page.get_by_label("How they prefer to be contacted through the project").fill(contact)
    page.get_by_label(ANONYMOUS_INTEL).check()
    page.get_by_label(ATTESTATION).check()
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    card = page.get_by_role("region", name="Receipt card")
    expect(card).to_be_visible()
    reference = card.locator("strong").first.inner_text().strip()
    code = card.locator("#receipt-code").inner_text().strip()
    assert REFERENCE.match(reference), reference
    assert RECEIPT_CODE.match(code), code
    expect(card).to_contain_text(f"Filed with {project}.")
    assert reference not in page.url and code not in page.url
    screenshot(page, artifacts / "receipt-card.png")

    page.get_by_role("link", name="My reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports you filed")
    assert urlsplit(page.url).path == "/outreach/reports"
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Received")
    expect(row).to_contain_text(
        "Police may know about him, not about the person"
    )  # the choice the person made, as attested
    body = page.locator("body").inner_text()
    html = page.content()
    for secret_text in (what_happened, contact, "knife", "drop-in", code):
        assert secret_text not in body and secret_text not in html

    assert staff_no_js.foreign_requests() == []
    log = live_server.log()
    assert what_happened not in log and contact not in log and code not in log


# What each role's navigation leads to, and where it lands after enrolment.
ROLES = [
    ("admin", (), "Accounts"),
    ("coordinator", (), "Reports"),
    ("outreach", ("--project", "{project}"), "Reports you filed"),
    ("project_member", ("--project", "{project}"), "Hello"),
    ("police", ("--unit", "local-police"), "Reports passed to your unit"),
]


@pytest.mark.parametrize(("role", "extra", "landing"), ROLES, ids=[r[0] for r in ROLES])
def test_staff_pages_load_nothing_from_other_origins(staff, live_server, tmp_path, role, extra, landing):
    project = f"Origin Check {secrets.token_hex(2)}"
    if "{project}" in extra:
        live_server.flask("projects", "create", project)
    page = staff.page
    log_in_first_time(staff, live_server, tmp_path, role, *(arg.format(project=project) for arg in extra))
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_contain_text(landing)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    links = (
        page.get_by_role("navigation", name="Staff").get_by_role("link").evaluate_all("links => links.map(a => a.href)")
    )
    assert links, "the staff navigation has no links"
    for url in links:
        assert same_origin(url, staff.origin), url
        response = page.goto(url)
        assert response.status == 200, (url, response.status)
        page.wait_for_load_state("networkidle")
        expect(page.locator("script[src]")).to_have_count(0)

    assert any(url.endswith("/static/site.css") for url in staff.requests)
    assert staff.foreign_requests() == []


PHONE = {"width": 360, "height": 640}
# What makes a page wider than its viewport, with the elements that stick out (fixed ones excepted).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  // Inside a box that scrolls or clips, an element does not widen the page.
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    if (clipped(el)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    // A box wider than the page, or text running out of its box (a long unbroken word).
    const spills = el.scrollWidth > el.clientWidth + 1 && style.overflowX === 'visible' && el.clientWidth > 0;
    if ((box.right > width + 1 || spills) && style.position !== 'fixed') {
      const cls = el.getAttribute('class');
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (cls ? '.' + cls : '');
      out.push(`${name} right=${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}"""
MAX_PAGES = 40


def sideways(page) -> str | None:
    """None if the page fits its viewport's width, else what sticks out."""
    found = page.evaluate(OVERFLOW)
    if found["scrollWidth"] <= found["width"]:
        return None
    return f"{found['scrollWidth']} px wide in {found['width']}: {found['out']}"


# A page deeper than the navigation that each role's walk must reach.
REACHES = {
    "admin": "/admin/accounts/",
    "coordinator": "/coordinator/reports/",
    "outreach": "/outreach/reports",
    "project_member": "/projects/",
    "police": "/police",
}


@pytest.mark.parametrize(("role", "extra", "landing"), ROLES, ids=[r[0] for r in ROLES])
def test_no_staff_page_scrolls_sideways_on_a_phone(browser, live_server, tmp_path, role, extra, landing):
    """Outreach happens on a phone: every page a role reaches from its navigation, and the pages those
    link to (a report, an alert, a project), fits 360 px without sideways scrolling (issue 21)."""
    must_reach = REACHES[role]
    project = f"Narrow Team {secrets.token_hex(2)}"
    live_server.flask("projects", "create", project)
    # Something in every list: a report with a long unbroken word, so that rows and detail pages exist.
    # Two sharing his number, so that a report's page draws the picture of linked reports.
    number = f"07700 9{secrets.randbelow(10**5):05d}"
    for _ in range(2):
        live_server.file_report(
            what_happened="Unbroken" + "x" * 120,
            categories=["physical-assault", "robbery", "threats", "held", "refused-to-pay"],
            phone_numbers=number,
        )
    staff = StaffBrowser(browser, live_server, viewport=PHONE)
    try:
        page = staff.page
        username, password, secret = create_account(
            live_server, tmp_path, role, *(arg.format(project=project) for arg in extra)
        )
        staff.submit_login(username, password)
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
        problems = {}
        if (found := sideways(page)) is not None:
            problems["/login/enrol"] = found
        staff.enrol(secret)
        expect(page.get_by_role("heading", level=1)).to_contain_text(landing)

        to_visit = [page.url]
        seen: set[str] = set()
        while to_visit and len(seen) < MAX_PAGES:
            url = to_visit.pop(0).split("#")[0]
            # One visit a path: the same page for another period or page of rows has the same layout.
            if urlsplit(url).path in seen or not same_origin(url, staff.origin):
                continue
            seen.add(urlsplit(url).path)
            # Only pages: a CSV or PDF download has no width.
            answer = staff.context.request.get(url)
            if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            page.goto(url)
            if (found := sideways(page)) is not None:
                problems[urlsplit(url).path] = found
            links = page.locator("nav a[href], main a[href]").evaluate_all("links => links.map(a => a.href)")
            to_visit.extend(link for link in links if urlsplit(link).path not in seen)
        assert {path for path in seen if path.startswith(must_reach)}, (must_reach, sorted(seen))
        assert not problems, "pages wider than a phone:\n" + "\n".join(f"{k}: {v}" for k, v in problems.items())
    finally:
        staff.close()


# The person's language on the outreach form, as its button and the card name it.
PERSON_LANGUAGES = {
    "en": ("English", "Your report"),
    "ro": ("Română", "Raportul tău"),
    "pt-br": ("Português (Brasil)", "O seu relato"),
    "pl": ("Polski", "Twoje zgłoszenie"),
    "bg": ("Български", "Сигналът ти"),
}


def test_outreach_form_and_card_in_the_persons_language_on_a_phone(browser, live_server, tmp_path, axe_script):
    """On a phone, the worker switches the form to the person's language without losing what was
    typed, files, and hands over a card in that language; axe finds nothing on the form in any of
    the five languages (issue 21)."""
    project = f"Language Team {secrets.token_hex(2)}"
    live_server.flask("projects", "create", project)
    staff = StaffBrowser(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        page = staff.page
        log_in_first_time(staff, live_server, tmp_path, "outreach", "--project", project)
        for code in PERSON_LANGUAGES:
            page.goto(f"{staff.origin}/outreach/report?lang={code}")
            assert axe_violations(page, axe_script) == [], code
            assert sideways(page) is None, code

        page.goto(f"{staff.origin}/outreach/report")
        typed = f"He took her phone. Marker {secrets.token_hex(4)}."
        page.locator("#what_happened").fill(typed)
        name, card_heading = PERSON_LANGUAGES["pl"]
        page.get_by_role("button", name=name).click()
        expect(page.locator("#what_happened")).to_have_value(typed)
        expect(page.get_by_role("button", name=name)).to_have_attribute("aria-current", "true")
        page.locator("#incident_date").fill((date.today() - timedelta(days=1)).isoformat())
        page.locator("#area").select_option("chapeltown")
        page.locator("input[name=consent_level][value=anonymous_intel]").check()
        page.get_by_label(ATTESTATION).check()
        page.get_by_role("button", name="Send report").last.click()
        card = page.get_by_role("region", name="Receipt card")
        expect(card.get_by_role("heading", level=2)).to_have_text(card_heading)
        expect(card).to_have_attribute("lang", "pl")
        expect(card).to_contain_text("/receipt?lang=pl")
        assert sideways(page) is None
    finally:
        staff.close()
