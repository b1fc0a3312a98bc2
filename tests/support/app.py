"""Building the app for a test and the small steps most tests share: a fresh PostgreSQL schema,
a form token from a reporter page, a minimal valid report."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import config
from ugly_mugs import create_app


def _for_this_worker(url: str | None) -> str | None:
    """``url`` with the database name of this pytest-xdist worker (``test`` → ``test_gw0``), so
    that workers running side by side never empty each other's tables; ``url`` itself when the
    tests run in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


# CI sets it to a PostgreSQL URL; unset, every test runs on its own SQLite file.
CONFIGURED_DATABASE_URL = os.environ.get("UGLY_MUGS_TEST_DATABASE_URL")
TEST_DATABASE_URL = _for_this_worker(CONFIGURED_DATABASE_URL)


def reset_postgres(url: str) -> None:
    """Make the PostgreSQL database at ``url`` exist and be empty (an empty ``public`` schema);
    a worker's database is created from the configured one's server on first use."""
    admin = create_engine(CONFIGURED_DATABASE_URL or url, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def new_postgres_database(prefix: str, server_url: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server (``server_url``, by default the one
    UGLY_MUGS_TEST_DATABASE_URL names), named ``prefix`` and a random suffix: yields its URL and
    drops it afterwards, whoever is still connected."""
    server = make_url(server_url or TEST_DATABASE_URL)
    name = f"{prefix}_{secrets.token_hex(6)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# How long emptying the test database waits for another connection's locks before it ends
# connections that a test left idle inside a transaction.
LOCK_WAIT = "5s"
LOCK_NOT_AVAILABLE = "55P03"


def empty_postgres(url: str, tables: list[str]) -> None:
    """Empty ``tables`` (names, in dependency order) of the PostgreSQL database at ``url``.

    A test that never closed a session leaves its connection idle inside a transaction, holding
    locks that TRUNCATE would wait on for ever (until garbage collection happens to close it).
    After ``LOCK_WAIT`` such connections to this database are ended, a warning names what they
    last ran, and the emptying is tried once more; a lock held by a busy connection is an error.

    Raises sqlalchemy.exc.OperationalError when the tables stay locked.
    """
    statement = text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
    engine = create_engine(url)
    try:
        for attempt in range(2):
            try:
                with engine.begin() as conn:
                    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
                    conn.execute(statement)
                return
            except OperationalError as error:
                if attempt or getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                with engine.connect() as conn:
                    ended = conn.execute(
                        text(
                            "SELECT query, pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                            "AND state LIKE 'idle in transaction%'"
                        )
                    ).all()
                warnings.warn(
                    f"a test left {len(ended)} connection(s) inside a transaction; ended, last ran: "
                    + "; ".join(query for query, _ in ended),
                    stacklevel=2,
                )
    finally:
        engine.dispose()


# Key stores of PostgreSQL test databases (many are made and dropped): in the system's temporary
# directory, not in the checkout's instance/ where a development key store would go.
TEST_KEYSTORES = Path(tempfile.gettempdir()) / "ugly-mugs-test-keystores"


def keystore_url_for(database_url: str) -> str:
    """The erasure key store of a test database: beside a SQLite file (as in development), or a
    SQLite file named after a PostgreSQL database. Subprocesses get it as UGLY_MUGS_KEYSTORE_URL."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return config.default_keystore_url(database_url)
    return f"sqlite:///{TEST_KEYSTORES / (str(url.database) + '.sqlite3')}"


# Tests about something else file many reports from one address in one app (Hypothesis over
# every door, the OpenAPI properties): the filing quota is out of their way. The tests of the
# limits (tests/integration/ops/test_shared_limits.py, tests/integration/api/) set their own.
ROOMY_FILING = {"FILING_CLIENT_LIMIT": 100_000, "FILING_GLOBAL_LIMIT": 1_000_000}


def make_app(database_url: str, **overrides):
    settings = {
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "KEYSTORE_URL": keystore_url_for(database_url),
        **ROOMY_FILING,
        **overrides,
    }
    return create_app(overrides=settings, env={})


TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def form_token(client, path: str = "/report") -> str:
    page = client.get(path).get_data(as_text=True)
    return TOKEN.search(page).group(1)


def minimal_report(**fields) -> dict:
    data = {
        "incident_date": "2026-11-20",
        "area": "holbeck",
        "what_happened": "He hit me.",
        "consent_level": "alert_only",
    }
    data.update(fields)
    return data
