"""P7: no destination — broken, slow or hostile — stops or delays delivery to the others.

The real worker (``flask --app wsgi alerts dispatch --loop`` in its own process) runs against a
real SMTP server and real HTTP servers, all on 127.0.0.1. One project has a poisoned destination
of every kind the worker has met: a webhook host that is not ASCII (and does not resolve), a
server that answers with an SSH banner instead of HTTP, one that trickles its answer a byte at a
time, one that answers 500 for ever, and an email domain on which the SMTP server hangs. Another
project has a healthy email address and webhook, and a webhook URL whose path is not ASCII.

The healthy project gets every alert before any poisoned destination could have cost a deadline
(they go at once, in their own lanes); the worker never exits; every poisoned delivery ends up
failed with its reason on the failed-deliveries page, and the healthy ones are delivered once.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from tests.integration.alerts.test_dispatch_isolation import SECRET
from tests.promises.test_p7_no_alert_lost import start_worker, stop, wait_for
from tests.support.alerting import make_project, publish_message
from tests.support.mailsink import HangingSink, smtp_server
from tests.support.staff import create, login
from tests.support.webhook_receiver import Receiver, banner_server, trickling_server, webhook_server
from ugly_mugs.models import Delivery, DispatchWorker, ProjectChannel

# Seconds one attempt may take (webhook and SMTP alike) in this test.
DEADLINE = 4
POISON = {
    "DELIVERY_MAX_ATTEMPTS": "2",
    "DELIVERY_RETRY_SECONDS": "1",
    "WEBHOOK_TIMEOUT": str(DEADLINE),
    "SMTP_TIMEOUT": str(DEADLINE),
    "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
    "DELIVERY_LEASE_SECONDS": "60",
}


def states(app) -> dict[str, tuple[str, str | None, int]]:
    """Each channel's target -> (status, last error, tries) of its deliveries (the latest message's)."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        found = session.execute(
            select(ProjectChannel.target, Delivery.status, Delivery.last_error, Delivery.attempts)
            .join(Delivery, Delivery.channel_id == ProjectChannel.id)
            .order_by(Delivery.id)
        ).all()
    return {target: (status, error, attempts) for target, status, error, attempts in found}


def statuses(app) -> list[str]:
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        return list(session.scalars(select(Delivery.status)))


def test_poisoned_destinations_neither_stop_nor_delay_a_healthy_project(
    app, db_session, passphrase, database_url, tmp_path, clock
):
    healthy_hook, failing_hook = Receiver(SECRET), Receiver(SECRET, status=500)
    sink = HangingSink(hang={"stuck.example"})
    log = tmp_path / "worker.log"
    with (
        smtp_server(sink) as (_, smtp_port),
        webhook_server(healthy_hook) as healthy_url,
        webhook_server(failing_hook) as failing_url,
        trickling_server() as trickle,
        banner_server() as banner,
    ):
        unicode_path = healthy_url + "/powiadomienia/ostrzeżenia"
        poisoned = {
            "http://ostrzeżenia.invalid/hook": "refused destination: the host name could not be resolved",
            f"http://127.0.0.1:{banner.port}/hook": "the answer is not HTTP: BadStatusLine",
            f"http://127.0.0.1:{trickle.port}/hook": f"no whole answer within {DEADLINE} s",
            failing_url: "HTTP 500",
            "drop-in@stuck.example": f"SMTP server silent for {DEADLINE} s",
        }
        make_project(
            db_session,
            "Poisoned",
            areas=["holbeck"],
            emails=["drop-in@stuck.example"],
            webhooks=[(url, SECRET) for url in poisoned if url.startswith("http")],
        )
        make_project(
            db_session,
            "Healthy",
            areas=["holbeck"],
            emails=["alerts@healthy.example"],
            webhooks=[(healthy_url, SECRET), (unicode_path, SECRET)],
        )
        db_session.commit()
        worker = start_worker(database_url, smtp_port, log, extra=POISON)
        try:
            # Publish once the worker is up, so that the time measured is delivery's alone.
            wait_for(lambda: db_session.scalar(select(DispatchWorker.id)) is not None, 60, "the worker to start", log)
            messages = [publish_message(db_session, ["holbeck"], f"Alert {n}", "He threatens.") for n in (1, 2)]
            published = time.monotonic()
            wait_for(
                lambda: sink.received("alerts@healthy.example") == 2 and len(healthy_hook.requests) == 4,
                30,
                "the healthy project's alerts",
                log,
            )
            healthy_took = time.monotonic() - published
            # Every healthy delivery arrived before a single poisoned attempt could have run out.
            assert healthy_took < DEADLINE, f"the healthy project waited {healthy_took:.1f} s"
            wait_for(lambda: set(statuses(app)) == {"delivered", "failed"}, 60, "every delivery to be marked", log)
            assert worker.poll() is None, "the worker exited"
        finally:
            stop(worker)
        assert worker.returncode == 0
    ids = sorted(m.message_id for m in messages)
    assert sorted(r["json"]["message_id"] for r in healthy_hook.requests if r["path"] == "/hook") == ids
    unicode_requests = [r for r in healthy_hook.requests if r["path"] != "/hook"]
    assert [r["path"] for r in unicode_requests] == ["/hook/powiadomienia/ostrze%C5%BCenia"] * 2
    assert all(r["verified"] and r["standard_verified"] for r in healthy_hook.requests)
    found = states(app)
    for target in ("alerts@healthy.example", healthy_url, unicode_path):
        assert found[target] == ("delivered", None, 1), target
    for target, reason in poisoned.items():
        assert found[target][:2] == ("failed", reason), (target, found[target])
    # The failed-deliveries page shows each, with its reason.
    admin = create(app, "root", "admin")
    client = app.test_client()
    login(client, admin)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    for reason in poisoned.values():
        assert reason in page
    assert "Traceback" not in log.read_text()
