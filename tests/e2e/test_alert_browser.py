"""Writing and publishing an alert in a real Chromium against the live gunicorn server.

Proves that a coordinator, created and given the scheme key by the operator's commands and
logging in with an oathtool code, opens a report from the inbox, starts a draft (prefilled with
facts about him, without her own words or her name; her words shown beside it on asking), is
blocked when the text repeats the reporter's name (the words are marked on the page, and Publish
is refused by the server too), fixes the text and publishes; the alert page then shows the
published message, the report's status says an alert was published, and no page asked another
origin for anything.

And that Publish publishes exactly what is on screen: a coordinator edits the draft and presses
Publish without saving first, and the edit (not the prefilled text) is what every channel sends —
the e-mail and the signed webhook (through the dispatch worker to a real SMTP server and a real
HTTP receiver), the Atom feed, the printable sheet and its PDF, and the number check.
"""

from __future__ import annotations

import html
import io
import json
import re
import secrets
import urllib.request

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.e2e.test_police_browser import staff_member
from tests.e2e.test_staff_browser import OATHTOOL, StaffBrowser
from tests.support.alerting import make_project
from tests.support.app import make_app
from tests.support.mailsink import smtp_server
from tests.support.webhook_receiver import Receiver, webhook_server
from ugly_mugs.projects import service

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
        expect(body).to_contain_text("Vehicle: silver, Toyota")
        expect(body).to_contain_text("07700 900999")
        assert name not in body.input_value() and what not in body.input_value()
        page.get_by_role("button", name="Show the reporter's words").click()
        expect(page.locator("#her-words")).to_contain_text(what)

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


@pytest.fixture
def channels(live_server):
    """A project covering Holbeck with an e-mail address and a webhook to real local receivers,
    its feed token, and a function that runs the dispatch worker once against them."""
    app = make_app(live_server.database_url)
    receiver = Receiver("e2e-secret")
    with webhook_server(receiver) as url, smtp_server() as (sink, port):
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            project = make_project(
                session,
                f"Drop-in {secrets.token_hex(3)}",
                areas=["holbeck"],
                emails=["drop-in@project.example"],
                webhooks=[(url, "e2e-secret")],
            )
            token = service.new_feed_token(session, project, None)
            session.commit()

        def dispatch() -> None:
            config = {
                **app.config,
                "SMTP_URL": f"smtp://127.0.0.1:{port}",
                "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
            }
            Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once()

        yield {"token": token, "dispatch": dispatch, "sink": sink, "receiver": receiver}
    app.extensions["ugly_mugs.engine"].dispose()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_publish_sends_exactly_the_edit_on_screen(browser, live_server, tmp_path, channels):
    name = f"Roxanne{secrets.token_hex(2)}"
    reference = file_report(live_server, name, "He would not pay and threatened her with a knife.")
    edit = f"Edited {secrets.token_hex(3)}: tall man, silver Toyota, threatens with a knife. Phone 07700 900999."

    coordinator = staff_member(browser, live_server, tmp_path, "coordinator")
    try:
        page = coordinator.page
        page.get_by_role("link", name=reference).click()
        page.get_by_role("button", name="Start an alert draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Alert A-[0-9A-Z]{6}"))
        alert_ref = page.get_by_role("heading", level=1).inner_text().split()[-1]
        prefilled = page.get_by_label("Text of the alert").input_value()
        assert "Vehicle: silver, Toyota" in prefilled
        # Edited, and published straight away: no "Save and check" in between.
        page.get_by_label("Text of the alert").fill(edit)
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.locator("#alert-status")).to_have_text("published")
        expect(page.locator("#message-1")).to_contain_text(edit)
        assert coordinator.foreign_requests() == []
    finally:
        coordinator.close()

    channels["dispatch"]()
    mails = [m for _, m, _ in channels["sink"].messages if alert_ref in m.get_body(("plain",)).get_content()]
    hooks = [json.loads(r["body"]) for r in channels["receiver"].requests]
    hooks = [h for h in hooks if h["reference"] == alert_ref]
    assert len(mails) == 1 and len(hooks) == 1
    token = channels["token"]
    sheet_pdf = _get(f"{live_server.base_url}/bulletin.pdf?token={token}")
    sent = {
        "email text": mails[0].get_body(("plain",)).get_content(),
        "email html": mails[0].get_body(("html",)).get_content(),
        "webhook": hooks[0]["body"] + "\n" + hooks[0]["text"],
        "feed": _get(f"{live_server.base_url}/feed?token={token}").decode("utf-8"),
        "sheet": _get(f"{live_server.base_url}/bulletin?token={token}").decode("utf-8"),
        "sheet pdf": " ".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet_pdf)).pages),
    }
    checked = StaffBrowser(browser, live_server)
    checked.page.goto(live_server.base_url + "/check-a-number")
    checked.page.locator("#identifier").fill("07700 900999")
    checked.page.get_by_role("button", name="Check").click()
    sent["number check"] = checked.page.locator(".check-answer").inner_text()
    checked.close()
    for where, text in sent.items():
        flat = " ".join(html.unescape(text).split())
        assert edit in flat, where
        assert "Vehicle: silver, Toyota" not in flat, where  # the prefilled text, replaced on screen
        assert name not in flat, where
