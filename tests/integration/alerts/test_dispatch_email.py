"""Alert emails reach a real SMTP server (aiosmtpd): plain text and HTML, a neutral subject, the
same Message-ID on every try, one connection per batch, STARTTLS and login when configured."""

from __future__ import annotations

import re
import ssl
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from alerts.delivery.channels.email import SmtpSettings, SmtpSettingsError
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.mailsink import smtp_server
from tests.support.webhook_receiver import self_signed_certificate
from ugly_mugs.models import Delivery


def dispatcher(app, port, scheme="smtp", query="", userinfo="", **overrides) -> Dispatcher:
    config = {**app.config, "SMTP_URL": f"{scheme}://{userinfo}127.0.0.1:{port}{query}", **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config))


def test_alert_email_has_text_and_html_and_a_neutral_subject(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["drop-in@basis.example"])
    make_project(db_session, "Elsewhere", areas=["harehills"], emails=["other@elsewhere.example"])
    message = publish_message(db_session, ["holbeck"], "Silver car, man in 40s", "He offers a lift then threatens.")
    with smtp_server() as (sink, port):
        tally = dispatcher(app, port).run_once()
    assert (tally.delivered, tally.retrying, tally.failed) == (1, 0, 0)
    [(rcpts, mail, _tls)] = sink.messages
    assert rcpts == ["drop-in@basis.example"]
    assert mail["To"] == "drop-in@basis.example" and mail["From"] == "bulletin@localhost"
    assert mail["Subject"] == "New message"
    assert "Silver car" not in mail["Subject"]
    assert mail["Message-ID"] == f"<{message.message_id}@localhost>"
    assert mail["X-Bulletin-Id"] == message.message_id
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "He offers a lift then threatens." in part
        assert "No warning does not mean safe." in part
    assert "Warning: Silver car, man in 40s" in plain
    assert "Holbeck" in plain and "Week of 16 November 2026" in plain
    delivery = db_session.scalar(select(Delivery))
    db_session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.delivered_at is not None and delivery.leased_by is None


def test_configured_subject_is_used(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        dispatcher(app, port, ALERT_SUBJECT="Weekly newsletter").run_once()
    assert sink.messages[0][1]["Subject"] == "Weekly newsletter"


def test_message_id_is_the_same_when_a_refused_send_is_retried(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    message = publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        sink.refuse_next = 1
        worker = dispatcher(app, port, DELIVERY_RETRY_SECONDS=0)
        first = worker.run_batch()
        assert (first.delivered, first.retrying) == (0, 1)
        delivery = db_session.scalar(select(Delivery))
        db_session.refresh(delivery)
        assert delivery.status == "pending" and delivery.attempts == 1 and "451" in delivery.last_error
        second = worker.run_once()
    assert second.delivered == 1
    assert sink.refused == [f"<{message.message_id}@localhost>"]
    assert [m["Message-ID"] for _, m, _ in sink.messages] == sink.refused


def test_one_connection_carries_a_whole_batch(app, db_session, passphrase):
    addresses = [f"worker{i}@basis.example" for i in range(30)]
    make_project(db_session, "Basis", areas=["holbeck"], emails=addresses)
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        tally = dispatcher(app, port).run_once()
    assert tally.delivered == 30
    assert sorted(r for rcpts, _, _ in sink.messages for r in rcpts) == sorted(addresses)
    assert len(sink.sessions) == 1


def test_bulletin_email_in_the_projects_language(app, db_session, passphrase):
    make_project(db_session, "Casa", areas=["holbeck"], emails=["casa@example.ro"], language="ro")
    publish_message(db_session, ["holbeck"], "Mașină argintie", "Bărbat de 40 de ani.")
    with smtp_server() as (sink, port):
        dispatcher(app, port).run_once()
    mail = sink.messages[0][1]
    plain = mail.get_body(("plain",)).get_content()
    assert "Lipsa unui avertisment nu înseamnă că ești în siguranță." in plain
    assert "No warning does not mean safe." not in plain
    assert mail["Content-Language"] == "ro"


def _self_signed(tmp_path):
    """A TLS server context for 127.0.0.1 and the CA file a client trusts it with."""
    cert_path, key_path = self_signed_certificate("127.0.0.1", tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, str(cert_path)


class Authenticator:
    def __init__(self):
        self.seen = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append((auth_data.login, session.ssl is not None))
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret pass"
        return AuthResult(success=ok, handled=False)


def test_starttls_and_login(app, db_session, passphrase, tmp_path):
    context, ca_file = _self_signed(tmp_path)
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    auth = Authenticator()
    options = dict(tls_context=context, require_starttls=True, auth_require_tls=True, authenticator=auth)
    with smtp_server(**options) as (sink, port):
        worker = dispatcher(app, port, query="?starttls=true", userinfo="mailer:s3cret%20pass@", SMTP_CA_FILE=ca_file)
        tally = worker.run_once()
    assert tally.delivered == 1
    assert auth.seen == [(b"mailer", True)]
    assert sink.messages[0][2] is True  # the message travelled over TLS


def test_wrong_login_is_a_failure_to_retry(app, db_session, passphrase, tmp_path):
    context, ca_file = _self_signed(tmp_path)
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    options = dict(tls_context=context, require_starttls=True, auth_require_tls=True, authenticator=Authenticator())
    with smtp_server(**options) as (sink, port):
        worker = dispatcher(app, port, query="?starttls=true", userinfo="mailer:wrong@", SMTP_CA_FILE=ca_file)
        tally = worker.run_once()
    assert (tally.delivered, tally.retrying) == (0, 1)
    delivery = db_session.scalar(select(Delivery))
    db_session.refresh(delivery)
    assert delivery.last_error.startswith("SMTP login refused") and "wrong" not in delivery.last_error
    assert sink.messages == []


def test_untrusted_certificate_is_refused(app, db_session, passphrase, tmp_path):
    context, _ca_file = _self_signed(tmp_path)
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server(tls_context=context, require_starttls=True) as (sink, port):
        tally = dispatcher(app, port, query="?starttls=true").run_once()
    assert tally.retrying == 1 and sink.messages == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example:25", "smtp://"),
        ("smtp://", "no host"),
        ("smtp://mail.example:port", "not a number"),
        ("smtp://user:pw@mail.example:25", "needs TLS"),
    ],
)
def test_bad_smtp_urls_are_explained(url, problem):
    with pytest.raises(SmtpSettingsError, match=problem):
        SmtpSettings.from_url(url)


def test_smtp_url_forms():
    s = SmtpSettings.from_url("smtp://u%40x:p%3Aw@mail.example:587?starttls=true")
    assert (s.host, s.port, s.tls, s.username, s.password) == ("mail.example", 587, "starttls", "u@x", "p:w")
    assert SmtpSettings.from_url("smtps://mail.example").port == 465
    assert SmtpSettings.from_url("smtp://mail.example").tls == "none"
    assert SmtpSettings.from_url("smtps://u@mail.example", password="from-file").password == "from-file"


def test_dispatch_command_sends_and_reports_counts(app, db_session, passphrase, database_url):
    from tests.support.app import make_app

    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example", "b@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        worker_app = make_app(database_url, SMTP_URL=f"smtp://127.0.0.1:{port}")
        result = worker_app.test_cli_runner().invoke(args=["alerts", "dispatch", "--once"])
        worker_app.extensions["ugly_mugs.engine"].dispose()
    assert result.exit_code == 0, result.output
    assert "2 delivered, 0 to retry, 0 failed" in result.output
    assert "basis.example" not in result.output
    # Both recipients in one SMTP transaction.
    assert [sorted(rcpts) for rcpts, _, _ in sink.messages] == [["a@basis.example", "b@basis.example"]]


def test_dispatch_command_explains_a_bad_smtp_url(database_url):
    from tests.support.app import make_app

    worker_app = make_app(database_url, SMTP_URL="smtp://user:pw@mail.example:25")
    result = worker_app.test_cli_runner().invoke(args=["alerts", "dispatch", "--once"])
    worker_app.extensions["ugly_mugs.engine"].dispose()
    assert result.exit_code != 0 and "needs TLS" in result.output
    help_text = worker_app.test_cli_runner().invoke(args=["alerts", "dispatch", "--help"]).output
    assert "--once" in help_text and "--loop" in help_text


def test_a_batch_stops_before_its_lease_could_run_out(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=[f"w{i}@basis.example" for i in range(5)])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        # Two recipients per transaction: sends of 2, 2 and 1.
        worker = dispatcher(app, port, DELIVERY_LEASE_SECONDS=1, SMTP_MAX_RECIPIENTS=2)
        import time as clock

        original = worker._send_group

        def slow_send(mailer, jobs):
            clock.sleep(0.3)
            return original(mailer, jobs)

        worker._send_group = slow_send
        first = worker.run_batch()
        assert 1 <= first.delivered < 5
        # The rest was given back, not left leased: the next batch takes it at once.
        rest = worker.run_once()
    assert first.delivered + rest.delivered == 5 and sink.total == 5


# RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">", both dot-atom-text here.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
MESSAGE_ID = re.compile(rf"<{_ATOM}(\.{_ATOM})*@{_ATOM}(\.{_ATOM})*>")


@pytest.mark.parametrize(
    ("mail_from", "mailbox", "domain"),
    [
        ("bulletin@localhost", "bulletin@localhost", "localhost"),
        ("Ugly Mugs <bulletin@example.org>", "bulletin@example.org", "example.org"),
        ('"Leeds, Basis" <b@Example.ORG>', "b@Example.ORG", "example.org"),
        ("Ugly Mugs – Leeds <alerts@scheme.example>", "alerts@scheme.example", "scheme.example"),
        ("bulletin@example.org (Ugly Mugs)", "bulletin@example.org", "example.org"),
    ],
)
def test_a_sender_with_a_display_name_gives_a_well_formed_message_id(
    app, db_session, passphrase, mail_from, mailbox, domain
):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    message = publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        tally = dispatcher(app, port, MAIL_FROM=mail_from).run_once()
    assert tally.delivered == 1
    [(_, mail, _)] = sink.messages
    assert mail["Message-ID"] == f"<{message.message_id}@{domain}>"
    assert MESSAGE_ID.fullmatch(mail["Message-ID"]), mail["Message-ID"]
    assert sink.senders == [mailbox]
    assert parseaddr(str(mail["From"]))[1] == mailbox
