"""Subscriptions as stored: sealed to the dispatch key, found by the blind index, the code only as a
keyed hash, erased (row deleted) on stop and after inactivity; limits per number and the monthly
ceiling of texts; a canary number and address appear nowhere in the raw database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.dbscan import find_plaintext
from ugly_mugs.crypto import sealing
from ugly_mugs.db import database_now
from ugly_mugs.models import Delivery, Subscription, SubscriptionArea
from ugly_mugs.subscriptions import contact
from ugly_mugs.subscriptions import service as subs

LIMITS = subs.Limits(code_minutes=30, code_attempts=3, contact_limit=3, window_seconds=3600, monthly_texts=100)
CANARY_NUMBER = "+447400918273"
CANARY_EMAIL = "canary.zq7x@example.org"


def dispatch_pair(app):
    return sealing.key_pair_from_private(app.config["DISPATCH_PRIVATE_KEY"])


def the_code(app, session, sub) -> str:
    row = session.scalar(select(Delivery).where(Delivery.subscription_id == sub.id, Delivery.notice == "code"))
    return sealing.unseal(dispatch_pair(app), row.payload_sealed, subs.payload_context(sub.public_id, "code")).decode()


@pytest.fixture
def places(passphrase):
    return passphrase


def test_sign_up_seals_the_number_and_sends_only_a_code(app, db_session, places):
    number = contact.parse_number("07400 918273", "GB")
    assert subs.sign_up(db_session, number, ["holbeck"], "pl", LIMITS)
    db_session.commit()
    sub = db_session.scalar(select(Subscription))
    assert (sub.kind, sub.state, sub.language) == ("sms", "pending", "pl")
    assert "contact_hint" not in Subscription.__table__.c  # no digit of her number in clear
    opened = sealing.unseal(dispatch_pair(app), sub.contact_sealed, subs.contact_context(sub.public_id))
    assert opened.decode() == CANARY_NUMBER
    [delivery] = db_session.scalars(select(Delivery).where(Delivery.subscription_id == sub.id))
    assert (delivery.notice, delivery.kind, delivery.message_id) == ("code", "sms", None)
    code = the_code(app, db_session, sub)
    assert len(code) == 6 and code.isdigit() and code not in (sub.code_hash or "")
    assert not subs.verify(db_session, number, "000000" if code != "000000" else "111111", LIMITS)
    assert subs.verify(db_session, number, code, LIMITS)
    db_session.commit()
    assert db_session.get(Subscription, sub.id).state == "active"
    # Signing up again with her number changes nothing and sends nothing.
    assert not subs.sign_up(db_session, number, ["harehills"], "en", LIMITS)
    db_session.commit()
    assert db_session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_a_code_dies_after_its_tries(db_session, app, places):
    number = contact.parse_number("+447400111222", "GB")
    subs.sign_up(db_session, number, ["holbeck"], "en", LIMITS)
    sub = db_session.scalar(select(Subscription))
    code = the_code(app, db_session, sub)
    wrong = "123456" if code != "123456" else "654321"
    for _ in range(LIMITS.code_attempts):
        assert not subs.verify(db_session, number, wrong, LIMITS)
    assert not subs.verify(db_session, number, code, LIMITS)


def test_an_expired_code_does_not_work(db_session, app, places):
    number = contact.parse_number("+447400111223", "GB")
    subs.sign_up(db_session, number, ["holbeck"], "en", LIMITS)
    sub = db_session.scalar(select(Subscription))
    code = the_code(app, db_session, sub)
    sub.code_expires_at = database_now(db_session) - timedelta(seconds=1)
    assert not subs.verify(db_session, number, code, LIMITS)


def test_stop_deletes_the_row_areas_and_unsent_messages(db_session, places):
    number = contact.parse_number("+447400111224", "GB")
    subs.sign_up(db_session, number, ["holbeck", "harehills"], "en", LIMITS)
    db_session.commit()
    assert subs.stop(db_session, number, LIMITS)
    db_session.commit()
    for model in (Subscription, SubscriptionArea, Delivery):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0
    assert not subs.stop(db_session, number, LIMITS)


def test_the_sweep_erases_the_idle_and_the_unverified(db_session, app, places):
    idle = contact.parse_number("+447400111225", "GB")
    fresh = contact.parse_email("fresh@example.org")
    subs.sign_up(db_session, idle, ["holbeck"], "en", LIMITS)
    subs.sign_up(db_session, fresh, ["holbeck"], "en", LIMITS)
    for sub in db_session.scalars(select(Subscription)):
        subs.verify(
            db_session,
            contact.Contact(sub.kind, idle.value if sub.kind == "sms" else fresh.value),
            the_code(app, db_session, sub),
            LIMITS,
        )
    db_session.commit()
    now = database_now(db_session)
    old = db_session.scalar(select(Subscription).where(Subscription.kind == "sms"))
    old.last_activity_at = now - timedelta(days=400)
    db_session.commit()
    assert subs.sweep(db_session, 365) == 1
    db_session.commit()
    assert [s.kind for s in db_session.scalars(select(Subscription))] == ["email"]


def test_one_number_cannot_be_flooded_with_codes(db_session, places):
    number = contact.parse_number("+447400111226", "GB")
    for _ in range(LIMITS.contact_limit):
        subs.sign_up(db_session, number, ["holbeck"], "en", LIMITS)
    with pytest.raises(subs.Refused) as refused:
        subs.sign_up(db_session, number, ["holbeck"], "en", LIMITS)
    assert refused.value.what == "contact"


def test_the_monthly_ceiling_of_texts(db_session, places):
    limits = subs.Limits(monthly_texts=2, contact_limit=5)
    subs.sign_up(db_session, contact.parse_number("+447400111227", "GB"), ["holbeck"], "en", limits)
    subs.sign_up(db_session, contact.parse_number("+447400111228", "GB"), ["holbeck"], "en", limits)
    with pytest.raises(subs.Refused) as refused:
        subs.sign_up(db_session, contact.parse_number("+447400111229", "GB"), ["holbeck"], "en", limits)
    assert refused.value.what == "cost"
    # Emails cost nothing: the ceiling does not stop them.
    assert subs.sign_up(db_session, contact.parse_email("a@example.org"), ["holbeck"], "en", limits)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("09098 790000", "not_mobile"),  # premium rate
        ("0800 123 4567", "not_mobile"),  # toll free
        ("0113 496 0000", "not_mobile"),  # landline
        ("0843 123 4567", "not_mobile"),  # shared cost
        ("118 118", "unusable"),  # short
        ("+48 700 123 456", "not_mobile"),  # premium rate abroad
        ("hello", "unusable"),
        ("", "empty"),
        ("0" * 40, "long"),
    ],
)
def test_numbers_that_are_not_a_mobile_are_refused(typed, problem):
    with pytest.raises(contact.ContactError) as refused:
        contact.parse_number(typed, "GB")
    assert refused.value.code == problem


def test_canaries_appear_nowhere_in_the_raw_database(app, db_session, database_url, places):
    subs.sign_up(db_session, contact.parse_number(CANARY_NUMBER, "GB"), ["holbeck"], "pl", LIMITS)
    subs.sign_up(db_session, contact.parse_email(CANARY_EMAIL), ["holbeck"], "en", LIMITS)
    db_session.commit()
    needles = [CANARY_NUMBER, CANARY_NUMBER.lstrip("+"), "07400918273", "7400918273", CANARY_EMAIL]
    assert find_plaintext(database_url, needles) == []


def test_counts_per_area_and_channel(db_session, places):
    subs.sign_up(db_session, contact.parse_number("+447400111230", "GB"), ["holbeck", "harehills"], "en", LIMITS)
    subs.sign_up(db_session, contact.parse_email("b@example.org"), ["holbeck"], "en", LIMITS)
    db_session.commit()
    got = {(c.area, c.kind): (c.active, c.pending) for c in subs.counts(db_session)}
    assert got == {("Harehills", "sms"): (0, 1), ("Holbeck", "email"): (0, 1), ("Holbeck", "sms"): (0, 1)}


def test_a_stopped_number_is_gone_from_the_files(app, db_session, database_url, places):
    number = contact.parse_number(CANARY_NUMBER, "GB")
    subs.sign_up(db_session, number, ["holbeck"], "en", LIMITS)
    db_session.commit()
    sealed = db_session.scalar(select(Subscription.contact_sealed))
    index = db_session.scalar(select(Subscription.contact_index))
    assert subs.stop(db_session, number, LIMITS)
    db_session.commit()
    if database_url.startswith("sqlite"):
        from tests.support.dbscan import raw_bytes

        data = raw_bytes(database_url)
        assert bytes(sealed)[:64] not in data and index.encode() not in data
