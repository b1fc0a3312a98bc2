"""``/metrics``: Prometheus figures behind a bearer token, the same from every worker, and none
that can date a report: filing moves nothing until the hour turns, erasing moves nothing at all.
"""

from __future__ import annotations

import secrets
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.alerting import make_project, publish_message
from tests.support.app import form_token, make_app, minimal_report

TOKEN = secrets.token_urlsafe(32)


@pytest.fixture
def apps(database_url):
    """Two instances (two gunicorn workers, or two hosts) on one database."""
    made = [make_app(database_url, METRICS_TOKEN=TOKEN, SECRET_KEY="m" * 64) for _ in range(2)]
    yield made
    for app in made:
        app.extensions["ugly_mugs.engine"].dispose()


def scrape(client, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers)


def figures(client) -> dict[tuple[str, tuple], float]:
    response = scrape(client)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def test_metrics_are_off_without_a_token_and_closed_without_the_right_one(client, apps):
    assert client.get("/metrics").status_code == 404
    open_app = apps[0].test_client()
    for token in (None, "wrong", TOKEN[:-1], TOKEN + "x"):
        response = scrape(open_app, token)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "ugly_mugs" not in response.get_data(as_text=True)
    assert scrape(open_app, TOKEN).status_code == 200


def test_figures_are_the_same_from_every_worker_and_cannot_date_a_report(apps, passphrase, clock):
    first, second = (app.test_client() for app in apps)
    clock.shift(3600 - (time.time() % 3600) + 60)  # one minute into an hour
    before = figures(first)
    assert before[("ugly_mugs_reports_received", ())] == 0
    codes = [first.post("/api/v1/reports", json=minimal_report()).get_json()["receipt_code"] for _ in range(2)]
    # Filed this hour: nothing moves yet, on either worker.
    assert figures(first) == figures(second) == before
    # Erasing one moves nothing either (no figure counts reports by status).
    data = {"receipt_code": codes[0], "confirm": "yes", "form_token": form_token(first, "/receipt")}
    assert first.post("/receipt/delete", data=data).status_code == 200
    assert figures(second) == before
    # The next hour both reports are counted, the erased one too.
    clock.shift(3600)
    after = figures(second)
    assert after[("ugly_mugs_reports_received", ())] == 2
    assert after == figures(first)


def test_outbox_figures_show_pending_and_overdue_deliveries(apps, passphrase, clock):
    client = apps[0].test_client()
    with apps[0].extensions["ugly_mugs.sessionmaker"]() as session:
        make_project(session, "Basis", areas=["holbeck"], emails=["drop-in@basis.example"])
        publish_message(session, ["holbeck"], "Silver car", "He offers a lift then threatens.")
        session.commit()
    clock.shift(125)
    seen = figures(client)
    assert seen[("ugly_mugs_deliveries", (("status", "pending"),))] == 1
    assert seen[("ugly_mugs_deliveries", (("status", "failed"),))] == 0
    assert seen[("ugly_mugs_alerts", (("status", "published"),))] == 1
    assert 120 <= seen[("ugly_mugs_outbox_overdue_seconds", ())] <= 200
    assert seen[("ugly_mugs_receipt_guessing_under_load", ())] == 0


def test_receipt_guessing_under_load_shows(database_url):
    app = make_app(database_url, METRICS_TOKEN=TOKEN, RECEIPT_GLOBAL_FAILURES=3)
    client = app.test_client()
    for n in range(4):
        client.post(
            "/api/v1/receipt/status",
            json={"receipt_code": "AAAA-AAAA-AAAA-AAAA-AAAA"},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"},
        )
    assert figures(client)[("ugly_mugs_receipt_guessing_under_load", ())] == 1
    app.extensions["ugly_mugs.engine"].dispose()
