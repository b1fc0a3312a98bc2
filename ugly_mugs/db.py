"""Database engine and sessions. Plain SQLAlchemy 2: the app keeps one engine, each request one session."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_MMAP_BYTES = 1 << 30


def make_engine(url: str, enforce_foreign_keys: bool = True) -> Engine:
    """An engine for ``url``. Migrations pass ``enforce_foreign_keys=False`` on SQLite, where
    rebuilding a table drops it, and a drop with foreign keys on would cascade-delete the
    rows that refer to it."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA foreign_keys={'ON' if enforce_foreign_keys else 'OFF'}")
            cursor.execute("PRAGMA journal_mode=WAL")
            # Erased data is overwritten, not merely unlinked, inside the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Reads through a memory map shared by every connection and worker, instead of a
            # read() call per page into each connection's own small cache: a year's monitoring
            # figures read tens of thousands of index pages.
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        return engine
    # JIT compilation pays off only for long analytical queries; the monitoring figures of a
    # year cross its cost threshold and spend longer compiling than counting.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={"options": "-c jit=off"})


def make_sessionmaker(engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """Sessions for ``engine``; ``info`` (the matching key and phone region) is in each ``Session.info``."""
    return sessionmaker(engine, expire_on_commit=False, info=dict(info or {}))


def ping(session: Session) -> None:
    """Raise if the database cannot answer a trivial query (used by ``/healthz``)."""
    session.execute(text("SELECT 1"))
