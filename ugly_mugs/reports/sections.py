"""Encrypting report sections and sealing their keys to the holders allowed to open them.

A section is a JSON object encrypted under its own random AES-256-GCM key with associated
data ``report_id|name|version``. Its key is then sealed to each holder: the scheme key
(coordinators), the receipt key (the reporter) and, where consent allows, a police unit
key. Every seal is then wrapped by the report's erasure key (``keys.erasure``), which lives
outside the database, so that erasing the report makes every copy of its seals useless. The
plaintext key is never stored. No Flask imports: this is used by the web app,
the command line and tests alike.
"""

from __future__ import annotations

import json

from ugly_mugs.crypto import aead, sealing
from ugly_mugs.keys.erasure import ReportKey

# Who she is and how to reach her (with the exact date, time and place); what happened; about him.
IDENTITY = "identity"
INCIDENT = "incident"
PERPETRATOR = "perpetrator"
SECTION_NAMES = (IDENTITY, INCIDENT, PERPETRATOR)
# Photos (``reports.photos``): one section row per photo, numbered by ``version``, holding the
# cleaned JPEG bytes rather than JSON. Sealed like the section named in PHOTO_SEALED_LIKE: one
# that may show her is identity-level, one that shows only him, his car or his messages is
# sealed like the perpetrator section (``consent.SECTIONS_FOR_POLICE``).
PHOTO_IDENTITY = "photo_identity"
PHOTO_ABOUT_HIM = "photo_about_him"
PHOTO_NAMES = (PHOTO_IDENTITY, PHOTO_ABOUT_HIM)
# A message between a coordinator and her (``reports.messages``): a section of its own, one
# version per message, sealed to the scheme key and her receipt key only; never read with the
# report's other sections.
MESSAGE = "message"

SCHEME = "scheme"
RECEIPT = "receipt"
UNIT = "unit"


def associated_data(report_id: str, name: str, version: int) -> bytes:
    return f"{report_id}|{name}|{version}".encode("ascii")


def key_context(report_id: str, name: str, version: int, holder: str) -> bytes:
    return b"section-key|" + associated_data(report_id, name, version) + b"|" + holder.encode("ascii")


def encrypt_section(key: bytes, report_id: str, name: str, version: int, content: dict) -> bytes:
    if name not in SECTION_NAMES and name != MESSAGE:
        raise ValueError(f"unknown section {name!r}")
    plaintext = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return aead.encrypt(key, plaintext, associated_data(report_id, name, version))


def encrypt_photo(key: bytes, report_id: str, name: str, version: int, image: bytes) -> bytes:
    """The cleaned image bytes encrypted as photo section ``name`` number ``version``."""
    if name not in PHOTO_NAMES:
        raise ValueError(f"unknown photo section {name!r}")
    return aead.encrypt(key, image, associated_data(report_id, name, version))


def decrypt_photo(key: bytes, report_id: str, name: str, version: int, ciphertext: bytes) -> bytes:
    return aead.decrypt(key, ciphertext, associated_data(report_id, name, version))


def decrypt_section(key: bytes, report_id: str, name: str, version: int, ciphertext: bytes) -> dict:
    plaintext = aead.decrypt(key, ciphertext, associated_data(report_id, name, version))
    return json.loads(plaintext.decode("utf-8"))


def seal_to_public_key(
    public_key: bytes,
    section_key: bytes,
    report_id: str,
    name: str,
    version: int,
    holder: str,
    erasure: ReportKey,
) -> bytes:
    """``section_key`` sealed to ``public_key`` for ``holder`` and wrapped by the report's erasure key."""
    context = key_context(report_id, name, version, holder)
    return erasure.wrap(sealing.seal(public_key, section_key, context), context)


def open_with_key_pair(
    pair: sealing.KeyPair,
    sealed: bytes,
    report_id: str,
    name: str,
    version: int,
    holder: str,
    erasure: ReportKey,
) -> bytes:
    """The section key from a stored seal (unwrapped with ``erasure``, then opened with ``pair``);
    raises DecryptionError if either does not fit."""
    context = key_context(report_id, name, version, holder)
    return sealing.unseal(pair, erasure.unwrap(sealed, context), context)


def seal_to_receipt(
    receipt_key: bytes, section_key: bytes, report_id: str, name: str, version: int, erasure: ReportKey
) -> bytes:
    context = key_context(report_id, name, version, RECEIPT)
    return erasure.wrap(aead.encrypt(receipt_key, section_key, context), context)


def open_with_receipt(
    receipt_key: bytes, sealed: bytes, report_id: str, name: str, version: int, erasure: ReportKey
) -> bytes:
    context = key_context(report_id, name, version, RECEIPT)
    return aead.decrypt(receipt_key, erasure.unwrap(sealed, context), context)
