"""The reporter's experience in a real Chromium: languages, accessibility, quick exit, weight.

Proves that axe-core (the npm package locked in tests/e2e, injected from a local file) finds
no WCAG 2.2 A/AA violation on any reporter page (start, form, form with errors, receipt,
receipt-code entry with an error, status page, deleted page, error page) in English and in
Romanian, and none on the form in any language; that the form can be filled and sent with the
keyboard alone; that at 320 px wide and at 200% zoom no page scrolls sideways; that every
link, button, field and checkbox label is at least 44 px in both directions; that a report
can be filed in Romanian with JavaScript off and is stored as Romanian; that with JavaScript
off, switching language on a form shown back with an error (by tapping, or from the keyboard)
keeps everything typed, files nothing and sets no cookie, while Enter in a field still sends
the report; that the switched form passes axe too; that a receipt code
reopens a report in Brazilian Portuguese and raises its consent; that the quick exit leaves
the status page (which shows a receipt code) with no way back, and is a plain link without
JavaScript; that the form page and all it loads weigh under 60 KB on the wire and render
with no script in the way. Screenshots of the form at phone and desktop width go to
test-artifacts/.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, select

from tests.e2e.conftest import axe_violations
from tests.e2e.test_reporter_browser import QUICK_EXIT_URL, Session, screenshot
from ugly_mugs.models import Report

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
NARROW = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
RECEIPT_CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")

TARGETS = """() => {
  const seen = [];
  const box = el => el.getBoundingClientRect();
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
    let target = el;
    if (el.type === 'checkbox' || el.type === 'radio') {
      target = el.id && document.querySelector(`label[for="${el.id}"]`);  // the label is what a finger taps
      if (!target) { seen.push({what: el.outerHTML, width: 0, height: 0}); continue; }
    }
    const b = box(target);
    if (b.width === 0 && b.height === 0) continue;  // not shown (e.g. print-only)
    const what = (target.innerText || target.name || target.outerHTML).slice(0, 60);
    seen.push({what, width: b.width, height: b.height});
  }
  return seen;
}"""

SIDEWAYS = """() => ({
  scroll: document.documentElement.scrollWidth,
  client: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(el => el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.className || '')).slice(0, 5),
})"""


def _incident_day() -> str:
    return (date.today() - timedelta(days=2)).isoformat()


def _session(browser, live_server, **options) -> Session:
    return Session(browser, live_server, **options)


def file_in(session: Session, lang: str, *, consent: str = "alert_only") -> str:
    """File a minimal report through the form in ``lang`` (values, not labels); returns the receipt code."""
    page = session.page
    page.goto(f"{session.origin}/report?lang={lang}")
    page.locator("#incident_date").fill(_incident_day())
    page.locator("#area").select_option("holbeck")
    page.locator("#what_happened").fill("Mi-a luat banii și m-a lovit.")
    page.locator(f"input[name=consent_level][value={consent}]").check()
    page.locator("form[method=post] button[type=submit]").click()
    code = page.locator("#receipt-code").inner_text().strip()
    assert RECEIPT_CODE.match(code), code
    page.wait_for_load_state("load")
    return code


def reporter_pages(session: Session, lang: str):
    """Visit every kind of reporter page in ``lang``, yielding each page's name once it is showing."""
    page, origin, q = session.page, session.origin, f"?lang={lang}"
    page.goto(origin + "/" + q)
    # Measured only once the stylesheet has loaded: before that every box is unstyled.
    page.wait_for_load_state("load")
    yield "index"
    page.goto(origin + "/report" + q)
    page.wait_for_load_state("load")
    yield "form"
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state("load")
    yield "form with errors"
    page.goto(origin + "/receipt" + q)
    page.wait_for_load_state("load")
    yield "receipt entry"
    page.locator("#receipt_code").fill("AAAA-BBBB-CCCC")
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator("#receipt_code-error")).to_be_visible()
    page.wait_for_load_state("load")
    yield "receipt entry with an error"
    code = file_in(session, lang)
    page.wait_for_load_state("load")
    yield "receipt"
    page.goto(origin + "/receipt" + q)
    page.locator("#receipt_code").fill(code)
    page.locator("form[method=post] button[type=submit]").click()
    expect(page.locator(".status")).to_be_visible()
    page.wait_for_load_state("load")
    yield "status"
    page.locator("form[action*='/receipt/add'] button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.wait_for_load_state("load")
    yield "status with an error"
    page.locator("input[name=confirm]").check()
    page.locator("form[action*='/receipt/delete'] button").click()
    expect(page.locator("#main a[href^='/?']")).to_be_visible()
    page.wait_for_load_state("load")
    yield "deleted"
    page.goto(origin + "/no-such-page" + q)
    page.wait_for_load_state("load")
    yield "not found"


@pytest.mark.parametrize("lang", ["en", "ro"])
def test_axe_finds_no_violation_on_any_reporter_page(browser, live_server, axe_script, lang):
    session = _session(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        for name in reporter_pages(session, lang):
            assert axe_violations(session.page, axe_script) == [], f"{lang} {name}"
    finally:
        session.close()


@pytest.mark.parametrize("lang", ["pt-br", "pl", "bg"])
def test_axe_finds_no_violation_on_the_form_in_every_language(browser, live_server, axe_script, lang):
    session = _session(browser, live_server, viewport=DESKTOP, bypass_csp=True)
    try:
        session.page.goto(f"{session.origin}/report?lang={lang}")
        assert axe_violations(session.page, axe_script) == []
        session.page.locator("form[method=post] button[type=submit]").click()
        assert axe_violations(session.page, axe_script) == []
    finally:
        session.close()


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_whole_form_can_be_completed_and_sent_by_keyboard_alone(browser, live_server, artifacts):
    session = _session(browser, live_server, viewport=PHONE, locale="en-GB")
    try:
        page = session.page
        page.goto(session.origin + "/")
        tab_to(page, "a[href='/report']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Make a report")

        day = date.today() - timedelta(days=2)
        tab_to(page, "#incident_date")
        # Chromium's date field, as Debian's Chromium shows it: month, day, year.
        page.keyboard.type(day.strftime("%m%d%Y"))
        tab_to(page, "#area")
        page.keyboard.type("Holbeck")
        tab_to(page, "input[name=categories][value=robbery]")
        page.keyboard.press("Space")
        tab_to(page, "#what_happened")
        page.keyboard.type("He took the money back and pushed me out of the car.")
        tab_to(page, "#vehicle_registration")
        page.keyboard.type("AB12 CDE")
        tab_to(page, "input[name=consent_level]:checked")
        page.keyboard.press("ArrowDown")
        expect(page.locator("input[name=consent_level][value=anonymous_intel]")).to_be_checked()

        assert page.locator("#incident_date").input_value() == day.isoformat()
        assert page.locator("#area").input_value() == "holbeck"
        expect(page.locator("input[name=categories][value=robbery]")).to_be_checked()
        tab_to(page, "form[method=post] button[type=submit]")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. Your report has been sent.")
        assert RECEIPT_CODE.match(page.locator("#receipt-code").inner_text().strip())
    finally:
        session.close()


@pytest.mark.parametrize(
    ("label", "options"),
    [
        ("320px", {"viewport": NARROW}),
        # 200% zoom of a 1280 px window lays the page out in 640 CSS pixels, each drawn twice as big.
        ("zoom-200", {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}),
    ],
)
def test_no_sideways_scrolling_and_big_enough_targets(browser, live_server, label, options):
    session = _session(browser, live_server, **options)
    small = []
    try:
        for lang in ("en", "bg"):
            for name in reporter_pages(session, lang):
                measured = session.page.evaluate(SIDEWAYS)
                assert measured["scroll"] <= measured["client"], f"{label} {lang} {name}: {measured}"
                for target in session.page.evaluate(TARGETS):
                    if target["width"] < 44 or target["height"] < 44:
                        small.append((lang, name, target))
        assert small == [], f"{label}: touch targets smaller than 44 px: {small[:10]}"
    finally:
        session.close()


def test_report_in_romanian_without_javascript(browser, live_server, artifacts):
    session = _session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    try:
        page = session.page
        page.goto(session.origin + "/?lang=ro")
        page.get_by_role("link", name="Scrie un raport complet").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fă un raport")
        assert "lang=ro" in page.url
        screenshot(page, artifacts / "report-form-ro-360.png")
        page.get_by_label("Data când s-a întâmplat").fill(_incident_day())
        page.get_by_label("Zona", exact=True).select_option(label="Holbeck")
        page.get_by_label("Agresiune fizică").check()
        page.get_by_label("Ce s-a întâmplat?").fill("M-a lovit și nu m-a lăsat să ies din mașină.")
        page.get_by_label("Numărul de înmatriculare").fill("AB12 CDE")
        page.get_by_label("Avertizează-i pe alții și spune poliției despre el, dar nu despre mine.").check()
        page.get_by_role("button", name="Trimite raportul").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Mulțumim. Raportul tău a fost trimis.")
        expect(page.get_by_text("Păstrează codul într-un loc sigur")).to_be_visible()
        code = page.locator("#receipt-code").inner_text().strip()
        assert RECEIPT_CODE.match(code)
        screenshot(page, artifacts / "receipt-ro-360.png")
        assert session.context.cookies() == []
        assert session.foreign_requests() == []
    finally:
        session.close()
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as conn:
            languages = conn.execute(select(Report.language)).scalars().all()
        assert "ro" in languages
    finally:
        engine.dispose()


def test_return_with_the_code_and_raise_consent_in_portuguese(browser, live_server):
    session = _session(browser, live_server, java_script_enabled=False, viewport=PHONE)
    try:
        code = file_in(session, "pt-br", consent="alert_only")
        page = session.page
        expect(page.get_by_role("heading", level=1)).to_have_text("Obrigada. O seu relato foi enviado.")
        page.goto(session.origin + "/?lang=pt-br")
        page.get_by_role("link", name="Usar o meu código do recibo").click()
        page.get_by_label("O seu código do recibo").fill(code.lower())
        page.get_by_role("button", name="Continuar").click()
        expect(page.get_by_text("O que você aceitou:")).to_contain_text("só avisar as outras, nada para a polícia")

        page.get_by_label("Avisar as outras e dar tudo para a polícia, inclusive como falar comigo.").check()
        page.get_by_role("button", name="Salvar a minha escolha").click()
        expect(page.get_by_role("status")).to_have_text("A sua escolha foi salva. Ela vale a partir de agora.")
        expect(page.get_by_text("O que você aceitou:")).to_contain_text("dar tudo para a polícia")
        assert code not in page.url and code.lower() not in page.url
        assert "lang=pt-br" in page.url
        assert session.context.cookies() == []
    finally:
        session.close()


def test_quick_exit_from_the_status_page_leaves_no_way_back(browser, live_server):
    session = _session(browser, live_server, viewport=PHONE)
    try:
        page = session.page
        code = file_in(session, "bg")
        page.goto(session.origin + "/receipt?lang=bg")
        page.locator("#receipt_code").fill(code)
        page.locator("form[method=post] button[type=submit]").click()
        expect(page.locator(".status")).to_be_visible()
        link = page.get_by_role("link", name="Бърз изход")
        expect(link).to_be_in_viewport()
        link.click()
        page.wait_for_url(QUICK_EXIT_URL)
        page.go_back()
        # The status page (a POST result with the code in it) is gone from the history.
        assert "/receipt" not in page.url or page.locator(".status").count() == 0
        expect(page.locator("#receipt-code")).to_have_count(0)
    finally:
        session.close()


def test_quick_exit_is_on_error_pages_and_escape_works_there(browser, live_server):
    session = _session(browser, live_server, viewport=PHONE)
    try:
        page = session.page
        page.goto(session.origin + "/report?lang=pl")
        page.goto(session.origin + "/no-such-page?lang=pl")
        expect(page.get_by_role("link", name="Szybkie wyjście")).to_be_in_viewport()
        page.keyboard.press("Escape")
        page.wait_for_url(QUICK_EXIT_URL)
        page.go_back()
        assert "no-such-page" not in page.url
    finally:
        session.close()


def test_quick_exit_without_javascript_is_a_plain_link(browser, live_server):
    session = _session(browser, live_server, java_script_enabled=False, viewport=PHONE)
    try:
        page = session.page
        page.goto(session.origin + "/report?lang=ro")
        page.get_by_role("link", name="Ieșire rapidă").click()
        page.wait_for_url(QUICK_EXIT_URL)
        expect(page.get_by_role("heading", level=1)).to_have_text("Weather forecast")
    finally:
        session.close()


def test_form_page_weighs_under_60_kb_on_the_wire_and_renders_without_scripts(browser, live_server, artifacts):
    session = _session(browser, live_server, viewport=DESKTOP)
    try:
        page = session.page
        loaded = []
        page.on("requestfinished", lambda request: loaded.append(request))
        page.goto(session.origin + "/report?lang=bg")
        page.wait_for_load_state("networkidle")
        sizes = {r.url: r.sizes() for r in loaded}
        total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
        assert any(url.endswith("/favicon") for url in sizes), sizes.keys()
        assert total < 60 * 1024, {url: s["responseBodySize"] for url, s in sizes.items()}
        # The only script is deferred: nothing blocks the first paint.
        scripts = page.locator("script")
        assert scripts.count() == 1 and scripts.first.get_attribute("defer") is not None
        screenshot(page, artifacts / "report-form-bg-1280.png")
        page.goto(session.origin + "/report?lang=ro")
        screenshot(page, artifacts / "report-form-ro-1280.png")
    finally:
        session.close()


def _reports(live_server) -> list[str]:
    engine = create_engine(live_server.database_url)
    try:
        with engine.connect() as conn:
            # Sorted: rows come back in no set order (and their times are kept only to the hour).
            return sorted(conn.execute(select(Report.language)).scalars().all())
    finally:
        engine.dispose()


def _assert_still_typed(page, day: str) -> None:
    assert page.locator("#incident_date").input_value() == day
    assert page.locator("#area").input_value() == "holbeck"
    expect(page.locator("input[name=categories][value=robbery]")).to_be_checked()
    assert page.locator("#what_happened").input_value() == "Mi-a luat banii.\nM-a lăsat pe drum."
    assert page.locator("#vehicle_registration").input_value() == "AB12 CDE"
    expect(page.locator("input[name=consent_level][value=full]")).to_be_checked()
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page.locator(".error")).to_have_count(0)


def test_switching_language_keeps_what_was_typed_without_javascript(browser, live_server, artifacts):
    session = _session(browser, live_server, java_script_enabled=False, viewport=PHONE, is_mobile=True)
    before = _reports(live_server)
    try:
        page = session.page
        page.goto(f"{session.origin}/report?lang=en")
        page.locator("#area").select_option("holbeck")
        page.locator("input[name=categories][value=robbery]").check()
        page.locator("#vehicle_registration").fill("AB12 CDE")
        page.locator("input[name=consent_level][value=full]").check()
        # Sent without a date: shown back with the error, filled in.
        page.get_by_role("button", name="Send report").click()
        expect(page.locator(".error-summary")).to_be_visible()
        day = _incident_day()
        page.locator("#incident_date").fill(day)
        page.locator("#what_happened").fill("Mi-a luat banii.\nM-a lăsat pe drum.")

        page.get_by_role("navigation", name="Language").get_by_role("button", name="Română").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fă un raport")
        assert "lang=ro" in page.url
        expect(page.get_by_role("status")).to_have_text("Nu s-a trimis nimic încă. Tot ce ai scris este încă aici.")
        expect(page.get_by_role("button", name="Română")).to_have_attribute("aria-current", "true")
        _assert_still_typed(page, day)
        screenshot(page, artifacts / "report-form-switched-ro-360.png")

        # And back, from the keyboard alone.
        tab_to(page, "nav.languages button[lang=en]")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Make a report")
        assert "lang=en" in page.url
        _assert_still_typed(page, day)
        assert _reports(live_server) == before
        assert session.context.cookies() == []

        # Enter in a field still sends the report, not a language.
        page.locator("#vehicle_registration").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you. Your report has been sent.")
        assert _reports(live_server) == sorted([*before, "en"])
        assert session.context.cookies() == []
        assert session.foreign_requests() == []
    finally:
        session.close()


def test_switched_form_passes_axe(browser, live_server, axe_script):
    session = _session(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        page = session.page
        page.goto(f"{session.origin}/report?lang=en")
        page.locator("#what_happened").fill("He hit me.")
        page.get_by_role("button", name="Send report").click()
        expect(page.locator(".error-summary")).to_be_visible()
        page.get_by_role("button", name="Български").click()
        expect(page.get_by_role("status")).to_be_visible()
        page.wait_for_load_state("load")
        assert page.locator("#what_happened").input_value() == "He hit me."
        assert axe_violations(page, axe_script) == []
    finally:
        session.close()
