"""P7: no alert is lost or sent twice when a dispatch worker dies.

A looping worker (the real ``flask --app wsgi alerts dispatch --loop`` in its own process) is
SIGKILLed twice in the middle of a 2,000-recipient fanout and started again; an aiosmtpd sink
in this process counts each recipient's messages by Message-ID. Every recipient gets every
message, and no one gets it more than once more per kill (a kill between the mail server taking a
transaction and its mark repeats that transaction: at most ``UGLY_MUGS_SMTP_MAX_RECIPIENTS``
recipients, one copy each). On PostgreSQL, two workers running at once never
send the same delivery. Everything is on 127.0.0.1 and bounded in time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.alerting import many_recipients, publish_message
from tests.support.app import TEST_DATABASE_URL, keystore_url_for, make_app, new_postgres_database
from tests.support.mailsink import Sink, smtp_server
from tests.support.source import ROOT
from ugly_mugs import migrate
from ugly_mugs.keys import keystore
from ugly_mugs.models import Alert, Delivery

DEADLINE = 120  # seconds for the whole fanout after the last (re)start


@pytest.fixture
def private_database_url(database_url):
    """On PostgreSQL a database of this test's own: the workers drain every due delivery they can
    see, and must not see (or be seen by) other tests sharing the test database."""
    if not TEST_DATABASE_URL:
        yield database_url
        return
    with new_postgres_database("dispatch") as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def isolated(private_database_url):
    """An app and a session on the private database, with the installation's areas set up."""
    app = make_app(private_database_url)
    session = app.extensions["ugly_mugs.sessionmaker"]()
    keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
    session.commit()
    yield app, session, private_database_url
    session.close()
    app.extensions["ugly_mugs.engine"].dispose()


def start_worker(database_url: str, smtp_port: int, log: Path, extra: dict[str, str] | None = None) -> subprocess.Popen:
    """The real worker in its own process; ``extra``: more UGLY_MUGS_* settings (without the prefix)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UGLY_MUGS_")}
    env.update(
        {
            "UGLY_MUGS_DATABASE_URL": database_url,
            "UGLY_MUGS_KEYSTORE_URL": keystore_url_for(database_url),
            "UGLY_MUGS_SECRET_KEY": "k" * 64,
            "UGLY_MUGS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            # Short leases so the restarted worker takes over a killed worker's rows quickly.
            "UGLY_MUGS_DELIVERY_LEASE_SECONDS": "3",
            "UGLY_MUGS_DELIVERY_BATCH_SIZE": "50",
            "PYTHONUNBUFFERED": "1",
            **{f"UGLY_MUGS_{k}": v for k, v in (extra or {}).items()},
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "alerts", "dispatch", "--loop", "--idle-seconds", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def pending(app) -> int:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status != "delivered"))


def fanout(db_session, recipients_per_project: int = 10, projects: int = 200):
    addresses = many_recipients(db_session, projects, recipients_per_project)
    first = publish_message(db_session, ["holbeck"], "Silver car", "He threatens with a knife.")
    update = publish_message(
        db_session, ["holbeck"], "Silver car", "Seen again.", kind="update", alert=db_session.get(Alert, first.alert_id)
    )
    return addresses, [f"<{m.message_id}@localhost>" for m in (first, update)]


def test_killed_worker_loses_nothing_and_repeats_at_most_one(isolated, tmp_path):
    app, db_session, database_url = isolated
    addresses, message_ids = fanout(db_session)
    assert len(addresses) == 2000
    total = len(addresses) * len(message_ids)
    log = tmp_path / "worker.log"
    kills = 0
    with smtp_server(Sink(keep=False)) as (sink, port):
        workers = []
        try:
            for mark in (total // 4, total // 2):
                worker = start_worker(database_url, port, log)
                workers.append(worker)
                wait_for(lambda mark=mark: sink.total >= mark, 90, f"{mark} messages", log)
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                kills += 1
                assert sink.total < total, "the fanout ended before the kill; it proves nothing"
            worker = start_worker(database_url, port, log)
            workers.append(worker)
            wait_for(lambda: pending(app) == 0, DEADLINE, "every delivery to be marked", log)
        finally:
            for worker in workers:
                stop(worker)
        counts = dict(sink.counts)
    missing = [(a, m) for a in addresses for m in message_ids if counts.get((a, m), 0) == 0]
    assert missing == []
    # A kill can land after the mail server took a transaction and before its mark committed:
    # that one transaction (at most SMTP_MAX_RECIPIENTS recipients, a copy each) goes again. So
    # nobody gets a message more than once more per kill, and per kill at most one transaction's
    # recipients get it twice.
    duplicates = sum(n - 1 for n in counts.values())
    assert max(counts.values()) <= 1 + kills, f"one recipient got a message {max(counts.values())} times"
    assert duplicates <= kills * app.config["SMTP_MAX_RECIPIENTS"], f"{duplicates} duplicates after {kills} kills"
    assert set(counts) == {(a, m) for a in addresses for m in message_ids}
    # The worker's log holds counts and delivery ids: no address, no message text.
    text = log.read_text()
    assert "batch of" in text
    assert "example.org" not in text and "Silver car" not in text and "knife" not in text


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="several workers share the outbox on PostgreSQL only")
def test_two_workers_never_send_the_same_delivery(isolated, tmp_path):
    app, db_session, database_url = isolated
    addresses, message_ids = fanout(db_session)
    total = len(addresses) * len(message_ids)
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    with smtp_server(Sink(keep=False)) as (sink, port):
        workers = [start_worker(database_url, port, log) for log in logs]
        try:
            wait_for(lambda: pending(app) == 0, DEADLINE, "every delivery to be marked", logs[0])
            wait_for(lambda: sink.total >= total, 10, "the sink to count every message", logs[0])
        finally:
            for worker in workers:
                stop(worker)
        counts = dict(sink.counts)
    assert sum(counts.values()) == total
    assert all(n == 1 for n in counts.values())
    assert set(counts) == {(a, m) for a in addresses for m in message_ids}
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        by_worker = session.execute(
            select(func.count()).select_from(Delivery).where(Delivery.status == "delivered")
        ).scalar()
    assert by_worker == total
    # Both took part (each log reports batches), so the test did exercise sharing.
    assert all("batch of" in log.read_text() for log in logs)
