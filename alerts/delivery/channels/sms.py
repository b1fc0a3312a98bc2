"""Alerts by text message to individual subscribers, through Kannel's sendsms or an HTTP provider.

Subscribers only (``for_projects = False``): its target is a person's number, which the worker
opens from its seal just before sending and which is never stored readable, so no project page
offers it. ``UGLY_MUGS_SMS_GATEWAY`` chooses the gateway: ``kannel``
(``alerts.delivery.sms.kannel``: ``UGLY_MUGS_KANNEL_SENDSMS_URL``, ``_USERNAME``, ``_PASSWORD``,
``_SMSC``) or ``provider`` (``alerts.delivery.sms.provider``: ``UGLY_MUGS_SMS_PROVIDER_URL``,
``_TOKEN``); ``UGLY_MUGS_SMS_SENDER`` is the sender either way.

What is sent: an alert rendered by ``alerts.delivery.sms.text`` (her language, the plates and
numbers first, at most two segments, GSM-7 where it can, the signed link to the full alert), or a
notice (her code; the help text). Delivery reports come back to ``/sms/dlr`` with the delivery's
signed reference (``ugly_mugs/subscriptions/inbound.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alerts.delivery.channels.base import (
    SCOPE_DELIVERY,
    ChannelInputError,
    ChannelSettingsError,
    DeliveryFailed,
    Outgoing,
    TargetField,
)

if TYPE_CHECKING:
    from alerts.delivery.sms import Accepted
    from alerts.delivery.sms.kannel import KannelGateway, KannelSettings
    from alerts.delivery.sms.provider import ProviderGateway, ProviderSettings

# alerts.delivery.sms builds on this package's errors (channels.base), so its modules are imported
# when first used, not when the registry is: either package may then be imported first.

KIND = "sms"


@dataclass(frozen=True)
class SmsSettings:
    gateway: str  # "kannel" or "provider"
    kannel: KannelSettings | None
    provider: ProviderSettings | None
    # Where national numbers in an alert are read from (the plates and numbers put first).
    region: str


def render(outgoing: Outgoing, region: str) -> str:
    """The text of one delivery: a notice in her language, or the alert as one or two segments.

    Raises ``DeliveryFailed`` (permanent, this delivery only) when there is nothing to send."""
    from alerts.delivery.sms import text as sms_text

    w, sub = outgoing.words, outgoing.subscriber
    if sub is None:
        raise DeliveryFailed("a text message goes to a subscriber only", permanent=True, scope=SCOPE_DELIVERY)
    if sub.notice == "code" and sub.payload:
        return sms_text.plain(w.code_text % {"code": sub.payload})
    if sub.notice == "help":
        return sms_text.plain(w.help_text % {"url": sub.help_url})
    if sub.notice == "stopped":
        return sms_text.plain(w.stopped_text % {"url": sub.subscribe_url})
    if outgoing.message is None or not sub.alert_link:
        raise DeliveryFailed("nothing to send", permanent=True, scope=SCOPE_DELIVERY)
    try:
        return sms_text.render(outgoing.message, w, sub.alert_link, region=region).text
    except ValueError:
        raise DeliveryFailed("the alert does not fit two text messages", permanent=True, scope=SCOPE_DELIVERY) from None


class SmsTransport:
    def __init__(self, settings: SmsSettings):
        from alerts.delivery.sms.kannel import KannelGateway
        from alerts.delivery.sms.provider import ProviderGateway

        self.settings = settings
        if settings.gateway == "provider" and settings.provider is not None:
            self._gateway: KannelGateway | ProviderGateway = ProviderGateway(settings.provider)
        elif settings.kannel is not None:
            self._gateway = KannelGateway(settings.kannel)
        else:
            raise DeliveryFailed("no SMS gateway is configured (UGLY_MUGS_SMS_GATEWAY)", scope="channel")

    def send(self, outgoing: Outgoing) -> Accepted:
        from alerts.delivery.sms import segments
        from alerts.delivery.sms import text as sms_text

        text = render(outgoing, self.settings.region)
        if segments.count(text) > sms_text.MAX_SEGMENTS:
            raise DeliveryFailed("the text needs more than two segments", permanent=True, scope=SCOPE_DELIVERY)
        # GatewayError is a DeliveryFailed: temporary ones are retried, permanent ones failed.
        return self._gateway.send(outgoing.target, text, outgoing.subscriber.reference)

    def close(self) -> None:
        pass


class SmsChannel:
    kind = KIND
    label = "Text message"
    add_label = "Add a mobile number"
    field = TargetField(
        name="mobile", label="Mobile number", input_type="tel", max_length=32, required_message="Enter a number."
    )
    has_secret = False
    # A person's number: only individual subscriptions use this channel.
    for_projects = False

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        raise ChannelInputError("Text messages go to individual subscribers only.")

    def destination(self, target: str) -> str:
        # Every text goes through the one gateway: backed off together when it fails.
        return "gateway"

    def new_secret(self) -> str:
        raise TypeError("a text message has no secret")

    def configure(self, config: Mapping[str, Any]) -> SmsSettings:
        """From UGLY_MUGS_SMS_GATEWAY, _SMS_SENDER, _KANNEL_* or _SMS_PROVIDER_*, _SMS_TIMEOUT, _PUBLIC_URL."""
        gateway = str(config.get("SMS_GATEWAY") or "kannel")
        sender = str(config.get("SMS_SENDER") or "UglyMugs")
        deadline = float(config.get("SMS_TIMEOUT", 10))
        public_url = str(config.get("PUBLIC_URL") or "").rstrip("/")
        from alerts.delivery.sms.kannel import KannelSettings
        from alerts.delivery.sms.provider import ProviderSettings
        from ugly_mugs.subscriptions import inbound

        dlr = f"{public_url}/sms/dlr?key={inbound.endpoint_token(config)}" if public_url else None
        kannel = provider = None
        if gateway == "kannel":
            kannel = KannelSettings(
                sendsms_url=str(config.get("KANNEL_SENDSMS_URL") or ""),
                username=str(config.get("KANNEL_USERNAME") or ""),
                password=str(config.get("KANNEL_PASSWORD") or ""),
                sender=sender,
                dlr_url=dlr,
                smsc=str(config.get("KANNEL_SMSC") or "") or None,
                deadline=deadline,
            )
        elif gateway == "provider":
            url = str(config.get("SMS_PROVIDER_URL") or "")
            if config.get("SUBSCRIPTIONS") and not (url and config.get("SMS_PROVIDER_TOKEN")):
                raise ChannelSettingsError("UGLY_MUGS_SMS_GATEWAY=provider needs UGLY_MUGS_SMS_PROVIDER_URL and _TOKEN")
            provider = ProviderSettings(
                url=url,
                token=str(config.get("SMS_PROVIDER_TOKEN") or ""),
                sender=sender,
                callback_url=dlr,
                deadline=deadline,
            )
        else:
            raise ChannelSettingsError("UGLY_MUGS_SMS_GATEWAY must be kannel or provider")
        return SmsSettings(gateway, kannel, provider, str(config.get("PHONE_REGION") or "GB"))

    def open(self, settings: SmsSettings) -> SmsTransport:
        return SmsTransport(settings)


CHANNEL = SmsChannel()
