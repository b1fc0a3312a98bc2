"""No destination can abuse the worker or stop it, tried with the worker in this process against
real servers on 127.0.0.1: every spelling of a refused address is refused on the project page
and again at send (nothing connects), a name is connected to at the address checked with its
own Host header, failed deliveries go back in bulk from the page and the command line, the
page and /healthz/delivery show a dead worker and the oldest due delivery, marks set
``synchronous_commit`` per transaction only, and leases go by the database's clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.app import TEST_DATABASE_URL
from tests.support.staff import create, csrf, login
from tests.support.webhook_receiver import Receiver, silent_server, webhook_server
from ugly_mugs.db import database_now
from ugly_mugs.models import AuditEntry, Delivery, DispatchWorker, ProjectChannel
from ugly_mugs.models.base import utcnow

SECRET = "whsec_" + "c2VjcmV0LW9mLXRoZS1yZWNlaXZpbmctcHJvamVjdA=="

# Spellings of this machine's addresses (the silent server listens on 127.0.0.1:<port>).
SPELLINGS = [
    "http://127.0.0.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0x7f000001:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://127.1:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://localhost:{port}/hook",
    "http://0.0.0.0:{port}/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3:{port}/hook",
]


def dispatcher(app, **overrides) -> Dispatcher:
    config = {**app.config, "SMTP_URL": "smtp://127.0.0.1:9", "WEBHOOK_TIMEOUT": 2, **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config))


def rows(db_session) -> list[Delivery]:
    db_session.expire_all()
    return list(db_session.scalars(select(Delivery).order_by(Delivery.id)))


@pytest.fixture
def manager(app, passphrase, clock):
    user = create(app, "carla", "coordinator")
    client = app.test_client()
    login(client, user)
    return client


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_is_refused_on_the_project_page(manager, db_session, spelling):
    project = make_project(db_session, "Basis", areas=["holbeck"])
    db_session.commit()
    url = spelling.format(port=8080)
    response = manager.post(
        f"/projects/{project.id}/channels/webhook",
        data={"url": url, "csrf_token": csrf(manager, f"/projects/{project.id}")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Alerts cannot be sent to this address" in page
    assert db_session.scalar(select(func.count()).select_from(ProjectChannel)) == 0


def test_every_spelling_is_refused_at_send_and_nothing_connects(app, db_session, passphrase):
    with silent_server() as server:
        urls = [spelling.format(port=server.port) for spelling in SPELLINGS]
        # Written as an older release (or someone with database access) could have stored them.
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(u, SECRET) for u in urls])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        # No backoff between them, so that every spelling is tried (not put back behind the first).
        tally = dispatcher(app, DELIVERY_MAX_ATTEMPTS=1, DELIVERY_RETRY_SECONDS=0).run_once()
        assert server.connections == 0
    assert tally.failed == len(urls)
    for row in rows(db_session):
        assert row.status == "failed" and row.last_error.startswith("refused destination: ")
        assert str(server.port) not in row.last_error and "127.0.0.1" not in row.last_error


def test_an_allowed_name_is_reached_at_the_checked_address_with_its_host_header(app, db_session, passphrase):
    receiver = Receiver(SECRET)
    with webhook_server(receiver) as url:
        named = url.replace("127.0.0.1", "localhost") + "/ostrzeżenia"
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(named, SECRET)])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        # Allowed by the name written, so the name's private address may be used.
        tally = dispatcher(app, WEBHOOK_ALLOWED_PRIVATE_HOSTS="localhost").run_once()
        refused = dispatcher(app, WEBHOOK_ALLOWED_PRIVATE_HOSTS="127.0.0.1")
    assert tally.delivered == 1
    [got] = receiver.requests
    port = url.split(":")[2].split("/")[0]
    assert got["host_header"] == f"localhost:{port}"
    assert got["path"] == "/hook/ostrze%C5%BCenia" and got["verified"] and got["standard_verified"]
    # Allowing the address does not allow a name that leads to it.
    db_session.execute(update(Delivery).values(status="pending", next_attempt_at=utcnow(), attempts=0))
    db_session.commit()
    assert refused.run_once().retrying == 1
    assert rows(db_session)[0].last_error.startswith("refused destination")


def failed_everywhere(app, db_session):
    """Two projects whose webhooks have failed for good (nothing listens on port 9)."""
    projects = [
        make_project(db_session, name, areas=["holbeck"], webhooks=[("http://127.0.0.1:9/hook", SECRET)])
        for name in ("Basis", "Elsewhere")
    ]
    publish_message(db_session, ["holbeck"], "Title", "Body")
    publish_message(db_session, ["holbeck"], "Second", "Body")
    worker = dispatcher(
        app, DELIVERY_MAX_ATTEMPTS=1, DELIVERY_RETRY_SECONDS=0, WEBHOOK_ALLOWED_PRIVATE_HOSTS="127.0.0.1"
    )
    tally = worker.run_once()
    assert tally.failed == 4
    return projects


def test_failed_deliveries_go_back_in_bulk_from_the_page(app, db_session, manager):
    basis, _elsewhere = failed_everywhere(app, db_session)
    page = manager.get("/admin/deliveries").get_data(as_text=True)
    assert "Basis (2)" in page and "Elsewhere (2)" in page and "connection refused" in page
    token = csrf(manager, "/admin/deliveries")
    # Without the CSRF token nothing happens.
    assert manager.post("/admin/deliveries/retry", data={"project": "all"}).status_code == 400
    assert manager.post("/admin/deliveries/retry", data={"project": "999999", "csrf_token": token}).status_code == 400
    response = manager.post("/admin/deliveries/retry", data={"project": str(basis.id), "csrf_token": token})
    assert response.status_code == 200 and "2 failed deliveries queued again" in response.get_data(as_text=True)
    by_project = {(r.project_id, r.status, r.attempts) for r in rows(db_session)}
    assert (basis.id, "pending", 0) in by_project and sum(1 for r in rows(db_session) if r.status == "failed") == 2
    response = manager.post("/admin/deliveries/retry", data={"project": "all", "csrf_token": token})
    assert "2 failed deliveries queued again" in response.get_data(as_text=True)
    assert {r.status for r in rows(db_session)} == {"pending"}
    details = [
        e.detail for e in db_session.scalars(select(AuditEntry).where(AuditEntry.action == "deliveries_retried"))
    ]
    assert {"project": basis.id, "count": 2} in details and {"project": None, "count": 2} in details


def test_failed_deliveries_go_back_in_bulk_from_the_command_line(app, db_session, passphrase, runner):
    failed_everywhere(app, db_session)
    assert runner.invoke(args=["alerts", "retry-failed"]).exit_code != 0
    assert "no project is called" in runner.invoke(args=["alerts", "retry-failed", "--project", "Nobody"]).output
    result = runner.invoke(args=["alerts", "retry-failed", "--project", "Elsewhere"])
    assert result.exit_code == 0 and "2 failed deliveries queued again" in result.output
    result = runner.invoke(args=["alerts", "retry-failed", "--all"])
    assert result.exit_code == 0 and "2 failed deliveries queued again" in result.output
    assert {r.status for r in rows(db_session)} == {"pending"}
    assert "--project" in runner.invoke(args=["alerts", "retry-failed", "--help"]).output


def test_a_dead_worker_and_the_oldest_due_delivery_are_shown(app, db_session, manager, client):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    db_session.execute(update(Delivery).values(next_attempt_at=database_now(db_session) - timedelta(minutes=10)))
    db_session.commit()
    page = manager.get("/admin/deliveries").get_data(as_text=True)
    assert "No dispatch worker is running" in page and "has waited 6" in page
    health = client.get("/healthz/delivery")
    assert health.status_code == 503
    assert health.get_json()["status"] == "degraded" and health.get_json()["deliveries_due"] == 1
    assert health.get_json()["oldest_due_seconds"] >= 600 and health.get_json()["workers_running"] == 0
    # A worker that beat a while ago and went silent is stalled or dead; one beating now is running.
    now = database_now(db_session)
    db_session.add(DispatchWorker(id="host-a:1:aaaaaa", started_at=now, seen_at=now - timedelta(minutes=5), handled=3))
    db_session.add(DispatchWorker(id="host-b:2:bbbbbb", started_at=now, seen_at=now, handled=0))
    db_session.commit()
    page = manager.get("/admin/deliveries").get_data(as_text=True)
    assert 'host-a:1:aaaaaa</td><td data-label="State">not responding (stalled or dead)' in page
    assert 'host-b:2:bbbbbb</td><td data-label="State">running' in page
    assert "workers are not keeping up or are stuck" in page
    assert "host-" not in client.get("/healthz/delivery").get_data(as_text=True)


def test_a_worker_beats_and_delivery_is_healthy_once_it_has_sent(app, db_session, passphrase, client):
    from tests.support.mailsink import smtp_server

    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    with smtp_server() as (_sink, port):
        worker = dispatcher(app, SMTP_URL=f"smtp://127.0.0.1:{port}")
        assert worker.run_once().delivered == 1
    beat = db_session.get(DispatchWorker, worker.worker_id)
    assert beat is not None and beat.handled == 1
    health = client.get("/healthz/delivery")
    assert health.status_code == 200 and health.get_json() == {
        "status": "ok",
        "workers_running": 0,
        "deliveries_due": 0,
        "oldest_due_seconds": None,
    }


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="SET LOCAL and the server's clock are PostgreSQL's")
def test_marks_set_synchronous_commit_for_their_own_transaction_only(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], webhooks=[("http://127.0.0.1:9/hook", SECRET)])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    worker = dispatcher(app, WEBHOOK_ALLOWED_PRIVATE_HOSTS="127.0.0.1", DELIVERY_CONCURRENCY=1)
    assert worker.run_once().retrying == 1
    engine = app.extensions["ugly_mugs.engine"]
    # Every pooled connection the marks used, as the next request would get it.
    connections = [engine.connect() for _ in range(engine.pool.checkedin() or 1)]
    try:
        assert {c.execute(text("SHOW synchronous_commit")).scalar_one() for c in connections} == {"on"}
    finally:
        for c in connections:
            c.close()


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="only PostgreSQL has a clock of its own")
def test_leases_go_by_the_database_clock_not_the_hosts(app, db_session, passphrase, clock):
    make_project(db_session, "Basis", areas=["holbeck"], emails=["a@basis.example"])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    clock.shift(3 * 3600)  # this host's clock runs three hours fast
    worker = dispatcher(app, DELIVERY_LEASE_SECONDS=300)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert worker.claim(session) != []
        now = database_now(session)
    row = rows(db_session)[0]
    assert timedelta(seconds=290) <= row.leased_until - now <= timedelta(seconds=310)
