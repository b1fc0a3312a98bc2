"""Idempotent filing: a retried filing with the same idempotency key gets the first answer (the
same reference and receipt code) and files nothing twice. No Flask imports.

The rules are those of the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header): the same key with another body is refused
(``Mismatch``, answered 422), a key whose first request is still being worked on is refused
(``InFlight``, answered 409), a malformed key is refused (``valid_key``, answered 400). Keys
must be unguessable: 16 to 255 visible ASCII characters (a UUID or 128 random bits).

What is stored (``models.IdempotencyRecord``, ``crypto.idempotency``) names neither the key
nor the answer in the clear, expires after ``KEEP`` (purged by retention, ``purge_expired``) and
goes when the report is erased (``reports.erasure``).

"Still being worked on" is known without storing a time of the reporter's act (P4): a
process-local registry of the keys its requests hold, and on PostgreSQL a transaction-level
advisory lock (released by the database when the holder commits, rolls back or dies, and safe
behind a transaction-pooling PgBouncer). On SQLite several processes are serialised by the
database's one writer: a second request that passes both checks loses at the primary key when
it stores its record (``Conflict``) and then gets the first answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs import coarse_time
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.crypto import idempotency as sealing
from ugly_mugs.models import IdempotencyRecord

KEY_MIN = 16
KEY_MAX = 255
# How long a filing's answer can be had again with its key.
KEEP = timedelta(hours=24)
# Scopes: a key of the API and one of the reporter form never meet.
API = "api report"
FORM = "form report"


class Conflict(Exception):
    """Another request with the same key stored its report first (``remember``): this one's
    transaction must be rolled back, and the first answer given (``replay``)."""


class InFlight(Exception):
    """The first request with this key is still being worked on (409)."""


class Mismatch(Exception):
    """The key was used with another body (422)."""


def valid_key(raw: object) -> bool:
    """Whether ``raw`` is an acceptable key: a str of KEY_MIN..KEY_MAX visible ASCII characters
    (0x21-0x7E, no spaces), so that it cannot be guessed and is read alike by every proxy."""
    return isinstance(raw, str) and KEY_MIN <= len(raw) <= KEY_MAX and all("!" <= c <= "~" for c in raw)


def canonical_json(body: object) -> bytes:
    """``body`` (parsed JSON) as bytes that do not depend on key order or spacing."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def canonical_form(pairs: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> bytes:
    """Form fields (name, value) as bytes that do not depend on their order."""
    return canonical_json(sorted([str(k), str(v)] for k, v in pairs))


@dataclass(frozen=True)
class Attempt:
    """One request's key, as the database knows it (``key_id``), and its body's tag."""

    key: str
    key_id: str
    body: bytes
    material: bytes  # sealing.key_material: whence the body tag and the answer's key

    @classmethod
    def of(cls, app_secret: bytes, scope: str, key: str, body: bytes) -> Attempt:
        """Raises ValueError for a key ``valid_key`` refuses."""
        if not valid_key(key):
            raise ValueError("not a valid idempotency key")
        return cls(key, sealing.key_id(app_secret, scope, key), body, sealing.key_material(app_secret, key))


@dataclass(frozen=True)
class Answer:
    """What the first request was answered: the report's reference and its receipt code."""

    reference: str
    receipt_code: str
    # Until when (Unix time, seconds) a replay may show the receipt code again; None: always (the
    # API, whose partner app holds the key). Sealed with the answer, so only a request holding
    # the key reads it: the database keeps no readable time of her act (P4).
    shown_until: float | None = None


_held: set[str] = set()
_held_lock = threading.Lock()


@contextlib.contextmanager
def holding(session: Session, attempt: Attempt) -> Iterator[None]:
    """Hold ``attempt``'s key while the body of the ``with`` works on it; raises InFlight if
    another request of this process or (PostgreSQL) of any process holds it. The database lock
    is released when the session's transaction ends, so commit inside the ``with``."""
    with _held_lock:
        if attempt.key_id in _held:
            raise InFlight()
        _held.add(attempt.key_id)
    try:
        if session.get_bind().dialect.name == "postgresql":
            # 64 bits of the keyed hash: a clash with another key only costs a retry.
            lock = int(attempt.key_id[:16], 16) - 2**63
            if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock}):
                raise InFlight()
        yield
    finally:
        with _held_lock:
            _held.discard(attempt.key_id)


def _now() -> datetime:
    return coarse_time.now()


def replay(session: Session, attempt: Attempt) -> Answer | None:
    """The first answer given for ``attempt``'s key, or None if the key is new (or its record
    expired, which is then deleted). Raises Mismatch when the key came with another body."""
    record = session.get(IdempotencyRecord, attempt.key_id)
    if record is None:
        return None
    if record.expires_at <= _now():
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.key_id == attempt.key_id))
        session.flush()
        return None
    if not sealing.same_body(attempt.material, attempt.body, record.body_tag):
        raise Mismatch()
    try:
        stored = json.loads(sealing.open_answer(attempt.material, attempt.key_id, record.sealed_answer))
    except (DecryptionError, ValueError):
        # Cannot happen unless the row was altered: treated as another body, never as new.
        raise Mismatch() from None
    return Answer(stored["reference"], stored["receipt_code"], stored.get("shown_until"))


def remember(session: Session, attempt: Attempt, report_id: str, answer: Answer) -> None:
    """Keep ``answer`` for ``attempt`` in the caller's transaction (the one that filed the
    report, so that both are stored or neither). Raises ``Conflict`` when a concurrent twin
    stored its record first; the caller rolls back and calls ``replay``."""
    sealed = sealing.seal(
        attempt.material,
        attempt.key_id,
        json.dumps(
            {"reference": answer.reference, "receipt_code": answer.receipt_code, "shown_until": answer.shown_until}
        ).encode("ascii"),
    )
    session.add(
        IdempotencyRecord(
            key_id=attempt.key_id,
            body_tag=sealing.body_tag(attempt.material, attempt.body),
            report_id=report_id,
            sealed_answer=sealed,
            # To the hour (P4): kept between 23 and 24 hours.
            expires_at=_now() + KEEP,
        )
    )
    try:
        session.flush()
    except IntegrityError as exc:
        # The record's key is the only unique value it holds.
        raise Conflict(attempt.key_id) from exc


def forget_report(session: Session, report_id: str) -> None:
    """Delete the idempotency record of ``report_id`` (on erasure)."""
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.report_id == report_id))


def purge_expired(session: Session, now: datetime) -> int:
    """Delete records past their time at ``now``; the number deleted. The caller commits."""
    return session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= now)).rowcount


def exists_for(session: Session, report_id: str) -> bool:
    """Whether ``report_id`` has an idempotency record (for checks after erasure)."""
    return session.scalar(select(IdempotencyRecord.key_id).where(IdempotencyRecord.report_id == report_id)) is not None
