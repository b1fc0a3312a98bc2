"""Erasure keys: one per report, held in a key store outside the database and its backups (P8).

Every sealed copy of a report's section keys (to the scheme key, the receipt key and a police
unit key alike) and every key of text derived from the report (case notes, covering notes,
crime references, alert drafts) is stored wrapped once more: AES-256-GCM under the report's
erasure key, with the place it belongs to as associated data. The erasure key lives only in
the key store (``UGLY_MUGS_KEYSTORE_URL``: by default a SQLite file beside the database; in
production a separate database). Erasing a report deletes its erasure key there and records a
tombstone (the report id and the hour, nothing else): from then on no copy of the database,
however old, and no recovery passphrase or staff key can open what it held, and a restored
backup cannot bring the report back (``reports.erasure.reconcile``).

Reports stored before erasure keys existed are listed in ``pending_erasure_key`` by the
migration that introduced them; their seals are not wrapped yet, and ``migrate_pending`` (run
by ``flask --app wsgi db upgrade`` and ``keys migrate-erasure``) gives each an erasure key and
wraps its seals. A report neither keyed, nor tombstoned, nor pending cannot be opened:
``ErasureKeyMissing``, never a fallback.

The key store travels in ``Session.info`` (``session_info``), like the matching key. It keeps
its own small schema (created on first use) and commits each change at once: a key is made
and stored before the report that needs it, and destroyed before the report's rows go, so a
failure between the two leaves at worst an unused key or a report nobody can open. No Flask.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from ugly_mugs import coarse_time
from ugly_mugs.crypto import aead
from ugly_mugs.db import make_engine
from ugly_mugs.keys.keystore import KeyUnavailable
from ugly_mugs.models import PendingErasureKey

STORE = "ugly_mugs.erasure_key_store"
WRAP_VERSION = b"\x01"
# How many ids one query of the key store asks about.
BATCH = 500

_meta = MetaData()
# The report's erasure key: 32 random bytes. Nothing else about the report is kept here.
_keys = Table(
    "erasure_key",
    _meta,
    Column("report_id", String(32), primary_key=True),
    Column("key", LargeBinary(32), nullable=False),
)
# An erased report: its id and the hour it was erased (coarse time, P4), nothing else.
_tombstones = Table(
    "tombstone",
    _meta,
    Column("report_id", String(32), primary_key=True),
    Column("erased_at", DateTime, nullable=False),
)
# The store's identity (a random id made with it) and the time of the last readiness write.
_about = Table(
    "keystore_about",
    _meta,
    Column("name", String(32), primary_key=True),
    Column("value", String(64), nullable=False),
)


class ErasureKeyMissing(KeyUnavailable):
    """A report has no erasure key in the key store and no tombstone: the key store is not this
    database's (``UGLY_MUGS_KEYSTORE_URL``), or was restored from a backup older than the report."""


class ReportErased(Exception):
    """The report was erased: its erasure key is gone and a tombstone says so."""


@dataclass(frozen=True)
class ReportKey:
    """A report's erasure key as the code uses it: wraps and unwraps that report's sealed keys.

    ``key`` is None only for a report stored before erasure keys and not yet migrated
    (listed in ``pending_erasure_key``): its seals are stored as they were, unwrapped, until
    ``migrate_pending`` wraps them all in one transaction.
    """

    report_id: str
    key: bytes | None

    def _associated(self, context: bytes) -> bytes:
        return b"erasure-wrap|" + self.report_id.encode("ascii") + b"|" + context

    def wrap(self, sealed: bytes, context: bytes) -> bytes:
        """``sealed`` (a seal of one key, made for ``context``) as stored: version byte, then
        AES-256-GCM (nonce, ciphertext, tag) under the erasure key."""
        if self.key is None:
            return sealed
        return WRAP_VERSION + aead.encrypt(self.key, sealed, self._associated(context))

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """The seal inside ``wrapped``; raises DecryptionError if it was not wrapped with this
        key for this context."""
        if self.key is None:
            return wrapped
        if wrapped[:1] != WRAP_VERSION:
            raise aead.DecryptionError("not wrapped by an erasure key")
        return aead.decrypt(self.key, wrapped[1:], self._associated(context))


class ErasureKeyStore:
    """The key store at ``url`` (any SQLAlchemy URL: a SQLite file, a PostgreSQL database).

    SQLite runs with ``secure_delete`` (as the main database does) and its write-ahead log is
    checkpointed and truncated after every destruction, so a deleted key is overwritten in the
    file at once; on PostgreSQL the key table is rewritten (``VACUUM FULL``, small) instead.
    """

    def __init__(self, url: str, pooled: bool = False):
        """``pooled``: reached through a pooler in transaction mode (``db.make_engine``)."""
        self.url = url
        self.engine: Engine = make_engine(url, pooled=pooled)
        self._ready = False

    def _make_file(self) -> None:
        """A SQLite store's file, made on first use (not when an app merely starts). Raises
        KeyUnavailable when it cannot be made there (a path through a file, a directory, no
        permission): no key can be kept, so nothing may be filed."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
            return
        path = Path(parsed.database)
        try:
            # A fresh development instance: the directory beside the database may not exist yet.
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Readable by its owner only, whatever the umask; SQLite gives its -wal and -shm files
            # the database file's permissions.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise KeyUnavailable(f"the erasure key store cannot be made at {path}: {exc.strerror}") from exc

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def _ensure(self) -> None:
        if self._ready:
            return
        self._make_file()
        try:
            _meta.create_all(self.engine, checkfirst=True)
        except (IntegrityError, ProgrammingError, OperationalError):
            # Another process made the tables at the same moment (PostgreSQL); they exist now.
            _meta.create_all(self.engine, checkfirst=True)
        with self.engine.begin() as conn:
            if conn.scalar(select(_about.c.value).where(_about.c.name == "store_id")) is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(_about), [{"name": "store_id", "value": secrets.token_hex(16)}])
                except IntegrityError:
                    pass
        self._ready = True

    def dispose(self) -> None:
        self.engine.dispose()

    def store_id(self) -> str:
        """The random id the store was made with: tells two stores apart (backups, readiness)."""
        self._ensure()
        with self.engine.connect() as conn:
            return conn.scalar(select(_about.c.value).where(_about.c.name == "store_id"))

    def create_new(self, report_id: str) -> bytes:
        """A new erasure key for a report id made just now (``models.new_id``: 128 random bits,
        so no key or tombstone can have it), stored and committed before it is returned: one
        INSERT, no reads (filing makes one per report). Raises IntegrityError if the id has a key
        already (never, for a fresh id); ids that may have one go through ``create_many``."""
        self._ensure()
        key = aead.new_key()
        with self.engine.begin() as conn:
            conn.execute(insert(_keys), [{"report_id": report_id, "key": key}])
        return key

    def create_many(self, report_ids: Iterable[str]) -> dict[str, bytes]:
        """``create`` for many reports in one transaction (a migration, a bulk import): keys by
        report id, existing keys kept. Raises ReportErased if any of them was erased."""
        self._ensure()
        ids = list(dict.fromkeys(report_ids))
        found: dict[str, bytes] = {}
        with self.engine.begin() as conn:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                erased = conn.scalar(select(_tombstones.c.report_id).where(_tombstones.c.report_id.in_(chunk)))
                if erased:
                    raise ReportErased(erased)
                found.update(
                    conn.execute(select(_keys.c.report_id, _keys.c.key).where(_keys.c.report_id.in_(chunk))).all()
                )
                fresh = [{"report_id": rid, "key": aead.new_key()} for rid in chunk if rid not in found]
                if fresh:
                    conn.execute(insert(_keys), fresh)
                    found.update((row["report_id"], row["key"]) for row in fresh)
        return found

    def lookup(self, report_ids: Iterable[str]) -> tuple[dict[str, bytes], set[str]]:
        """(erasure keys by report id, ids with a tombstone) for ``report_ids``."""
        self._ensure()
        ids = list(dict.fromkeys(report_ids))
        keys: dict[str, bytes] = {}
        erased: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                keys.update(
                    conn.execute(select(_keys.c.report_id, _keys.c.key).where(_keys.c.report_id.in_(chunk))).all()
                )
                erased.update(conn.scalars(select(_tombstones.c.report_id).where(_tombstones.c.report_id.in_(chunk))))
        return keys, erased

    def discard(self, report_id: str) -> None:
        """Delete the key made for ``report_id`` by ``create`` when the report was then never
        stored (its filing refused): no tombstone, since there was no report. Never for a stored
        report: erasing one is ``destroy``. The key sealed nothing kept, so the file is not purged."""
        self._ensure()
        with self.engine.begin() as conn:
            conn.execute(delete(_keys).where(_keys.c.report_id == report_id))

    def destroy(self, report_ids: Iterable[str], at: datetime | None = None) -> int:
        """Delete the erasure keys of ``report_ids`` and record their tombstones (at the hour
        ``at``, default now), committed; then overwrite what was deleted (``purge``). Returns how
        many keys were deleted. Idempotent: a report erased twice keeps its first tombstone."""
        self._ensure()
        ids = list(dict.fromkeys(report_ids))
        if not ids:
            return 0
        when = coarse_time.coarse(at or coarse_time.now()).replace(tzinfo=None)
        deleted = 0
        with self.engine.begin() as conn:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start : start + BATCH]
                known = set(conn.scalars(select(_tombstones.c.report_id).where(_tombstones.c.report_id.in_(chunk))))
                fresh = [{"report_id": rid, "erased_at": when} for rid in chunk if rid not in known]
                if fresh:
                    conn.execute(insert(_tombstones), fresh)
                deleted += conn.execute(delete(_keys).where(_keys.c.report_id.in_(chunk))).rowcount
        self.purge()
        return deleted

    def purge(self) -> bool:
        """Make deleted keys unrecoverable from the store's files: SQLite checkpoints its WAL into
        the file (where ``secure_delete`` zeroed them) and truncates it; PostgreSQL rewrites the
        key table. Returns False when it could not finish now (readers held the WAL)."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            return busy is None or busy[0] == 0
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SET lock_timeout = '10s'")
            conn.exec_driver_sql(f"VACUUM FULL {_keys.name}")
        return True

    def tombstones(self, after: str = "", limit: int = BATCH) -> list[tuple[str, datetime]]:
        """Tombstones in report id order after ``after``: (report id, hour erased)."""
        self._ensure()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_tombstones.c.report_id, _tombstones.c.erased_at)
                .where(_tombstones.c.report_id > after)
                .order_by(_tombstones.c.report_id)
                .limit(limit)
            ).all()
        return [(rid, at.replace(tzinfo=UTC)) for rid, at in rows]

    def counts(self) -> tuple[int, int]:
        """(erasure keys, tombstones) held."""
        self._ensure()
        with self.engine.connect() as conn:
            return (
                conn.scalar(select(func.count()).select_from(_keys)),
                conn.scalar(select(func.count()).select_from(_tombstones)),
            )

    def probe_write(self) -> None:
        """Write and commit one small row, so that a read-only or full store raises (readiness)."""
        self._ensure()
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        with self.engine.begin() as conn:
            done = conn.execute(update(_about).where(_about.c.name == "probe").values(value=stamp)).rowcount
            if not done:
                conn.execute(insert(_about), [{"name": "probe", "value": stamp}])


def session_info(store: ErasureKeyStore | None) -> dict:
    """What ``Session.info`` carries so that every session finds the key store."""
    return {STORE: store}


def store_of(session: Session) -> ErasureKeyStore:
    """The key store of ``session``; KeyUnavailable if none is configured (never a fallback)."""
    store = session.info.get(STORE)
    if store is None:
        raise KeyUnavailable("no erasure key store is configured (UGLY_MUGS_KEYSTORE_URL)")
    return store


def new_report_key(session: Session, report_id: str) -> ReportKey:
    """A fresh erasure key for a report about to be stored, ``report_id`` made for it just now
    (committed in the key store first). Raises IntegrityError if that id has a key already."""
    return ReportKey(report_id, store_of(session).create_new(report_id))


def report_keys(session: Session, report_ids: Iterable[str]) -> dict[str, ReportKey]:
    """The erasure keys of ``report_ids`` that can be had: keyed reports, and reports still
    pending migration (``key`` None). Erased reports and reports whose key is missing are left
    out; ``report_key`` says which is which."""
    ids = list(dict.fromkeys(report_ids))
    keys, erased = store_of(session).lookup(ids)
    found = {rid: ReportKey(rid, key) for rid, key in keys.items()}
    rest = [rid for rid in ids if rid not in keys and rid not in erased]
    for start in range(0, len(rest), BATCH):
        for rid in session.scalars(
            select(PendingErasureKey.report_id).where(PendingErasureKey.report_id.in_(rest[start : start + BATCH]))
        ):
            found[rid] = ReportKey(rid, None)
    return found


def report_key(session: Session, report_id: str) -> ReportKey:
    """The erasure key of ``report_id``. Raises ReportErased if it was erased (a tombstone), and
    ErasureKeyMissing if the key store holds neither its key nor a tombstone."""
    keys, erased = store_of(session).lookup([report_id])
    if report_id in keys:
        return ReportKey(report_id, keys[report_id])
    if report_id in erased:
        raise ReportErased(report_id)
    if session.get(PendingErasureKey, report_id) is not None:
        return ReportKey(report_id, None)
    raise ErasureKeyMissing(
        "a report has no erasure key in the key store: is UGLY_MUGS_KEYSTORE_URL this database's key store?"
    )


def is_erased(session: Session, report_id: str) -> bool:
    """Whether the key store holds a tombstone for ``report_id``."""
    return report_id in store_of(session).lookup([report_id])[1]
