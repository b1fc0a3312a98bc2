"""Subscribers end to end, through real parts: real Kannel (bearerbox, smsbox and the fake phone
network), the app served over HTTP (Kannel calls its signed inbound and delivery-report
endpoints itself), the real dispatch worker, and the suite's real SMTP server.

By text: she signs up with her number, the code reaches her phone, she types it; an alert for
her area reaches her in Polish as UCS-2 in the segments counted, plates and numbers first, with
a link that opens the full alert; an alert for another area does not; she replies STOP from her
phone, gets one text saying so (a STOP forged from her number would not pass unnoticed) and
receives nothing more, her row gone. By email: the same with the code and the stop link in the
email. Her number is Polish: the installation allows GB and PL numbers (``SMS_COUNTRIES``).
"""

from __future__ import annotations

import re
import secrets
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from alerts.delivery.sms import segments
from tests.support.alerting import publish_message
from tests.support.app import make_app
from tests.support.kannel import running_kannel, wait_until
from tests.support.mailsink import smtp_server
from ugly_mugs.keys import keystore
from ugly_mugs.models import Delivery, Subscription
from ugly_mugs.subscriptions import inbound

pytestmark = pytest.mark.kannel

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
INBOUND_KEY = secrets.token_hex(32)
NUMBER = "+48600123456"


class _Later:
    """A WSGI app handed over once it exists (the server's port is needed to configure it)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture
def served(database_url, tmp_path):
    """The server's base URL, a holder for the app, and a function to make the app."""
    later = _Later()
    server = make_server("127.0.0.1", 0, later, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    made = []

    def make(**overrides):
        app = make_app(
            database_url,
            SUBSCRIPTIONS=True,
            PUBLIC_URL=base,
            SMS_INBOUND_KEY=INBOUND_KEY,
            DELIVERY_RETRY_SECONDS=1,
            **overrides,
        )
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
            session.commit()
        later.app = app
        made.append(app)
        return app

    try:
        yield base, make
    finally:
        server.shutdown()
        server.server_close()
        for app in made:
            app.extensions["ugly_mugs.engine"].dispose()


def run_worker(app, **overrides):
    return Dispatcher(
        app.extensions["ugly_mugs.sessionmaker"], dispatch_settings({**app.config, **overrides})
    ).run_once()


def post_form(client, path, page, **fields):
    return client.post(path, data={"form_token": TOKEN.search(page).group(1), **fields})


def subscription(app):
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        return session.scalar(select(Subscription))


def test_by_text_message_through_kannel(served, tmp_path):
    base, make = served
    token = inbound.endpoint_token({"SMS_INBOUND_KEY": INBOUND_KEY})
    (tmp_path / "kannel").mkdir()
    with running_kannel(tmp_path / "kannel", f"{base}/sms/inbound?key={token}") as k:
        app = make(
            KANNEL_SENDSMS_URL=k.sendsms_url,
            KANNEL_USERNAME=k.username,
            KANNEL_PASSWORD=k.password,
            SMS_COUNTRIES="GB,PL",
        )
        client = app.test_client()
        # She signs up for Holbeck, in Polish.
        form = client.get("/alerts/subscribe?lang=pl").get_data(as_text=True)
        answer = post_form(client, "/alerts/subscribe", form, contact="+48 600 123 456", areas="holbeck", language="pl")
        assert answer.status_code == 200
        assert run_worker(app).delivered == 1
        [code_text] = k.wait_for_messages(1, to=NUMBER)
        code = re.search(r"\d{6}", code_text.text).group(0)
        assert code_text.text.startswith("Twój kod")
        done = post_form(client, "/alerts/subscribe/code", answer.get_data(as_text=True), contact=NUMBER, code=code)
        assert done.status_code == 200 and subscription(app).state == "active"

        # An alert for her area reaches her; one for another area does not.
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            publish_message(
                session,
                ["holbeck"],
                "Napad i pobicie, podaje się za taksówkarza",
                "Pojazd: srebrny opel, registration KR 12345. Telefon: +48 600 100 200.",
                severity="urgent",
            )
            publish_message(session, ["harehills"], "Elsewhere only", "Not for her.")
        tally = run_worker(app)
        assert tally.delivered == 1 and tally.failed == 0
        messages = k.wait_for_messages(2, to=NUMBER)
        alert = messages[1]
        assert alert.coding == "UCS-2"
        assert alert.segments == segments.count(alert.text) <= 2
        assert alert.text.startswith("KR12345")
        assert "Pilne" in alert.text or "Napad" in alert.text
        link = re.search(r"https?://\S+/a/[A-Za-z0-9_-]{22}", alert.text).group(0)
        page = app.test_client().get(link.removeprefix(base))
        assert page.status_code == 200 and "srebrny opel" in page.get_data(as_text=True)

        # A delivery report from Kannel reaches the signed endpoint and updates the delivery.
        def reported():
            with app.extensions["ugly_mugs.sessionmaker"]() as session:
                return session.scalar(
                    select(Delivery.handset_state).where(
                        Delivery.message_id.is_not(None), Delivery.subscription_id.is_not(None)
                    )
                )

        wait_until(reported, 15, "a delivery report")

        # HELP from her phone is answered (through the outbox) with the help text, in Polish.
        def help_queued():
            with app.extensions["ugly_mugs.sessionmaker"]() as session:
                return session.scalar(select(Delivery.id).where(Delivery.notice == "help"))

        k.send_from_phone(NUMBER, "help")
        wait_until(help_queued, 15, "the HELP reaching the app")
        assert run_worker(app).delivered == 1
        assert k.wait_for_messages(3, to=NUMBER)[2].text.startswith("Ostrzeżenia o niebezpiecznych klientach")
        # HELP from a number that is not subscribed gets nothing (an inbound text can be forged).
        k.send_from_phone("+48600999888", "HELP")

        # She replies STOP from her phone: one text confirms it, in Polish, then her row is gone
        # and nothing more is sent; a second STOP (a forger's, say) sends nothing.
        k.send_from_phone(NUMBER, "STOP")
        wait_until(lambda: subscription(app).state == "stopped", 15, "the STOP reaching the app")
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            publish_message(session, ["holbeck"], "Another one", "KR 99999 again.")
        tally = run_worker(app)
        assert (tally.claimed, tally.delivered) == (1, 1)
        confirmation = k.wait_for_messages(4, to=NUMBER)[3]
        assert confirmation.text.startswith("Nie dostaniesz więcej ostrzeżeń")
        assert f"{base}/alerts/subscribe" in confirmation.text
        assert confirmation.segments == segments.count(confirmation.text) <= 2
        assert subscription(app) is None
        k.send_from_phone(NUMBER, "STOP")
        k.send_from_phone(NUMBER, "HELP")
        k.send_from_phone("+48600999888", "STOP")
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            publish_message(session, ["holbeck"], "Again", "KR 99999 again.")
        assert run_worker(app).claimed == 0
        assert len(k.sent_messages()) == 4


def test_by_email_with_the_real_smtp_server(served):
    _base, make = served
    with smtp_server() as (sink, port):
        app = make(SMTP_URL=f"smtp://127.0.0.1:{port}")
        client = app.test_client()
        form = client.get("/alerts/subscribe?lang=ro").get_data(as_text=True)
        answer = post_form(client, "/alerts/subscribe", form, contact="Her@Example.org", areas="holbeck", language="ro")
        assert answer.status_code == 200
        assert run_worker(app).delivered == 1
        [(rcpts, mail, _tls)] = sink.messages
        assert rcpts == ["Her@example.org"]
        code = re.search(r"\d{6}", mail.get_body(("plain",)).get_content()).group(0)
        assert mail["Subject"] == "Codul tău"
        post_form(client, "/alerts/subscribe/code", answer.get_data(as_text=True), contact="Her@example.org", code=code)
        assert subscription(app).state == "active"
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            publish_message(session, ["holbeck"], "Silver car", "He threatens with a knife.")
            publish_message(session, ["harehills"], "Elsewhere only", "Not for her.")
        assert run_worker(app).delivered == 1
        assert len(sink.messages) == 2
        alert = sink.messages[1][1]
        body = alert.get_body(("plain",)).get_content()
        assert "He threatens with a knife." in body and "Elsewhere only" not in body
        stop_link = re.search(r"http://\S+/alerts/stop/\S+", body).group(0)
        assert alert["List-Unsubscribe"] == f"<{stop_link}>"
        path = stop_link.split("://", 1)[1].partition("/")[2]
        page = client.get("/" + path).get_data(as_text=True)
        assert client.post("/" + path, data={"form_token": TOKEN.search(page).group(1)}).status_code == 200
        # One email confirms the stop, in Romanian; then her row is gone and nothing more is sent.
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            publish_message(session, ["holbeck"], "Again", "Nothing for her now.")
        assert run_worker(app).delivered == 1
        assert subscription(app) is None
        assert len(sink.messages) == 3
        rcpts, stopped, _tls = sink.messages[2]
        assert rcpts == ["Her@example.org"] and stopped["Subject"] == "Avertizări oprite"
        assert "/alerts/subscribe" in stopped.get_body(("plain",)).get_content()
        assert run_worker(app).claimed == 0
        assert len(sink.messages) == 3
