"""Encrypting report sections and sealing their keys to the holders allowed to open them.

A section is a JSON object encrypted under its own random AES-256-GCM key with associated
data ``report_id|name|version``. Its key is then sealed to each holder: the scheme key
(coordinators), the receipt key (the reporter) and, where consent allows, a police unit
key. The plaintext key is never stored. No Flask imports: this is used by the web app,
the command line and tests alike.
"""

from __future__ import annotations

import json

from ugly_mugs.crypto import aead, sealing

# Who she is and how to reach her (with the exact date, time and place); what happened; about him.
IDENTITY = "identity"
INCIDENT = "incident"
PERPETRATOR = "perpetrator"
SECTION_NAMES = (IDENTITY, INCIDENT, PERPETRATOR)

SCHEME = "scheme"
RECEIPT = "receipt"
UNIT = "unit"


def associated_data(report_id: str, name: str, version: int) -> bytes:
    return f"{report_id}|{name}|{version}".encode("ascii")


def key_context(report_id: str, name: str, version: int, holder: str) -> bytes:
    return b"section-key|" + associated_data(report_id, name, version) + b"|" + holder.encode("ascii")


def encrypt_section(key: bytes, report_id: str, name: str, version: int, content: dict) -> bytes:
    if name not in SECTION_NAMES:
        raise ValueError(f"unknown section {name!r}")
    plaintext = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return aead.encrypt(key, plaintext, associated_data(report_id, name, version))


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
) -> bytes:
    return sealing.seal(public_key, section_key, key_context(report_id, name, version, holder))


def open_with_key_pair(
    pair: sealing.KeyPair,
    sealed: bytes,
    report_id: str,
    name: str,
    version: int,
    holder: str,
) -> bytes:
    return sealing.unseal(pair, sealed, key_context(report_id, name, version, holder))


def seal_to_receipt(receipt_key: bytes, section_key: bytes, report_id: str, name: str, version: int) -> bytes:
    return aead.encrypt(receipt_key, section_key, key_context(report_id, name, version, RECEIPT))


def open_with_receipt(receipt_key: bytes, sealed: bytes, report_id: str, name: str, version: int) -> bytes:
    return aead.decrypt(receipt_key, sealed, key_context(report_id, name, version, RECEIPT))
