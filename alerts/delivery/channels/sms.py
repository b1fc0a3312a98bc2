"""Alerts by text message to individual subscribers: two channels, one per kind of SMS gateway.

``sms_kannel`` sends through Kannel's HTTP sendsms (``alerts.delivery.sms.kannel``:
``UGLY_MUGS_KANNEL_SENDSMS_URL``, ``_USERNAME``, ``_PASSWORD``, ``_SMSC``), the open-source gateway a
small charity runs with a GSM modem or an operator's SMSC; ``sms_provider`` through a commercial
gateway's HTTP API (``alerts.delivery.sms.provider``: ``UGLY_MUGS_SMS_PROVIDER_URL``, ``_TOKEN``).
Both are registered channels; what differs is only the gateway each opens, so rendering, the
segment check and sending are this module's one ``SmsTransport``. ``UGLY_MUGS_SMS_SENDER`` is the
sender either way.

Subscribers only (``for_projects = False``): the target is a person's number, which the worker
opens from its seal just before sending and which is never stored readable, so no project page
offers them. A subscription says only that she wants text messages (its kind, and its
deliveries' kind, is ``SUBSCRIPTION_KIND``); ``UGLY_MUGS_SMS_GATEWAY`` (``kannel`` or
``provider``) names the channel they go through when sent (``subscription_channels``), so a
switch of gateway also carries texts already waiting in the outbox.

What is sent: an alert rendered by ``alerts.delivery.sms.text`` (her language, the plates and
numbers first, at most two segments, GSM-7 where it can, the signed link to the full alert), or a
notice (her code; the help text; the confirmation of a stop). Delivery reports come back to
``/sms/dlr`` with the delivery's signed reference (``ugly_mugs/subscriptions/inbound.py``).
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

# What a text-message subscription (and each of its deliveries) is: not a channel of its own.
SUBSCRIPTION_KIND = "sms"
# UGLY_MUGS_SMS_GATEWAY's words, each naming one of the two channels below.
GATEWAYS = ("kannel", "provider")


@dataclass(frozen=True)
class SmsSettings:
    # What the gateway's client needs (its own settings), or None when this gateway is not in use.
    gateway: KannelSettings | ProviderSettings | None
    # Where national numbers in an alert are read from (the plates and numbers put first).
    region: str


def _sender(config: Mapping[str, Any]) -> str:
    return str(config.get("SMS_SENDER") or "UglyMugs")


def _deadline(config: Mapping[str, Any]) -> float:
    return float(config.get("SMS_TIMEOUT", 10))


def _region(config: Mapping[str, Any]) -> str:
    return str(config.get("PHONE_REGION") or "GB")


def _dlr_url(config: Mapping[str, Any]) -> str | None:
    """Our delivery-report endpoint with its signed token, or None without a public address."""
    from ugly_mugs.subscriptions import inbound

    public_url = str(config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{public_url}/sms/dlr?key={inbound.endpoint_token(config)}" if public_url else None


def chosen_gateway(config: Mapping[str, Any]) -> str:
    """``UGLY_MUGS_SMS_GATEWAY``: ``kannel`` (the default) or ``provider``; ``ChannelSettingsError`` else."""
    gateway = str(config.get("SMS_GATEWAY") or "kannel")
    if gateway not in GATEWAYS:
        raise ChannelSettingsError("UGLY_MUGS_SMS_GATEWAY must be kannel or provider")
    return gateway


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
    """Renders and sends through one gateway (Kannel's or the provider's client)."""

    def __init__(self, gateway: KannelGateway | ProviderGateway, region: str):
        self._gateway = gateway
        self.region = region

    def send(self, outgoing: Outgoing) -> Accepted:
        from alerts.delivery.sms import segments
        from alerts.delivery.sms import text as sms_text

        text = render(outgoing, self.region)
        if segments.count(text) > sms_text.MAX_SEGMENTS:
            raise DeliveryFailed("the text needs more than two segments", permanent=True, scope=SCOPE_DELIVERY)
        # GatewayError is a DeliveryFailed: temporary ones are retried, permanent ones failed.
        return self._gateway.send(outgoing.target, text, outgoing.subscriber.reference)

    def close(self) -> None:
        pass


class _SmsChannel:
    """What both text-message channels share; a subclass says which gateway and its settings."""

    gateway: str
    label = "Text message"
    add_label = "Add a mobile number"
    field = TargetField(
        name="mobile", label="Mobile number", input_type="tel", max_length=32, required_message="Enter a number."
    )
    has_secret = False
    # A person's number: only individual subscriptions use these channels.
    for_projects = False

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        raise ChannelInputError("Text messages go to individual subscribers only.")

    def destination(self, target: str) -> str:
        # Every text goes through the one gateway: backed off together when it fails.
        return "gateway"

    def new_secret(self) -> str:
        raise TypeError("a text message has no secret")

    def in_use(self, config: Mapping[str, Any]) -> bool:
        """Whether ``UGLY_MUGS_SMS_GATEWAY`` names this channel's gateway (subscriptions on)."""
        return bool(config.get("SUBSCRIPTIONS")) and chosen_gateway(config) == self.gateway

    def open(self, settings: SmsSettings) -> SmsTransport:
        if settings.gateway is None:
            raise DeliveryFailed(f"the {self.gateway} SMS gateway is not configured", scope="channel")
        return SmsTransport(self._client(settings.gateway), settings.region)

    def _client(self, gateway_settings):
        raise NotImplementedError


class KannelChannel(_SmsChannel):
    kind = "sms_kannel"
    gateway = "kannel"
    label = "Text message (Kannel)"

    def configure(self, config: Mapping[str, Any]) -> SmsSettings:
        """From UGLY_MUGS_KANNEL_SENDSMS_URL, _USERNAME, _PASSWORD, _SMSC, _SMS_SENDER, _SMS_TIMEOUT, _PUBLIC_URL."""
        from alerts.delivery.sms.kannel import KannelSettings

        chosen_gateway(config)
        kannel = KannelSettings(
            sendsms_url=str(config.get("KANNEL_SENDSMS_URL") or ""),
            username=str(config.get("KANNEL_USERNAME") or ""),
            password=str(config.get("KANNEL_PASSWORD") or ""),
            sender=_sender(config),
            dlr_url=_dlr_url(config),
            smsc=str(config.get("KANNEL_SMSC") or "") or None,
            deadline=_deadline(config),
        )
        return SmsSettings(kannel, _region(config))

    def _client(self, gateway_settings: KannelSettings) -> KannelGateway:
        from alerts.delivery.sms.kannel import KannelGateway

        return KannelGateway(gateway_settings)


class ProviderChannel(_SmsChannel):
    kind = "sms_provider"
    gateway = "provider"
    label = "Text message (HTTP provider)"

    def configure(self, config: Mapping[str, Any]) -> SmsSettings:
        """From UGLY_MUGS_SMS_PROVIDER_URL, _TOKEN, _SMS_SENDER, _SMS_TIMEOUT, _PUBLIC_URL; both the URL
        and the token are required while it is the gateway in use (``ChannelSettingsError``)."""
        from alerts.delivery.sms.provider import ProviderSettings

        url, token = str(config.get("SMS_PROVIDER_URL") or ""), str(config.get("SMS_PROVIDER_TOKEN") or "")
        if not (url and token):
            if self.in_use(config):
                raise ChannelSettingsError("UGLY_MUGS_SMS_GATEWAY=provider needs UGLY_MUGS_SMS_PROVIDER_URL and _TOKEN")
            return SmsSettings(None, _region(config))
        provider = ProviderSettings(
            url=url, token=token, sender=_sender(config), callback_url=_dlr_url(config), deadline=_deadline(config)
        )
        return SmsSettings(provider, _region(config))

    def _client(self, gateway_settings: ProviderSettings) -> ProviderGateway:
        from alerts.delivery.sms.provider import ProviderGateway

        return ProviderGateway(gateway_settings)


KANNEL = KannelChannel()
PROVIDER = ProviderChannel()
CHANNELS = (KANNEL, PROVIDER)


def subscription_channel(config: Mapping[str, Any]) -> str:
    """The kind of the channel text-message subscriptions are sent by: the one whose gateway
    ``UGLY_MUGS_SMS_GATEWAY`` names; ``ChannelSettingsError`` for another word."""
    gateway = chosen_gateway(config)
    return next(c.kind for c in CHANNELS if c.gateway == gateway)
