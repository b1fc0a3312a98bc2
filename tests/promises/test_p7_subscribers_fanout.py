"""P7 for individual subscribers: killing the worker mid-fan-out to 2,000 text-message subscribers
through real Kannel loses none and repeats at most one per kill.

The real worker (``flask --app wsgi alerts dispatch --loop`` in its own process) sends through
Kannel's sendsms to the fake phone network; it is SIGKILLed twice mid-fan-out and started again.
Every text goes through the one gateway lane, one request at a time, so a kill can leave at most
the one text in flight unmarked: sent again once its lease runs out. The phone's record is
counted per number.
"""

from __future__ import annotations

import signal
from collections import Counter

import pytest

from tests.promises.test_p7_no_alert_lost import isolated as isolated_fixture
from tests.promises.test_p7_no_alert_lost import (
    pending,
    private_database_url,  # noqa: F401 - the fixture isolated uses
    start_worker,
    stop,
    wait_for,
)
from tests.support.alerting import publish_message
from tests.support.kannel import inbound_receiver, running_kannel, wait_until
from tests.support.mailsink import smtp_server
from tests.support.subscribers import many_subscribers

pytestmark = pytest.mark.kannel
isolated = isolated_fixture
SUBSCRIBERS = 2000
DEADLINE = 180


def test_killed_worker_loses_no_text_and_repeats_at_most_one_per_kill(isolated, tmp_path):  # noqa: F811
    app, db_session, database_url = isolated
    numbers = many_subscribers(db_session, SUBSCRIBERS)
    publish_message(db_session, ["holbeck"], "Silver car, reg KR 12345", "He threatens with a knife.")
    log = tmp_path / "worker.log"
    (tmp_path / "kannel").mkdir()
    kills = 0
    with (
        inbound_receiver() as (url, _recorder),
        running_kannel(tmp_path / "kannel", url + "/mo") as k,
        smtp_server() as (
            _sink,
            port,
        ),
    ):
        extra = {
            "SUBSCRIPTIONS": "true",
            "KANNEL_SENDSMS_URL": k.sendsms_url,
            "KANNEL_USERNAME": k.username,
            "KANNEL_PASSWORD": k.password,
            "PUBLIC_URL": "https://um.example",
        }

        def on_phone() -> int:
            return len(k.sent_messages())

        workers = []
        try:
            for mark in (SUBSCRIBERS // 4, SUBSCRIBERS // 2):
                worker = start_worker(database_url, port, log, extra)
                workers.append(worker)
                wait_for(lambda mark=mark: on_phone() >= mark, 120, f"{mark} texts", log)
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                kills += 1
                assert on_phone() < SUBSCRIBERS, "the fan-out ended before the kill; it proves nothing"
            worker = start_worker(database_url, port, log, extra)
            workers.append(worker)
            wait_for(lambda: pending(app) == 0, DEADLINE, "every delivery to be marked", log)
        finally:
            for worker in workers:
                stop(worker)
        wait_until(lambda: on_phone() >= SUBSCRIBERS, 60, "every text on the phone")
        counts = Counter(m.to for m in k.sent_messages())
    assert set(counts) == set(numbers), f"{len(set(numbers) - set(counts))} subscribers got nothing"
    duplicates = sum(n - 1 for n in counts.values())
    assert max(counts.values()) <= 1 + kills
    assert duplicates <= kills, f"{duplicates} duplicates after {kills} kills"
    # The worker's log names no number and no text.
    text = log.read_text()
    assert "batch of" in text and "+447400" not in text and "knife" not in text
