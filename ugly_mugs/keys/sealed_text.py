"""Short staff text sealed like a report section: case notes, covering notes, crime references,
alert drafts. No Flask imports.

The text is encrypted with AES-256-GCM under a fresh key; that key is sealed to each holder's
group public key (the scheme key, and for text meant for police, the unit key), and each seal
is wrapped by the erasure key of the report the text was written about (``keys.erasure``), so
that erasing the report makes the text unreadable in every copy of the database too. The
context string binds the ciphertext to what it is (``case_note_context`` and the others below),
so a sealed copy cannot be moved to another row; the holder name is appended for each seal.
"""

from __future__ import annotations

from ugly_mugs.crypto import DecryptionError, aead, sealing
from ugly_mugs.keys.erasure import ReportKey


def case_note_context(report_id: str) -> str:
    return f"case-note|{report_id}"


def release_note_context(release_id: int) -> str:
    return f"release-note|{release_id}"


def crime_reference_context(release_id: int) -> str:
    return f"crime-reference|{release_id}"


def alert_draft_context(alert_reference: str) -> str:
    return f"alert-draft|{alert_reference}"


def seal_context(context: str, holder: str) -> bytes:
    """What one holder's seal of a text key is bound to: ``<context>|<holder>``."""
    return context.encode("ascii") + b"|" + holder.encode("ascii")


def seal(text: str, context: str, holders: dict[str, bytes], erasure: ReportKey) -> tuple[bytes, dict[str, bytes]]:
    """Encrypt ``text`` and seal its key to each ``holders`` entry (holder name -> public key),
    each seal wrapped by the report's erasure key ``erasure``.

    Returns ``(ciphertext, {holder: wrapped sealed key})``. ``context`` is ASCII.
    """
    return seal_bytes(text.encode("utf-8"), context, holders, erasure)


def open_text(
    ciphertext: bytes | None,
    sealed_key: bytes | None,
    pair: sealing.KeyPair,
    context: str,
    holder: str,
    erasure: ReportKey,
) -> str:
    """The text, or "" when there is none or ``pair`` cannot open it (never raises DecryptionError)."""
    if not ciphertext or not sealed_key:
        return ""
    try:
        return open_bytes(ciphertext, sealed_key, pair, context, holder, erasure).decode("utf-8")
    except DecryptionError:
        return ""


def open_bytes(
    ciphertext: bytes, sealed_key: bytes, pair: sealing.KeyPair, context: str, holder: str, erasure: ReportKey
) -> bytes:
    """Like ``open_text`` for binary payloads (a JSON draft), raising DecryptionError when it cannot open."""
    bound = seal_context(context, holder)
    key = sealing.unseal(pair, erasure.unwrap(sealed_key, bound), bound)
    return aead.decrypt(key, ciphertext, context.encode("ascii"))


def seal_bytes(
    payload: bytes, context: str, holders: dict[str, bytes], erasure: ReportKey
) -> tuple[bytes, dict[str, bytes]]:
    """Like ``seal`` for binary payloads."""
    key = aead.new_key()
    sealed = {}
    for holder, public in holders.items():
        bound = seal_context(context, holder)
        sealed[holder] = erasure.wrap(sealing.seal(public, key, bound), bound)
    return aead.encrypt(key, payload, context.encode("ascii")), sealed
