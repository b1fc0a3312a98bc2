"""The printable sheet in a real Chromium against the live gunicorn server, opened with the feed
token as an outreach van would: everything comes from the server itself, the screen-only link
is hidden in print, the printed PDF holds the alert and the safety reminder, and the page fits
a 320 px wide phone."""

from __future__ import annotations

import io
import secrets

import pytest
from pypdf import PdfReader

from tests.support.alerting import make_project, publish_message
from tests.support.app import make_app
from ugly_mugs.projects import service

pytestmark = pytest.mark.e2e

REMINDER = "No warning does not mean safe."


@pytest.fixture(scope="module")
def sheet_url(live_server) -> str:
    app = make_app(live_server.database_url)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        project = make_project(session, f"Van {secrets.token_hex(3)}", areas=["holbeck"])
        token = service.new_feed_token(session, project, None)
        session.commit()
        publish_message(
            session,
            ["holbeck"],
            "Silver estate car",
            "Offers a lift, then drives to the industrial estate.",
            severity="urgent",
        )
    app.extensions["ugly_mugs.engine"].dispose()
    return f"{live_server.base_url}/bulletin?token={token}"


def test_sheet_prints_from_a_shared_computer(browser, live_server, sheet_url):
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(sheet_url)
    assert response.status == 200
    assert all(url.startswith(live_server.base_url) for url in requested), requested
    assert page.get_by_role("heading", name="Urgent: Silver estate car").is_visible()
    assert page.locator("nav.screen-only").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("nav.screen-only").is_visible()
    pdf = page.pdf(format="A4")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Offers a lift, then drives to the industrial estate." in text
    assert text.count(REMINDER) == 2
    assert "PDF" not in text.split("Warnings for")[0]
    assert context.cookies() == []
    context.close()


def test_sheet_fits_a_narrow_phone(browser, sheet_url):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(sheet_url)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    context.close()
