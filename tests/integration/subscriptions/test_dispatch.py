"""Subscribers' deliveries in the worker: a worker without the dispatch private key sends the
projects' deliveries and only fails the subscribers' (isolation); an update reaches everyone who
got the first message; the worker's log names no address."""

from __future__ import annotations

import logging

from sqlalchemy import select

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.mailsink import smtp_server
from ugly_mugs.models import Alert, Delivery, Subscription
from ugly_mugs.subscriptions import contact
from ugly_mugs.subscriptions import service as subs

LIMITS = subs.Limits()


def confirmed(app, session, address: str, areas=("holbeck",)):
    typed = contact.parse_email(address)
    subs.sign_up(session, typed, list(areas), "en", LIMITS)
    sub = session.scalar(
        select(Subscription).where(
            Subscription.contact_index == subs.contact_index(session.info[subs.SUBSCRIBER_KEY], typed)
        )
    )
    row = session.scalar(select(Delivery).where(Delivery.subscription_id == sub.id, Delivery.notice == "code"))
    code = subs.open_payload(app.config["DISPATCH_PRIVATE_KEY"], sub.public_id, "code", row.payload_sealed)
    assert subs.verify(session, typed, code, LIMITS)
    session.delete(row)  # the code was read here, not sent
    session.commit()


def worker(app, port, **overrides):
    config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}", "SUBSCRIPTIONS": True, **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config))


def test_a_worker_without_the_dispatch_key_still_sends_the_projects(app, db_session, passphrase, caplog):
    confirmed(app, db_session, "sub@example.net")
    make_project(db_session, "Basis", areas=["holbeck"], emails=["drop-in@basis.example"])
    publish_message(db_session, ["holbeck"], "Silver car", "He threatens with a knife.")
    caplog.set_level(logging.INFO)
    with smtp_server() as (sink, port):
        tally = worker(app, port, DISPATCH_PRIVATE_KEY=None).run_once()
    assert tally.delivered == 1 and tally.retrying == 1
    assert [rcpts for rcpts, _m, _t in sink.messages] == [["drop-in@basis.example"]]
    failed = db_session.scalar(select(Delivery).where(Delivery.subscription_id.is_not(None)))
    db_session.refresh(failed)
    assert failed.status == "pending" and "dispatch key" in failed.last_error
    assert "sub@example.net" not in caplog.text and "knife" not in caplog.text


def test_an_update_reaches_everyone_sent_the_first(app, db_session, passphrase):
    confirmed(app, db_session, "first@example.net")
    first = publish_message(db_session, ["holbeck"], "Silver car", "He threatens with a knife.")
    with smtp_server() as (sink, port):
        assert worker(app, port).run_once().delivered == 1
        # She moves to another area; the update of the alert she was sent still reaches her.
        sub = db_session.scalar(select(Subscription))
        from ugly_mugs.models import SubscriptionArea

        db_session.query(SubscriptionArea).filter_by(subscription_id=sub.id).delete()
        db_session.commit()
        publish_message(
            db_session,
            ["holbeck"],
            "Silver car",
            "Seen again.",
            kind="update",
            alert=db_session.get(Alert, first.alert_id),
        )
        assert worker(app, port).run_once().delivered == 1
    assert [rcpts for rcpts, _m, _t in sink.messages] == [["first@example.net"], ["first@example.net"]]


def test_through_the_http_provider_with_its_delivery_report(app, db_session, passphrase):
    """The provider gateway: the alert as JSON with her number, our signed reference and callback;
    a 503 is retried, not lost; the provider's JSON delivery report updates the delivery."""
    import json

    from tests.support.sms_provider import Provider, Reply, provider_server
    from tests.support.subscribers import many_subscribers
    from ugly_mugs.subscriptions import inbound

    [number] = many_subscribers(db_session, 1, prefix="+447400555")
    publish_message(db_session, ["holbeck"], "Silver car, reg KR 12345", "He threatens with a knife.")
    provider = Provider([Reply(503)])
    with provider_server(provider) as base:
        config = {
            "SMS_GATEWAY": "provider",
            "SMS_PROVIDER_URL": f"{base}/xms/v1/plan/batches",
            "SMS_PROVIDER_TOKEN": "t" * 32,
            "PUBLIC_URL": "https://um.example",
            "DELIVERY_RETRY_SECONDS": 0,
        }
        first = worker(app, 0, **config).run_once()
        assert first.retrying == 1 or first.delivered == 1
        if first.delivered == 0:
            assert worker(app, 0, **config).run_once().delivered == 1
    sent = json.loads(provider.requests[-1]["body"])
    assert sent["to"] == [number] and sent["body"].startswith("KR12345")
    assert sent["callback_url"].startswith("https://um.example/sms/dlr?key=")
    delivery = db_session.scalar(select(Delivery).where(Delivery.subscription_id.is_not(None)))
    key = sent["callback_url"].split("key=")[1]
    app.config["SUBSCRIPTIONS"] = True
    client = app.test_client()
    assert (
        client.post(
            f"/sms/dlr?key={key}", json={"client_reference": sent["client_reference"], "status": "Failed"}
        ).status_code
        == 200
    )
    db_session.refresh(delivery)
    assert (delivery.handset_state, delivery.status) == ("failed", "failed")
    # Unsigned, or for another delivery: refused, nothing changes.
    assert client.post("/sms/dlr?key=wrong", json={}).status_code == 404
    forged = f"{delivery.id}-0000000000000000"
    assert (
        client.post(f"/sms/dlr?key={key}", json={"client_reference": forged, "status": "delivered"}).status_code == 400
    )
    assert inbound.delivery_of(inbound.inbound_key(app.config), sent["client_reference"]) == delivery.id
