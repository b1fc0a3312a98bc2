"""Readiness that tells the truth: ``/readyz`` fails in each broken state and recovers.

Proves, on SQLite and PostgreSQL: a working instance is ready (every named check "ok"); each of
these makes ``/readyz`` answer 503 naming the failing check, while ``/healthz`` (liveness) stays
200 — the database opened read-only, the disk beside it too full, a matching key the stored
indexes were not made with, an audit key that did not make the log, a key store that is not the
database's, the schema behind the code, reports still waiting for erasure keys after migrating
up — and putting it right makes the same instance ready again; ``ops ready`` exits 1 and 0 alike.
"""

from __future__ import annotations

import secrets

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from tests.support.app import make_app
from tests.support.erasure import file
from ugly_mugs import audit, migrate


def ready(app) -> tuple[int, dict]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def failing(app) -> dict[str, str]:
    status, body = ready(app)
    assert status == 503, body
    assert body["status"] == "not ready"
    return {name: problem for name, problem in body["checks"].items() if problem != "ok"}


def assert_ready(app) -> None:
    status, body = ready(app)
    assert status == 200, body
    assert body == {"status": "ready", "checks": dict.fromkeys(body["checks"], "ok")}
    assert set(body["checks"]) == {
        "migrations",
        "database",
        "disk",
        "matching_key",
        "audit_key",
        "key_store",
        "erasure_keys",
    }


def alive(app) -> bool:
    return app.test_client().get("/healthz").status_code == 200


@pytest.fixture
def working(app, passphrase, db_session):
    """An instance with a report (with identifiers) and an authenticated audit entry."""
    file(app.test_client(), "Ready", "full")
    audit.record(db_session, "readiness_check")
    db_session.commit()
    assert_ready(app)
    return app


def read_only(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    return parsed.update_query_dict({"options": "-c default_transaction_read_only=on"}).render_as_string(
        hide_password=False
    )


def other_app(app, **overrides):
    return make_app(app.config["DATABASE_URL"], KEYSTORE_URL=app.config["KEYSTORE_URL"], **overrides)


BROKEN = {
    "read-only database": ("database", lambda app, tmp: {"DATABASE_URL": read_only(app.config["DATABASE_URL"])}),
    "disk too full": ("disk", lambda app, tmp: {"READINESS_MIN_FREE_MB": 1 << 40}),
    "wrong matching key": ("matching_key", lambda app, tmp: {"MATCHING_KEY": secrets.token_bytes(32)}),
    "wrong audit key": ("audit_key", lambda app, tmp: {"AUDIT_KEY": secrets.token_bytes(32)}),
    "wrong key store": ("key_store", lambda app, tmp: {"KEYSTORE_URL": f"sqlite:///{tmp / 'other-keys.sqlite3'}"}),
}


@pytest.mark.parametrize("state", list(BROKEN), ids=list(BROKEN))
def test_each_broken_state_fails_readiness_and_the_fixed_instance_is_ready_again(working, state, tmp_path):
    check, settings = BROKEN[state]
    overrides = {"KEYSTORE_URL": working.config["KEYSTORE_URL"], **settings(working, tmp_path)}
    broken = make_app(overrides.pop("DATABASE_URL", working.config["DATABASE_URL"]), **overrides)
    try:
        problems = failing(broken)
        assert check in problems, problems
        assert alive(broken) or check == "database", "liveness stays cheap and says nothing of this"
        runner = broken.test_cli_runner()
        result = runner.invoke(args=["ops", "ready"])
        assert result.exit_code == 1 and check in result.output
    finally:
        broken.extensions["ugly_mugs.engine"].dispose()
    # The instance configured right is ready.
    fixed = other_app(working)
    try:
        assert_ready(fixed)
        assert fixed.test_cli_runner().invoke(args=["ops", "ready"]).exit_code == 0
    finally:
        fixed.extensions["ugly_mugs.engine"].dispose()


ERASURE_KEYS_REVISION = "6e2b9d4f7a31"


def test_a_schema_behind_the_code_and_reports_waiting_for_erasure_keys_fail_readiness(working, runner):
    url = working.config["DATABASE_URL"]
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    head = script.get_revision(script.get_current_head())
    # Below the revision that introduced erasure keys, so that upgrading lists every report again.
    erasure_keys = script.get_revision(ERASURE_KEYS_REVISION)
    migrate.downgrade(url, erasure_keys.down_revision)
    try:
        problems = failing(working)
        assert list(problems) == ["migrations"], problems
        assert head.revision in problems["migrations"]
        assert alive(working)
    finally:
        migrate.upgrade(url)
    # Up again with alembic alone: every report is listed as waiting for its erasure key.
    assert list(failing(working)) == ["erasure_keys"]
    result = runner.invoke(args=["keys", "migrate-erasure"])
    assert result.exit_code == 0, result.output
    assert "0 reports wait for an erasure key" in result.output
    assert_ready(working)
