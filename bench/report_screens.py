"""How far a reporter scrolls and how many fields she touches to file the minimum report, on a
360 x 640 phone in Chromium (issue 21, item 3).

The minimum report is the issue's: when (the date), where (the area), what he did (one ticked
category), one line about him (the clothing line stands for it on today's form), a number or
plate (the number plate) and the consent choice; on the quick report the line about him
has its own field. For each path to it the benchmark opens the
page in Debian's Chromium with JavaScript off (as a reporter's phone may be), touches exactly
those fields, presses Send, and measures:

- ``fields``: the inputs touched (the same minimum, whichever path);
- ``screens to Send``: how far down the Send button is, in 640 px screens (what she scrolls);
- ``page screens``: the whole page's height in screens;
- ``filed``: whether the receipt came back.

The app runs under gunicorn on a fresh SQLite database, prepared with the real commands
(``bench/harness.py``). Paths are listed in ``PATHS``; a shorter path adds its own entry and
the baseline (today's full form) stays beside it. Prints a table, the load average and a
one-line ``summary:``. Never a test, never fails on a figure.

    .venv/bin/python -m bench.report_screens
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench import harness

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
SCREEN = PHONE["height"]

BOTTOM = "el => el.getBoundingClientRect().bottom + window.scrollY"


@dataclass
class Measured:
    path: str
    fields: int
    screens_to_send: float
    page_screens: float
    filed: bool


def _touch_full_form(page) -> int:
    """The minimum report on today's form (``/report``); returns the number of fields touched."""
    page.fill("#incident_date", (date.today() - timedelta(days=2)).isoformat())
    page.select_option("#area", "holbeck")
    page.check("input[name=categories][value=physical-assault]")
    page.fill("#clothing", "Grey hoodie, about 40, shaved head")
    page.fill("#vehicle_registration", "AB12 CDE")
    page.check("input[name=consent_level][value=anonymous_intel]")
    return 6


def _touch_quick_form(page) -> int:
    """The minimum report on the quick report (``/report/quick``), where the one line about him
    has a field of its own (``about_him``); returns the number of fields touched."""
    page.fill("#incident_date", (date.today() - timedelta(days=2)).isoformat())
    page.select_option("#area", "holbeck")
    page.check("input[name=categories][value=physical-assault]")
    page.fill("#about_him", "Grey hoodie, about 40, shaved head")
    page.fill("#vehicle_registration", "AB12 CDE")
    page.check("input[name=consent_level][value=anonymous_intel]")
    return 6


# (name, address, how the minimum is filled there)
PATHS: list[tuple[str, str, Callable]] = [
    ("full form (baseline)", "/report", _touch_full_form),
    ("quick report", "/report/quick", _touch_quick_form),
]


def measure(browser, base_url: str, name: str, address: str, touch: Callable) -> Measured:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(base_url + address)
        page_height = page.evaluate("document.documentElement.scrollHeight")
        touched = touch(page)
        send = page.locator("form[method=post] button[type=submit]").last
        send_bottom = send.evaluate(BOTTOM)
        send.click()
        filed = page.locator("#receipt-code").count() == 1
        return Measured(name, touched, send_bottom / SCREEN, page_height / SCREEN, filed)
    finally:
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is not installed (make test installs Debian's chromium)")
    harness.install_signal_handlers()
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="bench-screens-") as tmp:
        workdir = Path(tmp)
        with harness.sqlite_database(workdir) as url:
            env = harness.app_environment(url)
            harness.prepare_app_database(url, env)
            with harness.gunicorn("wsgi:app", env, 1, workdir / "gunicorn.log") as server:
                base_url = f"http://{harness.HOST}:{server.port}"
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
                    )
                    try:
                        for name, address, touch in PATHS:
                            results.append(measure(browser, base_url, name, address, touch))
                    finally:
                        browser.close()
    columns = [
        harness.Column("path", 24, "<"),
        harness.Column("fields", 7),
        harness.Column("screens to Send", 16),
        harness.Column("page screens", 13),
        harness.Column("filed", 6),
    ]
    rows = [
        [m.path, m.fields, f"{m.screens_to_send:.1f}", f"{m.page_screens:.1f}", "yes" if m.filed else "NO"]
        for m in results
    ]
    print(f"Minimum report at {PHONE['width']} x {PHONE['height']}, Chromium, JavaScript off")
    print(harness.format_table(columns, rows))
    print(f"load average: {harness.load_average()}")
    base = results[0]
    parts = [f"{m.path}: {math.ceil(m.screens_to_send)} screens, {m.fields} fields" for m in results]
    ratio = ", ".join(f"{m.path} {m.screens_to_send / base.screens_to_send:.2f}x baseline" for m in results[1:])
    print("summary: " + "; ".join(parts) + (f"; {ratio}" if ratio else "") + "; target: 3 screens or fewer")


if __name__ == "__main__":
    main()
