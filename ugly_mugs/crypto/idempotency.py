"""Idempotency keys of retried filings: what the database keeps of them, and the sealed answer.

A client that files a report sends an idempotency key (the ``Idempotency-Key`` header of
draft-ietf-httpapi-idempotency-key-header, or the key in a reporter form's token). The answer it
got — the reference and the receipt code, a secret only stored hashed elsewhere — must be given
back when it retries, without being stored readable. So the database keeps only:

- ``key_id``: HMAC-SHA256 of the scope and the key under a key derived (HKDF-SHA256) from the
  app's secret key, so that a stolen database cannot be searched for a key someone holds;
- ``body_tag``: HMAC-SHA256 of the request body under a key derived from the idempotency key, so
  that the same key with another body is recognised, and nothing about the body can be tested
  without the key;
- the answer sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the idempotency key,
  bound to ``key_id``: only the client holding the key can have it back.

Both keys are derived from the idempotency key *and* the app's secret key (``key_material``):
a client may send a guessable key (a counter), and a stolen database alone must not let anyone
try keys offline until an answer opens and hands over a receipt code (P1).

No project imports (crypto layering rule).
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ugly_mugs.crypto import aead

_SALT = b"ugly-mugs idempotency v1"


def _derive(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode("ascii")).derive(secret)


def key_id(app_secret: bytes, scope: str, key: str) -> str:
    """The stored name of idempotency ``key`` in ``scope`` (ASCII): 64 hexadecimal digits,
    keyed by ``app_secret`` (the app's secret key, any length)."""
    mac_key = _derive(app_secret, "key id")
    return hmac.new(mac_key, scope.encode("ascii") + b"\0" + key.encode("ascii"), hashlib.sha256).hexdigest()


def key_material(app_secret: bytes, key: str) -> bytes:
    """The secret the body tag and the answer's key come from: HKDF-SHA256 of idempotency ``key``
    salted with a key derived from ``app_secret``; 32 bytes, never stored."""
    salt = _derive(app_secret, "key material")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"idempotency key").derive(key.encode("ascii"))


def body_tag(material: bytes, body: bytes) -> str:
    """The stored tag of a request ``body`` (canonical bytes) sent with the key whose
    ``key_material`` is ``material``: 64 hex digits."""
    return hmac.new(_derive(material, "body"), body, hashlib.sha256).hexdigest()


def same_body(material: bytes, body: bytes, stored_tag: str) -> bool:
    """Whether ``body`` is the body whose tag under ``material`` is ``stored_tag`` (constant time)."""
    return hmac.compare_digest(body_tag(material, body), stored_tag)


def seal(material: bytes, stored_id: str, answer: bytes) -> bytes:
    """``answer`` encrypted under a key derived from ``material``, bound to ``stored_id`` (its key_id)."""
    return aead.encrypt(_derive(material, "answer"), answer, stored_id.encode("ascii"))


def open_answer(material: bytes, stored_id: str, sealed: bytes) -> bytes:
    """The answer ``seal`` stored; raises aead.DecryptionError for other material or altered data."""
    return aead.decrypt(_derive(material, "answer"), sealed, stored_id.encode("ascii"))
