"""Shared fixtures: ``app``, ``client``, ``runner``, and a migrated database per test.

SQLite by default: the schema is migrated once into a template file that each test
copies. With UGLY_MUGS_TEST_DATABASE_URL set (CI sets a PostgreSQL URL), the same tests
run against that database, migrated once and emptied after every test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from tests.support.app import TEST_DATABASE_URL, empty_postgres, make_app, reset_postgres
from ugly_mugs import migrate
from ugly_mugs.keys import keystore
from ugly_mugs.models import Base

# Property tests check answers, never speed: Hypothesis's default 200 ms deadline fails a test
# whose first example pays a one-off cost (a table loaded, a module imported) on a busy machine.
# Speed is measured by the benchmarks in bench/.
settings.register_profile("ugly-mugs", deadline=None)
settings.load_profile("ugly-mugs")


# Parameters that are long strings (keys, tokens, secrets made with ``secrets`` at import) get
# an id by position, not by value: the workers of pytest-xdist each import the test modules and
# must collect the very same test ids, and a key has no place in a test's name anyway.
LONG_PARAMETER = 32


def pytest_make_parametrize_id(config, val, argname):
    if isinstance(val, str | bytes) and len(val) > LONG_PARAMETER:
        return f"{argname}-long"
    return None


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> str:
    """A migrated database: a SQLite template file path, or the PostgreSQL URL."""
    if TEST_DATABASE_URL:
        reset_postgres(TEST_DATABASE_URL)
        migrate.upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(template_database, tmp_path) -> str:
    if TEST_DATABASE_URL:
        yield TEST_DATABASE_URL
        empty_postgres(TEST_DATABASE_URL, [t.name for t in Base.metadata.sorted_tables])
        return
    path = tmp_path / "ugly_mugs.sqlite3"
    shutil.copyfile(template_database, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    session = app.extensions["ugly_mugs.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def passphrase(app) -> str:
    """Set the installation up (scheme key, areas, unit keys) and return the recovery passphrase."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        phrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()
    return phrase


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def clock():
    """Real time that tests can move forward (TOTP steps, session timeouts)."""
    import time

    import time_machine

    with time_machine.travel(time.time(), tick=True) as traveller:
        yield traveller
