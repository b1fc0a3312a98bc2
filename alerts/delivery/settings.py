"""The dispatch worker's settings, read from the app's configuration mapping (no Flask needed)."""

from __future__ import annotations

from collections.abc import Mapping

from alerts.delivery.channels.email import Sender, SmtpSettings
from alerts.delivery.dispatch import DispatchSettings


def dispatch_settings(config: Mapping[str, object]) -> DispatchSettings:
    """Raises ``SmtpSettingsError`` when UGLY_MUGS_SMTP_URL cannot be used."""
    smtp = SmtpSettings.from_url(
        str(config["SMTP_URL"]),
        password=config.get("SMTP_PASSWORD") or None,
        ca_file=str(config.get("SMTP_CA_FILE") or "") or None,
        timeout=float(config.get("SMTP_TIMEOUT", 30)),
    )
    return DispatchSettings(
        smtp=smtp,
        sender=Sender(str(config["MAIL_FROM"]), str(config.get("ALERT_SUBJECT") or "") or None),
        max_attempts=int(config["DELIVERY_MAX_ATTEMPTS"]),
        retry_seconds=float(config["DELIVERY_RETRY_SECONDS"]),
        lease_seconds=float(config["DELIVERY_LEASE_SECONDS"]),
        batch_size=int(config["DELIVERY_BATCH_SIZE"]),
        webhook_timeout=float(config["WEBHOOK_TIMEOUT"]),
    )
