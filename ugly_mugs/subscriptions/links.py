"""The signed links in a subscriber's texts and emails (no Flask).

- **The alert link** ``/a/<token>`` opens one published message with no account, until it
  expires: the token is 16 bytes in URL-safe base64 (22 characters, short enough for a text):
  the message's id (4 bytes), the day it expires (2 bytes, days since 2020-01-01) and the first
  10 bytes of an HMAC-SHA256 of those under a key derived from the secret key.
- **The stop link** ``/alerts/stop/<token>`` in every email names her subscription's public id
  and an HMAC of it: whoever holds the email can stop it, nobody can make one for another.

Keys: HKDF-SHA256 subkeys of the app's secret key (``UGLY_MUGS_SECRET_KEY``) per purpose, so the
web app that checks and the worker that writes agree; earlier secret keys (fallbacks) still check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

EPOCH = date(2020, 1, 1)
_MAC_BYTES = 10


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), f"ugly-mugs link key|{purpose}".encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        return None


def alert_token(secret: str, message_id: int, now: datetime, days: int) -> str:
    """The token of the link to message ``message_id`` (database id), valid ``days`` from ``now``."""
    expires = (now.date() + timedelta(days=days) - EPOCH).days
    body = struct.pack(">IH", message_id, max(0, min(expires, 0xFFFF)))
    return _b64(body + hmac.new(_key(secret, "alert"), body, hashlib.sha256).digest()[:_MAC_BYTES])


def open_alert_token(secrets: Sequence[str], token: str, now: datetime | None = None) -> int | None:
    """The message id the token names, if one of ``secrets`` signed it and it has not expired; else None."""
    raw = _unb64(token or "") if isinstance(token, str) and len(token) == 22 else None
    if raw is None or len(raw) != 6 + _MAC_BYTES:
        return None
    body, mac = raw[:6], raw[6:]
    if not any(
        hmac.compare_digest(hmac.new(_key(s, "alert"), body, hashlib.sha256).digest()[:_MAC_BYTES], mac)
        for s in secrets
    ):
        return None
    message_id, expires = struct.unpack(">IH", body)
    today = ((now or datetime.now(UTC)).date() - EPOCH).days
    return message_id if today <= expires else None


def stop_token(secret: str, public_id: str) -> str:
    return f"{public_id}.{hmac.new(_key(secret, 'stop'), public_id.encode('ascii'), hashlib.sha256).hexdigest()[:32]}"


def open_stop_token(secrets: Sequence[str], token: str) -> str | None:
    """The public id a stop link names, if one of ``secrets`` signed it; else None."""
    if not isinstance(token, str) or len(token) > 100 or "." not in token:
        return None
    public_id, _, mac = token.rpartition(".")
    # compare_digest takes only ASCII text: anything else is not ours (and must not be a 500).
    if not (public_id.isascii() and mac.isascii()):
        return None
    for s in secrets:
        if hmac.compare_digest(stop_token(s, public_id).rpartition(".")[2], mac):
            return public_id
    return None
