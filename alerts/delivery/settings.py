"""The dispatch worker's settings, read from the app's configuration mapping (no Flask needed)."""

from __future__ import annotations

from collections.abc import Mapping

from alerts.delivery import channels
from alerts.delivery.dispatch import DispatchSettings, SubscriberLinks
from ugly_mugs.subscriptions import inbound


def dispatch_settings(config: Mapping[str, object]) -> DispatchSettings:
    """The worker's settings, with every registered channel's own (``Channel.configure``).

    Raises ``channels.ChannelSettingsError`` (its message names the ``UGLY_MUGS_*`` variable)
    when a channel's configuration cannot be used, e.g. an unusable UGLY_MUGS_SMTP_URL.
    """
    return DispatchSettings(
        channels={channel.kind: channel.configure(config) for channel in channels.registered()},
        subscription_channels=channels.subscription_channels(config),
        max_attempts=int(config["DELIVERY_MAX_ATTEMPTS"]),
        retry_seconds=float(config["DELIVERY_RETRY_SECONDS"]),
        lease_seconds=float(config["DELIVERY_LEASE_SECONDS"]),
        batch_size=int(config["DELIVERY_BATCH_SIZE"]),
        concurrency=int(config.get("DELIVERY_CONCURRENCY", 8)),
        delivery_key=config.get("DELIVERY_KEY"),
        db_retry_max_seconds=float(config.get("DELIVERY_DB_RETRY_MAX_SECONDS", 30)),
        dispatch_key=config.get("DISPATCH_PRIVATE_KEY"),
        links=SubscriberLinks(
            public_url=str(config.get("PUBLIC_URL") or "").rstrip("/"),
            secret_key=str(config["SECRET_KEY"]),
            link_days=int(config.get("ALERT_LINK_DAYS", 30)),
            reference_key=inbound.inbound_key(config),
        )
        if config.get("SECRET_KEY")
        else None,
    )
