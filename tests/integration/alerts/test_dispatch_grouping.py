"""Recipients of one message go to the relay in shared SMTP transactions (a real aiosmtpd server):
at most ``SMTP_MAX_RECIPIENTS`` RCPTs each, the addresses in the envelope only, a recipient the
server refuses at RCPT fails alone, a transaction refused at DATA is retried whole, and what
went is marked in one statement per send."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import event, select

from alerts.delivery.channels.email import UNDISCLOSED
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.mailsink import smtp_server
from ugly_mugs.models import Delivery


def dispatcher(app, port, **overrides) -> Dispatcher:
    config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}", **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config))


def addresses(n: int, domain: str = "basis.example") -> list[str]:
    return [f"worker{i}@{domain}" for i in range(n)]


def rows(db_session) -> dict[str, Delivery]:
    """Every delivery by its channel's address."""
    db_session.expire_all()
    from ugly_mugs.models import ProjectChannel

    found = db_session.execute(select(Delivery, ProjectChannel.target).join(ProjectChannel)).all()
    return {target: delivery for delivery, target in found}


@pytest.mark.parametrize(
    ("recipients", "limit"),
    [(1, 50), (2, 50), (50, 50), (51, 50), (120, 50), (7, 3), (9, 3), (5, 1), (100, 100)],
)
def test_a_fanout_arrives_in_bounded_transactions(app, db_session, passphrase, recipients, limit):
    sent = addresses(recipients)
    make_project(db_session, "Basis", areas=["holbeck"], emails=sent)
    message = publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        tally = dispatcher(app, port, SMTP_MAX_RECIPIENTS=limit).run_once()
    assert (tally.delivered, tally.retrying, tally.failed) == (recipients, 0, 0)
    transactions = [rcpts for rcpts, _, _ in sink.messages]
    assert len(transactions) == math.ceil(recipients / limit)
    assert all(1 <= len(rcpts) <= limit for rcpts in transactions)
    assert sorted(r for rcpts in transactions for r in rcpts) == sorted(sent)
    assert all(n == 1 for n in sink.counts.values())
    assert set(sink.counts) == {(a, f"<{message.message_id}@localhost>") for a in sent}
    assert len(sink.sessions) == 1
    marked = rows(db_session)
    assert {(d.status, d.attempts, d.leased_by) for d in marked.values()} == {("delivered", 1, None)}


@pytest.mark.parametrize(("recipients", "limit"), [(1, 50), (2, 50), (12, 5), (30, 50), (4, 1)])
def test_no_recipient_sees_another_recipients_address(app, db_session, passphrase, recipients, limit):
    english, romanian = addresses(recipients), addresses(recipients, "casa.example")
    make_project(db_session, "Basis", areas=["holbeck"], emails=english)
    make_project(db_session, "Casa", areas=["holbeck"], emails=romanian, language="ro")
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        dispatcher(app, port, SMTP_MAX_RECIPIENTS=limit).run_once()
    everyone = english + romanian
    bodies: dict[str, set[str]] = {}
    for rcpts, mail, _ in sink.messages:
        # Every header, as the recipient's mail program shows it and as it was sent.
        headers = "\n".join(f"{k}: {v}" for k, v in mail.items()).lower()
        for address in everyone:
            if address in headers:
                assert rcpts == [address], f"{address} is in a header of mail to {rcpts}"
        assert mail["To"] == (rcpts[0] if len(rcpts) == 1 else UNDISCLOSED)
        assert "Bcc" not in mail and "Cc" not in mail
        # Apart from To, everyone of one language gets the same message.
        language = mail["Content-Language"]
        bodies.setdefault(language, set()).add(
            "\n".join(f"{k}: {v}" for k, v in mail.items() if k != "To") + mail.get_body(("plain",)).get_content()
        )
    assert {k: len(v) for k, v in bodies.items()} == {"en": 1, "ro": 1}


@pytest.mark.parametrize(
    ("recipients", "limit", "refused"),
    [(1, 50, [0]), (10, 50, [0]), (10, 50, [4]), (10, 50, [9]), (10, 3, [2, 3]), (6, 50, [0, 1, 2, 3, 4, 5])],
)
def test_a_recipient_refused_at_rcpt_fails_alone(app, db_session, passphrase, recipients, limit, refused):
    sent = addresses(recipients)
    bad = {sent[i] for i in refused}
    make_project(db_session, "Basis", areas=["holbeck"], emails=sent)
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        sink.refuse_rcpt = bad
        worker = dispatcher(app, port, SMTP_MAX_RECIPIENTS=limit, DELIVERY_RETRY_SECONDS=0)
        first = worker.run_batch()
        assert (first.delivered, first.retrying, first.failed) == (recipients - len(bad), len(bad), 0)
        marked = rows(db_session)
        for address, delivery in marked.items():
            if address in bad:
                assert (delivery.status, delivery.attempts) == ("pending", 1)
                assert delivery.last_error == "recipient refused (550)"
            else:
                assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 1, None)
        # The refused ones are tried again until they fail for good; the others are never sent again.
        rest = dispatcher(
            app, port, SMTP_MAX_RECIPIENTS=limit, DELIVERY_RETRY_SECONDS=0, DELIVERY_MAX_ATTEMPTS=2
        ).run_once()
        assert (rest.delivered, rest.failed) == (0, len(bad))
    assert {a for a, _ in sink.counts} == set(sent) - bad
    assert all(n == 1 for n in sink.counts.values())
    assert {a for a, d in rows(db_session).items() if d.status == "failed"} == bad


@pytest.mark.parametrize(("recipients", "limit"), [(1, 50), (10, 50), (10, 4)])
def test_a_transaction_refused_at_data_is_retried_whole(app, db_session, passphrase, recipients, limit):
    sent = addresses(recipients)
    make_project(db_session, "Basis", areas=["holbeck"], emails=sent)
    message = publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        sink.refuse_next = 1
        worker = dispatcher(app, port, SMTP_MAX_RECIPIENTS=limit, DELIVERY_RETRY_SECONDS=0, DELIVERY_CONCURRENCY=1)
        first = worker.run_batch()
        in_first = min(recipients, limit)
        # The first transaction was refused whole; a 451 is the delivery's own, so the rest went.
        assert (first.delivered, first.retrying) == (recipients - in_first, in_first)
        retried = [d for d in rows(db_session).values() if d.status == "pending"]
        assert len(retried) == in_first and all("451" in d.last_error and d.attempts == 1 for d in retried)
        second = worker.run_once()
    assert second.delivered == in_first
    assert sink.refused == [f"<{message.message_id}@localhost>"]
    assert set(sink.counts) == {(a, f"<{message.message_id}@localhost>") for a in sent}
    assert all(n == 1 for n in sink.counts.values())
    tries = sorted(d.attempts for d in rows(db_session).values() if d.status == "delivered")
    assert tries == [1] * (recipients - in_first) + [2] * in_first


def test_one_address_twice_goes_in_two_transactions(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["shared@both.example", "a@both.example"])
    make_project(db_session, "Casa", areas=["holbeck"], emails=["shared@both.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        tally = dispatcher(app, port).run_once()
    assert tally.delivered == 3
    assert all(len(set(rcpts)) == len(rcpts) for rcpts, _, _ in sink.messages)
    assert sink.received("shared@both.example") == 2


def test_a_send_is_marked_in_one_statement(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], emails=addresses(40))
    publish_message(db_session, ["holbeck"], "Title", "Body")
    engine = app.extensions["ugly_mugs.engine"]
    marks: list[str] = []

    def seen(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().upper().startswith("UPDATE DELIVERY SET STATUS"):
            marks.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with smtp_server() as (sink, port):
            assert dispatcher(app, port, SMTP_MAX_RECIPIENTS=20).run_once().delivered == 40
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(sink.messages) == 2
    assert len(marks) == 2


def test_deliveries_of_different_claims_share_a_transaction(app, db_session, passphrase):
    """Claims of 7 and transactions of 5: the lane's queue holds the tail of one claim and the
    next claim (equal messages read twice), and they go together."""
    sent = addresses(30)
    make_project(db_session, "Basis", areas=["holbeck"], emails=sent)
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (sink, port):
        worker = dispatcher(app, port, DELIVERY_BATCH_SIZE=7, SMTP_MAX_RECIPIENTS=5, DELIVERY_CONCURRENCY=1)
        import time as clock

        original = worker._send_group

        def slow_send(transports, jobs):
            # Slow enough that the next claim joins the queue before the lane takes its next send.
            clock.sleep(0.1)
            return original(transports, jobs)

        worker._send_group = slow_send
        tally = worker.run_once()
    assert (tally.delivered, tally.retrying, tally.failed) == (30, 0, 0)
    assert sorted(r for rcpts, _, _ in sink.messages for r in rcpts) == sorted(sent)
    assert all(len(rcpts) <= 5 for rcpts, _, _ in sink.messages)
    # Mostly full transactions, though no claim is a multiple of five.
    assert sum(1 for rcpts, _, _ in sink.messages if len(rcpts) == 5) >= 4


@pytest.mark.parametrize(("value", "usable"), [(0, False), (1, True), (50, True), (100, True), (101, False)])
def test_recipients_per_transaction_within_what_every_server_takes(app, value, usable):
    from alerts.delivery.channels import ChannelSettingsError

    config = {**app.config, "SMTP_URL": "smtp://127.0.0.1:25", "SMTP_MAX_RECIPIENTS": value}
    if usable:
        assert dispatch_settings(config).channels["email"].smtp.max_recipients == value
    else:
        with pytest.raises(ChannelSettingsError, match="UGLY_MUGS_SMTP_MAX_RECIPIENTS must be 1 to 100"):
            dispatch_settings(config)
