"""Kannel's sendsms and the HTTP provider are two channels of the registry (``sms_kannel``,
``sms_provider``), for subscribers only; a text-message subscription is sent through the one
``UGLY_MUGS_SMS_GATEWAY`` names, chosen when it is sent, so a switch of gateway carries the texts
already waiting in the outbox."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from alerts.delivery import channels
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import publish_message
from tests.support.sms_provider import Provider, provider_server
from tests.support.subscribers import many_subscribers
from ugly_mugs.db import database_now
from ugly_mugs.models import Delivery
from ugly_mugs.projects import service as projects


def test_both_gateways_are_channels_of_the_registry_for_subscribers_only():
    assert {"sms_kannel", "sms_provider"} <= set(channels.kinds())
    offered = {c.kind for c in projects.channel_kinds()}
    assert {"email", "webhook"} <= offered and not offered & {"sms_kannel", "sms_provider"}
    for kind in ("sms_kannel", "sms_provider"):
        with pytest.raises(channels.ChannelInputError):
            channels.get(kind).check_target("+447400123456", {})


@pytest.mark.parametrize(
    ("gateway", "kind"), [(None, "sms_kannel"), ("kannel", "sms_kannel"), ("provider", "sms_provider")]
)
def test_the_gateway_setting_names_the_channel_of_text_subscriptions(gateway, kind):
    assert channels.subscription_channels({"SMS_GATEWAY": gateway}) == {"sms": kind}


@pytest.mark.parametrize("gateway", ["smpp", "Kannel ", "both"])
def test_another_gateway_word_is_refused(gateway):
    with pytest.raises(channels.ChannelSettingsError, match="UGLY_MUGS_SMS_GATEWAY"):
        channels.subscription_channels({"SMS_GATEWAY": gateway})


def test_the_provider_needs_its_url_and_token_only_while_in_use():
    provider = channels.get("sms_provider")
    assert provider.configure({"SUBSCRIPTIONS": True, "SMS_GATEWAY": "kannel"}).gateway is None
    with pytest.raises(channels.ChannelSettingsError, match="SMS_PROVIDER_URL"):
        provider.configure({"SUBSCRIPTIONS": True, "SMS_GATEWAY": "provider"})
    with pytest.raises(channels.DeliveryFailed):
        provider.open(provider.configure({"SMS_GATEWAY": "kannel"}))


def test_texts_waiting_in_the_outbox_go_through_the_gateway_in_use_when_sent(app, db_session, passphrase):
    [number] = many_subscribers(db_session, 1, prefix="+447400555")
    publish_message(db_session, ["holbeck"], "Silver car, reg KR 12345", "He threatens with a knife.")
    base = {**app.config, "SUBSCRIPTIONS": True, "PUBLIC_URL": "https://um.example", "DELIVERY_RETRY_SECONDS": 3600}
    # Kannel in use, but nothing listens: the text waits (retried), it is not lost.
    kannel = {**base, "SMS_GATEWAY": "kannel", "KANNEL_SENDSMS_URL": "http://127.0.0.1:9/cgi-bin/sendsms"}
    tally = Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(kannel)).run_once()
    assert (tally.delivered, tally.retrying) == (0, 1)
    delivery = db_session.scalar(select(Delivery).where(Delivery.subscription_id.is_not(None)))
    assert delivery.kind == "sms" and "gateway" in (delivery.last_error or "")
    delivery.next_attempt_at = database_now(db_session)  # due again now, not in an hour
    db_session.commit()
    # The operator switches to the provider: the same delivery goes through it.
    provider = Provider()
    with provider_server(provider) as url:
        switched = {
            **base,
            "SMS_GATEWAY": "provider",
            "SMS_PROVIDER_URL": f"{url}/xms/v1/plan/batches",
            "SMS_PROVIDER_TOKEN": "t" * 32,
        }
        assert (
            Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(switched)).run_once().delivered == 1
        )
    [sent] = provider.requests
    assert json.loads(sent["body"])["to"] == [number]
    db_session.refresh(delivery)
    assert delivery.status == "delivered"
