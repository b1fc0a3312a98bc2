"""Short staff text sealed like a report section: case notes, covering notes, crime references,
alert drafts. No Flask imports.

The text is encrypted with AES-256-GCM under a fresh key; that key is sealed to each holder's
group public key (the scheme key, and for text meant for police, the unit key). The context
string binds the ciphertext to what it is (``case-note|<report id>``, ``release-note|<id>`` …),
so a sealed copy cannot be moved to another row; the holder name is appended for each seal.
"""

from __future__ import annotations

from ugly_mugs.crypto import DecryptionError, aead, sealing


def seal(text: str, context: str, holders: dict[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    """Encrypt ``text`` and seal its key to each ``holders`` entry (holder name -> public key).

    Returns ``(ciphertext, {holder: sealed key})``. ``context`` is ASCII.
    """
    return seal_bytes(text.encode("utf-8"), context, holders)


def open_text(
    ciphertext: bytes | None, sealed_key: bytes | None, pair: sealing.KeyPair, context: str, holder: str
) -> str:
    """The text, or "" when there is none or ``pair`` cannot open it (never raises DecryptionError)."""
    if not ciphertext or not sealed_key:
        return ""
    try:
        return open_bytes(ciphertext, sealed_key, pair, context, holder).decode("utf-8")
    except DecryptionError:
        return ""


def open_bytes(ciphertext: bytes, sealed_key: bytes, pair: sealing.KeyPair, context: str, holder: str) -> bytes:
    """Like ``open_text`` for binary payloads (a JSON draft), raising DecryptionError when it cannot open."""
    ctx = context.encode("ascii")
    key = sealing.unseal(pair, sealed_key, ctx + b"|" + holder.encode("ascii"))
    return aead.decrypt(key, ciphertext, ctx)


def seal_bytes(payload: bytes, context: str, holders: dict[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    """Like ``seal`` for binary payloads."""
    key = aead.new_key()
    ctx = context.encode("ascii")
    return aead.encrypt(key, payload, ctx), {
        holder: sealing.seal(public, key, ctx + b"|" + holder.encode("ascii")) for holder, public in holders.items()
    }
