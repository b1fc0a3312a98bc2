"""The webhook channel: the message as JSON, POSTed and signed two ways, within a total deadline.

**Signatures.** Each request carries the Standard Webhooks headers (https://www.standardwebhooks.com/,
so receivers can verify with an existing library): ``webhook-id`` (the message id, the same on
every try), ``webhook-timestamp`` (seconds since 1970) and ``webhook-signature`` ``v1,<base64 of
HMAC-SHA256 over "<id>.<timestamp>.<body>">``. The HMAC key is the secret's bytes after
``whsec_`` base64-decoded (secrets made since then have that form, for the libraries); for a
secret made before, it is the secret's UTF-8 bytes. It also carries the first release's
headers, ``X-Ugly-Mugs-Timestamp`` and ``X-Ugly-Mugs-Signature`` (``sha256=`` and the hex
HMAC-SHA256, keyed with the whole secret string, of ``<timestamp>.<body>``), so receivers
written for those go on working. A receiver compares in constant time, refuses an old
timestamp (a replayed request) and drops a message id it has seen (a duplicate).

**Where.** The URL is checked and normalised by ``destinations`` when it is saved and again
at every send; the request connects to an address checked then, with the URL's host in the
``Host`` header and, for https, in SNI and the certificate check.

**How long.** One attempt — resolving, connecting, TLS, sending and reading the answer — has
``UGLY_MUGS_WEBHOOK_TIMEOUT`` seconds in all (``deadline.Deadline``). Any answer but 2xx, an
answer that is not HTTP, a refused or broken connection and the deadline are failures of the
destination, retried with backoff.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import http.client
import json
import secrets
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alerts.delivery import destinations, render
from alerts.delivery.channels.base import (
    SCOPE_DELIVERY,
    ChannelInputError,
    DeliveryFailed,
    Outgoing,
    TargetField,
)
from alerts.delivery.deadline import Deadline

KIND = "webhook"

# The Standard Webhooks headers.
ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of the format, not a secret
# The first release's headers, still sent.
TIMESTAMP_HEADER = "X-Ugly-Mugs-Timestamp"
SIGNATURE_HEADER = "X-Ugly-Mugs-Signature"
MESSAGE_ID_HEADER = "X-Ugly-Mugs-Message-Id"
TOLERANCE_SECONDS = 300
MAX_ANSWER = 64 * 1024


def new_secret() -> str:
    """A fresh secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The Standard Webhooks HMAC key of ``secret``: the base64 after ``whsec_``, else its UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The first release's ``X-Ugly-Mugs-Signature``: ``sha256=`` hex HMAC of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of ``<id>.<timestamp>.<body>``."""
    signed = message_id.encode("ascii") + b"." + timestamp.encode("ascii") + b"." + body
    return "v1," + base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest()).decode("ascii")


def _fresh(timestamp: str, now: float | None) -> bool:
    try:
        return abs((time.time() if now is None else now) - int(timestamp)) <= TOLERANCE_SECONDS
    except ValueError:
        return False


def verify(secret: str, timestamp: str, body: bytes, signed: str, now: float | None = None) -> bool:
    """What a receiver of the first release's headers does: the signature matches, the timestamp is recent."""
    return _fresh(timestamp, now) and hmac.compare_digest(signature(secret, timestamp, body), signed)


def verify_standard(
    secret: str, message_id: str, timestamp: str, body: bytes, signed: str, now: float | None = None
) -> bool:
    """What a Standard Webhooks receiver does: one of the space-separated ``v1,`` signatures
    matches and the timestamp is recent."""
    if not _fresh(timestamp, now):
        return False
    try:
        expected = standard_signature(secret, message_id, timestamp, body)
    except UnicodeEncodeError:
        return False
    return any(hmac.compare_digest(expected, candidate) for candidate in signed.split(" "))


def encode(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to one checked address, with the URL's host in Host and SNI."""

    def __init__(self, url: destinations.WebURL, address, deadline: Deadline, tls: ssl.SSLContext | None):
        super().__init__(url.host, url.port, timeout=deadline.remaining())
        self._address = address
        self._deadline = deadline
        self._tls = tls

    def connect(self) -> None:
        family = socket.AF_INET6 if self._address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        self._deadline.watch(sock)
        try:
            sock.connect((str(self._address), self.port))
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
                self._deadline.watch(sock)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def _failure(exc: BaseException, deadline: Deadline) -> DeliveryFailed:
    if deadline.expired or isinstance(exc, TimeoutError):
        return DeliveryFailed(f"no whole answer within {deadline.seconds:g} s")
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryFailed("connection refused")
    if isinstance(exc, ssl.SSLError):
        return DeliveryFailed(f"TLS failed: {type(exc).__name__}")
    if isinstance(exc, http.client.HTTPException) and not isinstance(exc, ConnectionError):
        return DeliveryFailed(f"the answer is not HTTP: {type(exc).__name__}")
    return DeliveryFailed(f"connection failed: {type(exc).__name__}")


def post(
    url: str,
    secret: str,
    payload: dict,
    timeout: float = 10.0,
    policy: destinations.AddressPolicy | None = None,
    tls: ssl.SSLContext | None = None,
) -> int:
    """Send one signed request within ``timeout`` seconds in all; the HTTP status on success.

    Raises ``DeliveryFailed``: permanent for a URL that cannot be used, otherwise (refused
    address, unresolvable name, no whole answer in time, not HTTP, a status other than 2xx) to
    be retried. Redirects are not followed: the signed body goes nowhere else."""
    policy = policy or destinations.AddressPolicy()
    try:
        target = destinations.parse_url(url, policy)
    except destinations.RefusedDestination as exc:
        raise DeliveryFailed(f"unusable webhook URL: {exc}", permanent=True) from None
    body = encode(payload)
    message_id = str(payload["message_id"])
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ugly-mugs-webhook/2",
        ID_HEADER: message_id,
        STANDARD_TIMESTAMP_HEADER: timestamp,
        STANDARD_SIGNATURE_HEADER: standard_signature(secret, message_id, timestamp, body),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        MESSAGE_ID_HEADER: message_id,
    }
    with Deadline(timeout) as deadline:
        try:
            addresses = destinations.addresses_to_connect(target, policy, deadline.remaining())
        except destinations.RefusedDestination as exc:
            raise DeliveryFailed(f"refused destination: {exc}") from None
        context = (tls or ssl.create_default_context()) if target.scheme == "https" else None
        last: DeliveryFailed | None = None
        for address in addresses:
            conn = _PinnedConnection(target, address, deadline, context)
            try:
                conn.request("POST", target.target, body=body, headers=headers)
                response = conn.getresponse()
                response.read(MAX_ANSWER)
                status = response.status
            except (OSError, http.client.HTTPException, ValueError) as exc:
                last = _failure(exc, deadline)
                # Only a refused connection is worth the next address; anything later was heard.
                if not isinstance(exc, ConnectionRefusedError) or deadline.expired:
                    break
                continue
            finally:
                conn.close()
            if deadline.expired:
                raise DeliveryFailed(f"no whole answer within {deadline.seconds:g} s")
            if not 200 <= status < 300:
                raise DeliveryFailed(f"HTTP {status}")
            return status
        raise last or DeliveryFailed("connection failed")


def check_url(raw: str, config: Mapping[str, Any] | None = None) -> str:
    """The URL as stored (normalised); ``ChannelInputError`` saying why it cannot be used."""
    try:
        return destinations.check_entry(raw, destinations.AddressPolicy.from_config(config or {})).url
    except destinations.RefusedDestination as exc:
        raise ChannelInputError(str(exc)) from None


@dataclass(frozen=True)
class WebhookSettings:
    timeout: float
    policy: destinations.AddressPolicy = destinations.AddressPolicy()
    # A CA bundle to trust besides the system's (a closed network's own CA); None: the system's.
    ca_file: str | None = None


@dataclass(frozen=True)
class Poster:
    """The webhook transport: one signed POST per delivery (no connection is kept between them)."""

    settings: WebhookSettings

    def send(self, outgoing: Outgoing) -> None:
        if not outgoing.secret:
            raise DeliveryFailed("webhook has no secret", scope=SCOPE_DELIVERY)
        tls = ssl.create_default_context(cafile=self.settings.ca_file) if self.settings.ca_file else None
        post(
            outgoing.target,
            outgoing.secret,
            render.as_json(outgoing.message, outgoing.words),
            self.settings.timeout,
            self.settings.policy,
            tls,
        )

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
        hint="https://… on the project's own server (a public address); it receives each alert as signed JSON.",
    )
    has_secret = True

    def check_target(self, raw: str, config: Mapping[str, Any]) -> str:
        return check_url(raw, config)

    def destination(self, target: str) -> str:
        try:
            return destinations.parse_url(target, destinations.AddressPolicy()).origin
        except destinations.RefusedDestination:
            return target[:200]

    def new_secret(self) -> str:
        return new_secret()

    def configure(self, config: Mapping[str, Any]) -> WebhookSettings:
        """From UGLY_MUGS_WEBHOOK_TIMEOUT (seconds in all per request), _WEBHOOK_ALLOWED_PRIVATE_HOSTS
        and UGLY_MUGS_ENV (https only in production)."""
        return WebhookSettings(
            timeout=float(config["WEBHOOK_TIMEOUT"]),
            policy=destinations.AddressPolicy.from_config(config),
            ca_file=str(config.get("WEBHOOK_CA_FILE") or "") or None,
        )

    def open(self, settings: WebhookSettings) -> Poster:
        return Poster(settings)


CHANNEL = WebhookChannel()
