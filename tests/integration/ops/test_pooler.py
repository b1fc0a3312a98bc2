"""The app works through PgBouncer in transaction pooling mode, and leaves nothing behind on a
server connection that another client could inherit.

A real PgBouncer (Debian's) runs in front of the test PostgreSQL server with two server
connections for all clients. Through it: the app connects (no startup options), files a report,
reads it back with the receipt code, counts a wrong code, computes the monitoring figures with
JIT off for that transaction only, and dispatches a published alert by email with
``synchronous_commit`` off for each mark's transaction only. A control proves the pooler really
shares server connections: psycopg's prepared statements break through it unless switched off.
Runs only against PostgreSQL (UGLY_MUGS_TEST_DATABASE_URL) and when pgbouncer is installed
(``make pgbouncer``).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support import pgbouncer
from tests.support.alerting import make_project, publish_message
from tests.support.app import TEST_DATABASE_URL, keystore_url_for, minimal_report, new_postgres_database
from tests.support.mailsink import smtp_server
from ugly_mugs import create_app, migrate
from ugly_mugs.db import make_engine, set_local, set_local_on_begin
from ugly_mugs.keys import keystore
from ugly_mugs.models import Delivery, Report
from ugly_mugs.stats import queries
from ugly_mugs.stats.periods import period_for

pytestmark = [
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (UGLY_MUGS_TEST_DATABASE_URL)"),
    pytest.mark.skipif(not pgbouncer.available(), reason="pgbouncer is not installed (make pgbouncer)"),
]


@pytest.fixture(scope="module")
def own_database():
    """A migrated database of this module's own on the test server (reached directly)."""
    with new_postgres_database("pgb") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def bouncer(own_database):
    with pgbouncer.running_pgbouncer(own_database) as (host, port):
        yield pgbouncer.through(own_database, host, port)


@pytest.fixture
def pooled_app(bouncer):
    settings = {"DATABASE_URL": bouncer, "DATABASE_POOLED": True, "SECRET_KEY": "p" * 64}
    app = create_app(overrides={**settings, "KEYSTORE_URL": keystore_url_for(bouncer)}, env={})
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        if not keystore.is_set_up(session):
            keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
            session.commit()
    yield app
    app.extensions["ugly_mugs.engine"].dispose()


def _setting(url: str, name: str) -> str:
    """``SHOW name`` on a fresh pooled connection: what a next client would inherit."""
    engine = make_engine(url, pooled=True)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SHOW {name}")).scalar_one()
    finally:
        engine.dispose()


def test_the_pooler_refuses_startup_options_so_the_app_sends_none(bouncer):
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(make_url(bouncer).set(drivername="postgresql").render_as_string(), options="-c jit=off")
    assert _setting(bouncer, "server_version")


def test_file_read_back_and_throttle_through_the_pooler(pooled_app):
    client = pooled_app.test_client()
    filed = client.post("/api/v1/reports", json=minimal_report())
    assert filed.status_code == 201, filed.get_data(as_text=True)
    code = filed.get_json()["receipt_code"]
    for _ in range(8):  # the same statements again and again: prepared statements would show here
        answer = client.post("/api/v1/receipt/status", json={"receipt_code": code})
        assert answer.status_code == 200
        assert answer.get_json()["reference"] == filed.get_json()["reference"]
    assert client.post("/api/v1/receipt/status", json={"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"}).status_code == 404
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert session.scalar(select(Report.reference).where(Report.reference == filed.get_json()["reference"]))


def test_idempotent_filing_through_the_pooler(pooled_app):
    """The key's advisory lock is transaction-level: it holds and is released behind PgBouncer in
    transaction mode, where a session-level lock would stay on a server connection others get."""
    client = pooled_app.test_client()
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        before = session.scalar(select(func.count()).select_from(Report))
    key = "pooled-" + secrets.token_hex(12)
    answers = [
        client.post("/api/v1/reports", json=minimal_report(), headers={"Idempotency-Key": key}) for _ in range(6)
    ]
    assert {a.status_code for a in answers} == {201}
    assert all(a.get_json() == answers[0].get_json() for a in answers)
    other = client.post("/api/v1/reports", json=minimal_report(what_happened="Else."), headers={"Idempotency-Key": key})
    assert other.status_code == 422
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == before + 1


def test_monitoring_figures_turn_jit_off_for_their_transaction_only(pooled_app, bouncer):
    today = date.today()
    period = period_for("month", today.replace(day=1))
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        counts = queries.count_period(session, period)
        assert counts.period == period
        assert session.execute(text("SHOW jit")).scalar_one() == "off"
        session.commit()
        assert session.execute(text("SHOW jit")).scalar_one() == "on"
    assert _setting(bouncer, "jit") == "on"


def test_set_local_on_begin_holds_for_each_transaction_of_that_connection_only(bouncer):
    engine = make_engine(bouncer, pooled=True)
    try:
        with engine.connect() as marks, engine.connect() as other:
            set_local_on_begin(marks, "synchronous_commit", "off")
            for _ in range(3):  # every transaction this connection begins
                assert marks.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
                assert other.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
                marks.commit()
                other.commit()
    finally:
        engine.dispose()
    assert _setting(bouncer, "synchronous_commit") == "on"


def test_set_local_refuses_what_it_does_not_know(pooled_app):
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session, pytest.raises(ValueError):
        set_local(session, "search_path", "evil")


def test_publish_and_dispatch_through_the_pooler_leaves_synchronous_commit_alone(pooled_app, bouncer):
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        make_project(session, "Basis", areas=["holbeck"], emails=["drop-in@basis.example"])
        make_project(session, "Second", areas=["holbeck"], emails=["second@basis.example"])
        publish_message(session, ["holbeck"], "Silver car", "He offers a lift then threatens.")
        session.commit()
    with smtp_server() as (sink, port):
        config = {**pooled_app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
        tally = Dispatcher(pooled_app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once()
    assert (tally.delivered, tally.failed) == (2, 0)
    assert sorted(r for rcpts, _mail, _tls in sink.messages for r in rcpts) == [
        "drop-in@basis.example",
        "second@basis.example",
    ]
    with pooled_app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert set(session.scalars(select(Delivery.status))) == {"delivered"}
    for _ in range(4):  # every server connection of the pool
        assert _setting(bouncer, "synchronous_commit") == "on"


def test_control_prepared_statements_break_through_the_pooler_unless_switched_off(bouncer):
    """Proves the fixture is a real transaction-mode pooler: two clients sharing one server
    connection collide on psycopg's automatically prepared statements."""
    url = make_url(bouncer).set(drivername="postgresql").render_as_string(hide_password=False)
    query = "SELECT count(*) FROM report WHERE received_at > %s"
    since = date.today() - timedelta(days=1)

    def run(prepare_threshold):
        first = psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold)
        second = psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold)
        try:
            for _ in range(6):
                for conn in (first, second):
                    conn.execute(query, (since,)).fetchone()
        finally:
            first.close()
            second.close()

    with pytest.raises(psycopg.errors.DatabaseError):
        run(0)  # prepare at once
    run(None)
