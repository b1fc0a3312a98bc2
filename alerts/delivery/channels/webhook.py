"""The webhook channel: the message as JSON, POSTed with a timestamp and an HMAC-SHA256 signature.

The signature is ``sha256=`` and the hex HMAC-SHA256, under the channel's secret, of
``<timestamp>.<body>`` (the timestamp header's value, a full stop, the exact body bytes). A
receiver recomputes it, compares in constant time and refuses an old timestamp, so a captured
request cannot be replayed later; ``message_id`` (in the body and a header) lets it drop a
duplicate. Any answer but 2xx, a timeout or a connection error is a failure to be retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from alerts.delivery import render
from alerts.delivery.channels.base import ChannelInputError, DeliveryFailed, Outgoing, TargetField, valid_hostname

KIND = "webhook"

TIMESTAMP_HEADER = "X-Ugly-Mugs-Timestamp"
SIGNATURE_HEADER = "X-Ugly-Mugs-Signature"
MESSAGE_ID_HEADER = "X-Ugly-Mugs-Message-Id"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signed: str, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= TOLERANCE_SECONDS and hmac.compare_digest(signature(secret, timestamp, body), signed)


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer other than 2xx: the signed body is not sent on to another address."""

    def redirect_request(self, *_args, **_kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def post(url: str, secret: str, payload: dict, timeout: float = 10.0) -> int:
    """Send one signed request; the HTTP status on success, ``DeliveryFailed`` otherwise."""
    if not url.lower().startswith(("http://", "https://")):
        raise DeliveryFailed("webhook URL is not http or https")
    body = encode(payload)
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "ugly-mugs-webhook/1",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            MESSAGE_ID_HEADER: str(payload["message_id"]),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryFailed(f"connection failed: {type(exc.reason).__name__}") from None
    except (TimeoutError, OSError) as exc:
        raise DeliveryFailed(f"connection failed: {type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status}")
    return status


def check_url(raw: str) -> str:
    """An ``http(s)://`` URL naming a valid host, without login details or ``#``; ``ChannelInputError`` otherwise."""
    url = raw.strip()
    if len(url) > 500 or any(c.isspace() or ord(c) < 32 for c in url):
        raise ChannelInputError("Enter a web address of at most 500 characters without spaces.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ChannelInputError("The address must start with https:// (or http://).")
    if parts.username is not None or parts.password is not None:
        raise ChannelInputError("Leave login details out of the address; the signature authenticates each request.")
    host = parts.hostname or ""
    if parts.netloc.startswith("[") or not valid_hostname(host):
        raise ChannelInputError("The address must name a valid host name.")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:
        raise ChannelInputError("The port in the address is not a number.") from None
    if parts.fragment:
        raise ChannelInputError("Leave out the # part of the address.")
    return url


@dataclass(frozen=True)
class WebhookSettings:
    timeout: float


@dataclass(frozen=True)
class Poster:
    """The webhook transport: one signed POST per delivery (no connection is kept between them)."""

    timeout: float

    def send(self, outgoing: Outgoing) -> None:
        if not outgoing.secret:
            raise DeliveryFailed("webhook has no secret")
        post(outgoing.target, outgoing.secret, render.as_json(outgoing.message, outgoing.words), self.timeout)

    def close(self) -> None:
        pass


class WebhookChannel:
    """Alerts as signed JSON POSTed to a project's own server."""

    kind = KIND
    label = "Webhook"
    add_label = "Add a webhook"
    field = TargetField(
        name="url",
        label="Webhook URL",
        input_type="url",
        max_length=500,
        required_message="Enter the webhook's address.",
        hint="https://… on the project's own server; it receives each alert as signed JSON.",
    )
    has_secret = True

    def check_target(self, raw: str) -> str:
        return check_url(raw)

    def new_secret(self) -> str:
        return new_secret()

    def configure(self, config: Mapping[str, Any]) -> WebhookSettings:
        """From UGLY_MUGS_WEBHOOK_TIMEOUT (seconds)."""
        return WebhookSettings(timeout=float(config["WEBHOOK_TIMEOUT"]))

    def open(self, settings: WebhookSettings) -> Poster:
        return Poster(settings.timeout)


CHANNEL = WebhookChannel()
