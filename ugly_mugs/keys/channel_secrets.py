"""Channel signing secrets (a webhook's HMAC key), sealed at rest under the delivery key.

The delivery key (``UGLY_MUGS_DELIVERY_KEY_FILE``: 32+ random bytes, kept outside the database
like the matching and audit keys) is the only key that opens them, and it has one purpose:
HKDF-SHA256 derives from it the AES-256-GCM key below, so a copy of the database or of a backup
holds nothing that signs an alert or a retraction. The dispatch worker holds the delivery key
because it signs every request it sends; nobody else needs it, and the projects' pages only seal.

A sealed secret is ``0x01`` ‖ a 12-byte nonce ‖ AES-GCM ciphertext and tag, with associated
data ``project-channel|<channel id>|secret``, so a sealed value copied onto another channel
does not open there. No Flask here.
"""

from __future__ import annotations

from ugly_mugs.crypto import aead, macs

VERSION = b"\x01"
_PURPOSE = "channel secret v1"
# Where a database session carries the delivery key (``Session.info``), so that services seal
# without being handed it.
DELIVERY_KEY = "ugly_mugs.delivery_key"


def session_info(delivery_key: bytes | None) -> dict:
    """What every database session carries for sealing channel secrets."""
    return {DELIVERY_KEY: delivery_key}


class SecretUnavailable(Exception):
    """No delivery key is configured, or a sealed secret does not open under it."""


def _key(delivery_key: bytes | None) -> bytes:
    if not delivery_key:
        raise SecretUnavailable("no delivery key is configured (UGLY_MUGS_DELIVERY_KEY_FILE)")
    return macs.subkey(delivery_key, _PURPOSE)


def _place(channel_id: int) -> bytes:
    return f"project-channel|{int(channel_id)}|secret".encode("ascii")


def seal(delivery_key: bytes | None, channel_id: int, secret: str) -> bytes:
    """``secret`` (text) sealed for channel ``channel_id``; ``SecretUnavailable`` without a key."""
    return VERSION + aead.encrypt(_key(delivery_key), secret.encode("utf-8"), _place(channel_id))


def open_secret(delivery_key: bytes | None, channel_id: int, sealed: bytes) -> str:
    """The secret sealed for channel ``channel_id``.

    Raises ``SecretUnavailable`` without a key, for an unknown format, or when the value does
    not open (another key, altered, or sealed for another channel)."""
    key = _key(delivery_key)
    if not sealed or sealed[:1] != VERSION:
        raise SecretUnavailable("the sealed secret is of an unknown format")
    try:
        return aead.decrypt(key, bytes(sealed[1:]), _place(channel_id)).decode("utf-8")
    except aead.DecryptionError:
        raise SecretUnavailable("the sealed secret does not open under the delivery key") from None
