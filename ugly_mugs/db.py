"""Database engine and sessions. Plain SQLAlchemy 2: the app keeps one engine, each request one session."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

SQLITE_MMAP_BYTES = 1 << 30


def make_engine(url: str, enforce_foreign_keys: bool = True, pooled: bool = False) -> Engine:
    """An engine for ``url``. Migrations pass ``enforce_foreign_keys=False`` on SQLite, where
    rebuilding a table drops it, and a drop with foreign keys on would cascade-delete the
    rows that refer to it. ``pooled``: PostgreSQL is reached through a pooler in transaction
    mode (PgBouncer), so no server-side prepared statements."""
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
    # No startup options (a connection pooler such as PgBouncer refuses them, or drops them
    # silently when told to ignore them): settings are made per transaction with SET LOCAL
    # (``set_local``). Behind a pooler in transaction mode a server connection serves another
    # client after each transaction, so psycopg's server-side prepared statements must be off
    # (``prepare_threshold=None``, psycopg 3 "Server-side binding" and PgBouncer notes).
    connect_args = {"prepare_threshold": None} if pooled else {}
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args)


# Settings that ``set_local`` may make: name -> values allowed (they are written into the SQL).
LOCAL_SETTINGS = {"jit": {"off", "on"}, "synchronous_commit": {"off", "local", "on"}}


def set_local(connection: Session | Connection, name: str, value: str) -> None:
    """``SET LOCAL name = value`` on PostgreSQL for the current transaction only (beginning one
    if none is open); nothing on other databases. Safe behind a pooler in transaction mode,
    where a session-level SET would leak to whoever gets the server connection next.

    Raises ValueError for a setting or value not in LOCAL_SETTINGS."""
    if value not in LOCAL_SETTINGS.get(name, ()):
        raise ValueError(f"{name}={value} is not a setting set_local makes")
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL {name} = {value}"))


def set_local_on_begin(connection: Connection, name: str, value: str) -> None:
    """Make ``set_local(name, value)`` the first statement of every transaction ``connection``
    begins from now on (PostgreSQL; nothing elsewhere)."""
    if value not in LOCAL_SETTINGS.get(name, ()):
        raise ValueError(f"{name}={value} is not a setting set_local makes")
    if connection.dialect.name != "postgresql":
        return

    @event.listens_for(connection, "begin")
    def _begin(conn: Connection) -> None:
        # The DBAPI connection opens its transaction with this statement (psycopg begins
        # implicitly), so the setting holds for exactly this transaction.
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.execute(f"SET LOCAL {name} = {value}")
        finally:
            cursor.close()


def upsert_insert(dialect_name: str, table: Table):
    """An ``INSERT`` into ``table`` that takes ``ON CONFLICT`` clauses (``on_conflict_do_update``,
    ``on_conflict_do_nothing``) in the SQL of ``dialect_name`` ("postgresql" or "sqlite", the two
    databases the scheme runs on: both have ``INSERT … ON CONFLICT``).

    Raises ValueError for any other dialect."""
    dialects = {"postgresql": postgresql, "sqlite": sqlite}
    if dialect_name not in dialects:
        raise ValueError(f"no upsert for the {dialect_name} dialect")
    return dialects[dialect_name].insert(table)


def make_sessionmaker(engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """Sessions for ``engine``; ``info`` (keys, settings: ``ugly_mugs.session_info``) is in each ``Session.info``."""
    maker = sessionmaker(engine, expire_on_commit=False, info=dict(info or {}))
    # The monitoring figures' counts per day change in the transaction of what they count.
    from ugly_mugs.stats import rollup

    rollup.install(maker)
    return maker


def ping(session: Session) -> None:
    """Raise if the database cannot answer a trivial query (used by ``/healthz``)."""
    session.execute(text("SELECT 1"))


def database_now(connection: Session | Connection) -> datetime:
    """The database server's clock (UTC, timezone-aware): what leases and retry times are reckoned
    from, so that hosts whose clocks disagree still agree on when a delivery is due and when a
    lease ends. SQLite is embedded in this process: its clock is this host's."""
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        value = connection.execute(text("SELECT statement_timestamp()")).scalar_one()
        return value.astimezone(UTC)
    return datetime.now(UTC)
