"""The monitoring dashboard in a real Chromium against the live gunicorn server.

Proves: a coordinator, logged in with oathtool codes, opens the dashboard over a seeded
quarter of reports (some passed to police, with outcomes; alerts with updates, retractions and
deliveries) and it renders with its seven server-drawn SVG charts, police outcomes and time from
report to alert among them, each with its table,
no script error or console error, and no request to any other origin; the period picker
moves to another period through the form; and the numbers shown include no count between 1
and the threshold.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from tests.e2e.test_staff_browser import StaffBrowser, log_in_first_time, screenshot
from tests.support.stats_data import expected, insert_rows, make_rows

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def seeded(live_server):
    rows = make_rows(300, date(2026, 1, 1), 90, seed=31, rare_area="other")
    engine = create_engine(live_server.database_url)
    insert_rows(engine, rows)
    engine.dispose()
    return rows


def test_dashboard_renders_cleanly_in_chromium(browser, live_server, seeded, tmp_path, artifacts):
    staff = StaffBrowser(browser, live_server)
    problems: list[str] = []
    staff.page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    staff.page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        log_in_first_time(staff, live_server, tmp_path, "coordinator")
        page = staff.page
        page.get_by_role("link", name="Monitoring").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Monitoring")

        page.get_by_label("Kind of period").select_option("quarter")
        page.get_by_label("A day in the period").fill("2026-02-14")
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_role("heading", name=re.compile("^Quarter 01 January 2026"))).to_be_visible()

        want = expected(seeded, date(2026, 1, 1), date(2026, 4, 1))
        total, passed = want["total"]["all"], sum(want["police"].values())
        expect(page.locator(".headlines li").first).to_have_text(
            f"{total} reports received from 01 January 2026 to 31 March 2026."
        )
        charts = page.locator(".figure-chart > svg")
        expect(charts).to_have_count(7)
        for i in range(7):
            expect(charts.nth(i)).to_be_visible()
            assert charts.nth(i).bounding_box()["height"] > 50
        # Each chart has its table beside it.
        assert page.locator(".figure .figure-table table").count() >= 7
        police = page.locator("section.figure", has=page.locator("#chart-police-title"))
        expect(police.get_by_role("img", name=re.compile("^Police outcomes"))).to_be_visible()
        expect(police.locator("#table-police tr.total td")).to_have_text(str(passed))
        expect(page.locator(".headlines li").nth(4)).to_contain_text(f"{passed} reports passed to police")
        published = sum(n for (kind, _), n in want["messages"].items() if kind == "alert")
        alert_time = page.locator("section.figure", has=page.locator("#chart-alert-time-title"))
        expect(alert_time.get_by_role("img", name=re.compile("^Time from report to alert"))).to_be_visible()
        expect(alert_time.locator("#table-alert_time tr.total td")).to_have_text(str(published))
        expect(page.locator(".headlines li").nth(5)).to_contain_text(f"{published} alerts published")
        expect(page.locator(".headlines li").nth(5)).to_contain_text("median time from report to alert")
        cells = [c.strip() for c in page.locator("table.figures td").all_inner_texts()]
        assert len(cells) > 100
        assert not [c for c in cells if re.fullmatch(r"[1-4]", c)]
        assert "withheld*" in cells
        screenshot(page, artifacts / "stats-dashboard.png")

        page.get_by_role("link", name="Period report to print").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Ugly Mugs overview (01.01.26 – 31.03.26)")
        assert page.evaluate("document.scripts.length") == 0

        assert staff.foreign_requests() == []
        assert problems == []
    finally:
        staff.close()
