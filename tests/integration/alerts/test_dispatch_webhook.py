"""Signed webhooks reach a local HTTP server that checks each signature; failures are retried with
backoff, end as failed after N tries, show on the failed-deliveries page and can be retried."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, update

from alerts.delivery.channels import webhook
from alerts.delivery.dispatch import Dispatcher
from alerts.delivery.settings import dispatch_settings
from tests.support.alerting import make_project, publish_message
from tests.support.webhook_receiver import Receiver, webhook_server
from ugly_mugs.models import Alert, Delivery
from ugly_mugs.models.base import utcnow

SECRET = "test-secret-of-the-receiving-project"


def dispatcher(app, **overrides) -> Dispatcher:
    # The receivers run on this machine: 127.0.0.1 is allowed as a closed network's host would be.
    config = {**app.config, "SMTP_URL": "smtp://127.0.0.1:9", "WEBHOOK_ALLOWED_PRIVATE_HOSTS": "127.0.0.1", **overrides}
    return Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config))


def delivery(db_session) -> Delivery:
    row = db_session.scalar(select(Delivery))
    db_session.refresh(row)
    return row


def test_each_webhook_is_signed_and_carries_the_message_id(app, db_session, passphrase):
    receiver = Receiver(SECRET)
    with webhook_server(receiver) as url:
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(url, SECRET)])
        first = publish_message(db_session, ["holbeck"], "Silver car", "He threatens.", severity="urgent")
        alert = db_session.get(Alert, first.alert_id)
        update_ = publish_message(db_session, ["holbeck"], "Silver car", "Seen again.", kind="update", alert=alert)
        tally = dispatcher(app).run_once()
    assert tally.delivered == 2
    assert all(r["verified"] and r["standard_verified"] for r in receiver.requests)
    bodies = {r["json"]["message_id"]: r for r in receiver.requests}
    assert set(bodies) == {first.message_id, update_.message_id}
    got = bodies[first.message_id]
    assert got["message_id_header"] == got["webhook_id"] == first.message_id
    assert got["standard_signature"].startswith("v1,")
    assert got["content_type"].startswith("application/json")
    assert got["signature"].startswith("sha256=")
    payload = got["json"]
    assert (payload["title"], payload["body"], payload["severity"], payload["kind"]) == (
        "Silver car",
        "He threatens.",
        "urgent",
        "alert",
    )
    assert payload["areas"] == "Holbeck" and payload["incident_week"] == "2026-11-16"
    assert payload["part_of_day"] == "night" and payload["language"] == "en"
    assert "No warning does not mean safe." in payload["text"]


def test_a_tampered_body_or_old_timestamp_fails_verification(app, db_session, passphrase):
    receiver = Receiver(SECRET)
    with webhook_server(receiver) as url:
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(url, SECRET)])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        dispatcher(app).run_once()
    [got] = receiver.requests
    body, ts, signed = got["body"], got["timestamp"], got["signature"]
    assert webhook.verify(SECRET, ts, body, signed)
    assert not webhook.verify(SECRET, ts, body.replace(b"Body", b"B0dy"), signed)
    assert not webhook.verify(SECRET, str(int(ts) + 1), body, signed)
    assert not webhook.verify("another secret", ts, body, signed)
    assert not webhook.verify(SECRET, ts, body, signed, now=int(ts) + webhook.TOLERANCE_SECONDS + 1)
    assert not webhook.verify(SECRET, "not a number", body, signed)


def test_non_2xx_is_retried_with_backoff_then_failed(app, db_session, passphrase):
    receiver = Receiver(SECRET, statuses=[500, 503, 404, 500])
    with webhook_server(receiver) as url:
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(url, SECRET)])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        worker = dispatcher(app, DELIVERY_MAX_ATTEMPTS=3, DELIVERY_RETRY_SECONDS=60)
        before = utcnow()
        assert worker.run_once().retrying == 1
        row = delivery(db_session)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
        assert timedelta(seconds=59) <= row.next_attempt_at - before <= timedelta(seconds=65)
        # Not due yet: nothing is sent.
        assert worker.run_once().claimed == 0
        db_session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        db_session.commit()
        before = utcnow()
        assert worker.run_once().retrying == 1
        row = delivery(db_session)
        assert (row.attempts, row.last_error) == (2, "HTTP 503")
        # The second wait is twice the first.
        assert timedelta(seconds=119) <= row.next_attempt_at - before <= timedelta(seconds=125)
        db_session.execute(update(Delivery).values(next_attempt_at=utcnow()))
        db_session.commit()
        assert worker.run_once().failed == 1
        row = delivery(db_session)
        assert (row.status, row.attempts, row.last_error) == ("failed", 3, "HTTP 404")
        assert worker.run_once().claimed == 0
    assert len(receiver.requests) == 3


def test_unreachable_webhook_is_a_failure_not_a_crash(app, db_session, passphrase):
    make_project(db_session, "Basis", areas=["holbeck"], webhooks=[("http://127.0.0.1:9/hook", SECRET)])
    publish_message(db_session, ["holbeck"], "Title", "Body")
    start = time.monotonic()
    tally = dispatcher(app, WEBHOOK_TIMEOUT=2).run_once()
    assert tally.retrying == 1 and time.monotonic() - start < 10
    assert delivery(db_session).last_error == "connection refused"


def test_switched_off_channel_is_not_sent_to(app, db_session, passphrase):
    from ugly_mugs.models import ProjectChannel

    receiver = Receiver(SECRET)
    with webhook_server(receiver) as url:
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(url, SECRET)])
        publish_message(db_session, ["holbeck"], "Title", "Body")
        db_session.execute(update(ProjectChannel).values(active=False))
        db_session.commit()
        tally = dispatcher(app).run_once()
    assert tally.failed == 1 and receiver.requests == []
    assert delivery(db_session).last_error == "channel or project switched off"


def test_failed_delivery_is_on_the_admin_page_and_retry_sends_it(app, db_session, passphrase, clock):
    from tests.support.staff import create, csrf, login

    receiver = Receiver(SECRET, statuses=[500, 500])
    with webhook_server(receiver) as url:
        make_project(db_session, "Basis", areas=["holbeck"], webhooks=[(url, SECRET)])
        message = publish_message(db_session, ["holbeck"], "Secret title", "Secret body")
        worker = dispatcher(app, DELIVERY_MAX_ATTEMPTS=2, DELIVERY_RETRY_SECONDS=0)
        assert worker.run_once().failed == 1
        row = delivery(db_session)
        admin = create(app, "root", "admin")
        client = app.test_client()
        login(client, admin)
        page = client.get("/admin/deliveries").get_data(as_text=True)
        assert f'<td data-label="Delivery">{row.id}</td>' in page and "HTTP 500" in page and "Basis" in page
        assert "Secret title" not in page and "Secret body" not in page
        reference = db_session.get(Alert, message.alert_id).reference
        assert reference in page
        token = csrf(client, "/admin/deliveries")
        assert client.post("/admin/deliveries/999/retry", data={"csrf_token": token}).status_code == 404
        response = client.post(f"/admin/deliveries/{row.id}/retry", data={"csrf_token": token})
        assert response.status_code == 302
        row = delivery(db_session)
        assert (row.status, row.attempts) == ("pending", 0)
        assert worker.run_once().delivered == 1
        assert delivery(db_session).status == "delivered"
        assert "No failed deliveries." in client.get("/admin/deliveries").get_data(as_text=True)
        # A delivered one cannot be "retried".
        assert client.post(f"/admin/deliveries/{row.id}/retry", data={"csrf_token": token}).status_code == 404
    assert [r["verified"] for r in receiver.requests] == [True, True, True]
