"""P7 through a database outage: PostgreSQL stopped for 20 s in the middle of a fanout.

The real worker (its own process) sends 600 emails to a real SMTP server on 127.0.0.1 that takes
a little while over each, from a PostgreSQL server of this test's own (the shared test server is
never stopped). When a sixth of them have gone the server is stopped for 20 s, then started
again. The worker never exits; afterwards every address has the message, with at most one
duplicate (the one send that was in hand when the marks could no longer be written).
Skipped only where Debian's PostgreSQL server binaries are missing.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from tests.promises.test_p7_no_alert_lost import pending, start_worker, stop, wait_for
from tests.support import private_postgres
from tests.support.alerting import many_recipients, publish_message
from tests.support.app import make_app
from tests.support.mailsink import HangingSink, smtp_server
from ugly_mugs import migrate
from ugly_mugs.keys import keystore

pytestmark = pytest.mark.skipif(not private_postgres.available(), reason="PostgreSQL server binaries are missing")

OUTAGE_SECONDS = 20


@pytest.fixture
def server():
    with private_postgres.private_server() as running:
        yield running


def test_the_worker_survives_postgresql_stopped_mid_dispatch(server, tmp_path):
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE outage"))
    admin.dispose()
    url = server.url.rsplit("/", 1)[0] + "/outage"
    migrate.upgrade(url)
    app = make_app(url)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()
        addresses = many_recipients(session, 100, 6)
        message = publish_message(session, ["holbeck"], "Silver car", "He threatens with a knife.")
    message_id = f"<{message.message_id}@localhost>"
    log = tmp_path / "worker.log"
    sink = HangingSink(pause=0.02)
    with smtp_server(sink) as (_, port):
        worker = start_worker(
            url, port, log, extra={"DELIVERY_LEASE_SECONDS": "300", "DELIVERY_DB_RETRY_MAX_SECONDS": "2"}
        )
        try:
            wait_for(lambda: sink.total >= len(addresses) // 6, 90, "the fanout to be under way", log)
            server.stop()
            stopped = time.monotonic()
            assert sink.total < len(addresses), "the fanout ended before the outage; it proves nothing"
            while time.monotonic() - stopped < OUTAGE_SECONDS:
                assert worker.poll() is None, f"the worker exited during the outage:\n{log.read_text()[-3000:]}"
                time.sleep(0.2)
            server.start()
            wait_for(lambda: pending(app) == 0, 120, "every delivery to be marked", log)
            assert worker.poll() is None, "the worker exited"
        finally:
            stop(worker)
            app.extensions["ugly_mugs.engine"].dispose()
        counts = dict(sink.counts)
    assert {a for a, m in counts if m == message_id} == set(addresses)
    assert sum(n - 1 for n in counts.values()) <= 1
    text_of_log = log.read_text()
    assert "database unavailable" in text_of_log
    assert "example.org" not in text_of_log and "Silver car" not in text_of_log
