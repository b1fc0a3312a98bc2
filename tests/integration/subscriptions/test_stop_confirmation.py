"""A stop that ends an active subscription is confirmed to her, once, in her language, so that a
STOP forged from her number does not pass unnoticed; her row (and sealed number) is kept only
until that confirmation has gone. Table of the ways a stop comes and what each leaves; the
worker sending the confirmation by email through the suite's real SMTP server and erasing the
row; a confirmation given up still erases it; the sweep erases a stop whose text never went.
The same through real Kannel is in ``test_end_to_end.py``."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import publish_message
from tests.support.mailsink import smtp_server
from ugly_mugs.db import database_now
from ugly_mugs.models import Delivery, Subscription, SubscriptionArea
from ugly_mugs.subscriptions import contact, inbound
from ugly_mugs.subscriptions import service as subs

LIMITS = subs.Limits(contact_limit=50, monthly_texts=100)
NUMBER = "+447400918273"


def _active(app, session, typed: contact.Contact, language="pl", limits=LIMITS) -> Subscription:
    subs.sign_up(session, typed, ["holbeck", "harehills"], language, limits)
    sub = session.scalar(select(Subscription))
    row = session.scalar(select(Delivery).where(Delivery.subscription_id == sub.id, Delivery.notice == "code"))
    code = subs.open_payload(app.config["DISPATCH_PRIVATE_KEY"], sub.public_id, "code", row.payload_sealed)
    assert subs.verify(session, typed, code, limits)
    session.delete(row)
    session.commit()
    return sub


def _notices(session) -> list[str | None]:
    return list(session.scalars(select(Delivery.notice).order_by(Delivery.id)))


def _by_reply(session, typed, sub):
    return inbound.handle_reply(session, typed.value.lstrip("+"), "Stop please", "GB", LIMITS) == "stopped"


STOPS = {
    "a STOP reply": _by_reply,
    "the stop page": lambda session, typed, sub: subs.stop(session, typed, LIMITS),
    "the stop link": lambda session, typed, sub: subs.stop_by_public_id(session, sub.public_id, LIMITS),
    "the index": lambda session, typed, sub: subs.stop_by_index(
        session, subs.contact_index(session.info[subs.SUBSCRIBER_KEY], typed), LIMITS, False
    ),
}


@pytest.mark.parametrize("how", list(STOPS))
def test_a_stop_of_an_active_subscription_queues_one_confirmation(app, db_session, passphrase, how):
    typed = contact.parse_number(NUMBER, "GB")
    sub = _active(app, db_session, typed)
    publish_message(db_session, ["holbeck"], "Silver car", "He threatens with a knife.")
    assert _notices(db_session) == [None]  # the alert, not yet sent
    assert STOPS[how](db_session, typed, sub)
    db_session.commit()
    db_session.refresh(sub)
    # Areas and the unsent alert gone; one confirmation waiting; nothing of her is readable.
    assert sub.state == "stopped" and sub.code_hash is None
    assert db_session.scalar(select(func.count()).select_from(SubscriptionArea)) == 0
    assert _notices(db_session) == ["stopped"]
    # A second stop (a forger's, or hers again) sends nothing more and cancels nothing.
    assert STOPS[how](db_session, typed, sub)
    db_session.commit()
    assert _notices(db_session) == ["stopped"]
    # A stopped subscription is sent no alert.
    publish_message(db_session, ["holbeck"], "Another", "Not for her.")
    assert _notices(db_session) == ["stopped"]


@pytest.mark.parametrize("how", list(STOPS))
def test_a_stop_of_a_sign_up_never_confirmed_erases_it_silently(db_session, passphrase, how):
    # Nothing is texted to a number that never confirmed: a stop cannot be used to pump texts.
    typed = contact.parse_number(NUMBER, "GB")
    subs.sign_up(db_session, typed, ["holbeck"], "en", LIMITS)
    db_session.commit()
    sub = db_session.scalar(select(Subscription))
    if how == "a STOP reply":
        assert inbound.handle_reply(db_session, NUMBER, "STOP", "GB", LIMITS) == "stopped"
    else:
        assert STOPS[how](db_session, typed, sub)
    db_session.commit()
    for model in (Subscription, SubscriptionArea, Delivery):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0


def test_signing_up_again_after_a_stop_waits_for_a_new_code(app, db_session, passphrase):
    typed = contact.parse_number(NUMBER, "GB")
    _active(app, db_session, typed)
    assert subs.stop(db_session, typed, LIMITS)
    assert subs.sign_up(db_session, typed, ["holbeck"], "ro", LIMITS)
    db_session.commit()
    sub = db_session.scalar(select(Subscription))
    assert (sub.state, sub.language) == ("pending", "ro")
    assert sorted(n or "" for n in _notices(db_session)) == ["code", "stopped"]


def _worker(app, port, **overrides):
    cfg = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}", "SUBSCRIPTIONS": True, **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(cfg))


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "Warnings stopped", "You will get no more warnings."),
        ("pl", "Ostrzeżenia wyłączone", "Nie dostaniesz więcej ostrzeżeń."),
        ("ro", "Avertizări oprite", "Nu vei mai primi avertizări."),
        ("bg", "Предупрежденията са спрени", "Няма да получавате повече предупреждения."),
        ("pt_BR", "Alertas interrompidos", "Você não receberá mais alertas."),
    ],
)
def test_the_worker_sends_the_confirmation_then_erases_her_row(app, db_session, passphrase, language, subject, words):
    typed = contact.parse_email("her@example.org")
    _active(app, db_session, typed, language)
    assert subs.stop(db_session, typed, LIMITS)
    db_session.commit()
    with smtp_server() as (sink, port):
        assert _worker(app, port, PUBLIC_URL="https://um.example").run_once().delivered == 1
        assert _worker(app, port).run_once().claimed == 0
    [(rcpts, mail, _tls)] = sink.messages
    body = mail.get_body(("plain",)).get_content()
    assert rcpts == ["her@example.org"] and mail["Subject"] == subject
    assert words in body and "https://um.example/alerts/subscribe" in body
    db_session.expire_all()
    for model in (Subscription, SubscriptionArea, Delivery):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0


def test_a_confirmation_given_up_still_erases_her_row(app, db_session, passphrase):
    typed = contact.parse_email("her@example.org")
    _active(app, db_session, typed)
    assert subs.stop(db_session, typed, LIMITS)
    db_session.commit()
    # No SMTP server listens on port 9 (discard): every try fails; the last one gives up.
    worker = _worker(app, 9, DELIVERY_MAX_ATTEMPTS=1)
    assert worker.run_once().failed == 1
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(Subscription)) == 0


def test_the_sweep_erases_a_stop_whose_confirmation_never_went(app, db_session, passphrase):
    typed = contact.parse_number(NUMBER, "GB")
    _active(app, db_session, typed)
    assert subs.stop(db_session, typed, LIMITS)
    db_session.commit()
    assert subs.sweep(db_session, 365) == 0  # today: the worker may still send it
    sub = db_session.scalar(select(Subscription))
    sub.last_activity_at = database_now(db_session) - timedelta(days=2)
    db_session.commit()
    assert subs.sweep(db_session, 365) == 1
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Delivery)) == 0


# A month of one text: the sign-up's code takes it. (A counter is per limit: the same limits
# throughout, as an installation has.)
SPENT = subs.Limits(contact_limit=50, monthly_texts=1)


@pytest.mark.parametrize("how", list(STOPS))
def test_a_stop_past_the_monthly_ceiling_erases_her_without_a_text(app, db_session, passphrase, how):
    """Signing up and stopping in turn cannot make the scheme send texts it does not count."""
    typed = contact.parse_number(NUMBER, "GB")
    sub = _active(app, db_session, typed, limits=SPENT)
    stops = {
        "a STOP reply": lambda: inbound.handle_reply(db_session, NUMBER.lstrip("+"), "STOP", "GB", SPENT),
        "the stop page": lambda: subs.stop(db_session, typed, SPENT),
        "the stop link": lambda: subs.stop_by_public_id(db_session, sub.public_id, SPENT),
        "the index": lambda: subs.stop_by_index(
            db_session, subs.contact_index(db_session.info[subs.SUBSCRIBER_KEY], typed), SPENT, False
        ),
    }
    assert stops[how]()
    db_session.commit()
    for model in (Subscription, SubscriptionArea, Delivery):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0


def test_a_sign_up_refused_after_a_stop_leaves_the_stop_as_it_was(app, db_session, passphrase):
    two = subs.Limits(contact_limit=50, monthly_texts=2)  # the code, then the confirmation
    typed = contact.parse_number(NUMBER, "GB")
    _active(app, db_session, typed, limits=two)
    assert subs.stop(db_session, typed, two)
    db_session.commit()
    with pytest.raises(subs.Refused):
        subs.sign_up(db_session, typed, ["holbeck"], "en", two)
    db_session.commit()  # as the page does: the counters are kept
    sub = db_session.scalar(select(Subscription))
    assert sub.state == "stopped" and _notices(db_session) == ["stopped"]
    # So the worker erases it once the confirmation has gone.
    assert subs.erase_stopped(db_session, [sub.id]) == 1


def test_the_worker_keeps_a_sign_up_made_again_while_it_erases(app, db_session, passphrase):
    """The worker's erasure waits for a sign-up again in progress on her row and then keeps it."""
    engine = app.extensions["ugly_mugs.engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: the sign-up and the erasure cannot overlap")
    typed = contact.parse_number(NUMBER, "GB")
    sub = _active(app, db_session, typed)
    assert subs.stop(db_session, typed, LIMITS)
    db_session.commit()
    assert subs.sign_up(db_session, typed, ["holbeck"], "en", LIMITS)
    db_session.flush()  # her row updated and locked, not yet committed
    erased: list[int] = []

    def worker() -> None:
        with engine.begin() as conn:
            erased.append(subs.erase_stopped(conn, [sub.id]))

    thread = threading.Thread(target=worker)
    thread.start()
    with engine.connect() as watch:
        for _ in range(500):  # until the worker's DELETE waits on her row's lock (at most 10 s)
            waiting = watch.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE%'")
            ).scalar_one()
            if waiting:
                break
            thread.join(0.02)
    db_session.commit()
    thread.join(10)
    assert erased == [0]
    assert db_session.scalar(select(Subscription.state)) == "pending"
    assert "code" in _notices(db_session)
