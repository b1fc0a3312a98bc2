"""The channel registry: the ways a published message reaches a project (no Flask).

Each channel is one module in this package implementing ``base.Channel`` (what a destination
looks like, what it needs from the configuration, how a delivery is rendered and sent, what a
failure is) and is registered below. Everything else — the projects' pages that add and
switch destinations, the outbox, the dispatch worker, the failed-deliveries page — asks this
registry and never names a kind, so a new channel (SMS, say) is:

1. a module here with a class implementing ``base.Channel`` and an instance ``CHANNEL``;
2. its line in ``_BUILT_IN`` below.

``tests/unit/alerts/test_channel_kinds.py`` proves that no module outside this package compares a
channel kind, and ``tests/integration/alerts/test_channel_registry.py`` that a channel registered from
outside is offered on the project page and delivered to by the worker.

Pull channels (the Atom feed and the printable sheet) are not here: they are read by the
project at its feed token, nothing is pushed, and there is no delivery to record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from alerts.delivery.channels import email, sms, webhook
from alerts.delivery.channels.base import (
    SCOPE_CHANNEL,
    SCOPE_DELIVERY,
    SCOPE_DESTINATION,
    Channel,
    ChannelInputError,
    ChannelSettingsError,
    DeliveryFailed,
    Outgoing,
    Subscriber,
    TargetField,
    Transport,
)

__all__ = [
    "SCOPE_CHANNEL",
    "SCOPE_DELIVERY",
    "SCOPE_DESTINATION",
    "Channel",
    "ChannelInputError",
    "ChannelSettingsError",
    "DeliveryFailed",
    "Outgoing",
    "Subscriber",
    "TargetField",
    "Transport",
    "Transports",
    "UnknownChannel",
    "get",
    "kinds",
    "register",
    "registered",
    "subscription_channels",
    "unregister",
]

# Fits ProjectChannel.kind and Delivery.kind (String(16)).
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,15}$")

_registry: dict[str, Channel] = {}


class UnknownChannel(LookupError):
    """No channel of this kind is registered (a row written by a newer or other installation)."""


def register(channel: Channel) -> Channel:
    """Make ``channel`` available under ``channel.kind``; returns it.

    Raises ``ValueError`` for a kind that is not lower-case letters, digits and ``_`` (at most
    16, the width of the ``kind`` columns) or that is already registered, and ``TypeError``
    for an object that does not implement ``base.Channel``.
    """
    if not isinstance(channel, Channel):
        raise TypeError(f"{channel!r} does not implement alerts.delivery.channels.base.Channel")
    if not _KIND.match(channel.kind):
        raise ValueError(f"channel kind {channel.kind!r} is not 1-16 lower-case letters, digits or _")
    if channel.kind in _registry:
        raise ValueError(f"a channel of kind {channel.kind!r} is already registered")
    _registry[channel.kind] = channel
    return channel


def unregister(kind: str) -> None:
    """Forget a registered kind (for tests and plug-ins that go away); nothing if it is not registered."""
    _registry.pop(kind, None)


def get(kind: str) -> Channel:
    """The channel registered under ``kind``; ``UnknownChannel`` if there is none."""
    try:
        return _registry[kind]
    except KeyError:
        raise UnknownChannel(kind) from None


def kinds() -> tuple[str, ...]:
    """The registered kinds, in the order they were registered."""
    return tuple(_registry)


def registered() -> tuple[Channel, ...]:
    """The registered channels, in the order they were registered (the order pages offer them)."""
    return tuple(_registry.values())


class Transports:
    """The transports of one batch: one per channel kind, opened on first use, all closed at the end.

    ``settings`` maps each kind to what its channel's ``configure`` returned when the worker
    started (``alerts.delivery.settings.dispatch_settings``).
    """

    def __init__(self, settings: Mapping[str, Any]):
        self._settings = settings
        self._open: dict[str, Transport] = {}

    def __enter__(self) -> Transports:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def __getitem__(self, kind: str) -> Transport:
        """The open transport for ``kind``; ``DeliveryFailed`` (to retry) for a kind the worker cannot send."""
        if kind not in self._open:
            if kind not in self._settings or kind not in _registry:
                raise DeliveryFailed(f"unknown channel kind {kind!r}")
            self._open[kind] = _registry[kind].open(self._settings[kind])
        return self._open[kind]

    def close(self) -> None:
        transports, self._open = list(self._open.values()), {}
        for transport in transports:
            transport.close()


def subscription_channels(config: Mapping[str, Any]) -> dict[str, str]:
    """The channel kind that sends each kind of subscription, where they differ: a text-message
    subscription goes through the SMS channel of the gateway ``UGLY_MUGS_SMS_GATEWAY`` names
    (``sms_kannel`` or ``sms_provider``); any other (email) through the channel of its own kind.
    ``ChannelSettingsError`` when the gateway is neither."""
    return {sms.SUBSCRIPTION_KIND: sms.subscription_channel(config)}


# The built-in channels, in the order the project page offers them.
_BUILT_IN = (email.CHANNEL, webhook.CHANNEL, *sms.CHANNELS)

for _channel in _BUILT_IN:
    register(_channel)
