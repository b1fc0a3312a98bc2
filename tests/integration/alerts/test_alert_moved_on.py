"""An alert form sent after another coordinator moved the alert on is shown back, not lost (P6).

Carla has an alert's page open and types; meanwhile Dora publishes it, sends it for approval or
retracts it. Whatever Carla then sends (Save, Publish, Send update, Retract) is refused with 409
and a message saying what happened, and what she typed comes back on the page, read-only to copy,
although the alert's state no longer offers the form she typed it into.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.integration.alerts.test_alerts_flow import act, file, publish_form, start_draft
from tests.support.app import make_app
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import Alert

TYPED = "Carla's rewrite: he waits <near> the arches & offers a lift ZQX"


def _published(dora, alert_ref):
    assert publish_form(dora, alert_ref).status_code == 302


def _retracted(dora, alert_ref):
    assert act(dora, alert_ref, "retract", note="Withdrawn by Dora.").status_code == 302


def _published_and_retracted(dora, alert_ref):
    _published(dora, alert_ref)
    _retracted(dora, alert_ref)


DRAFT = {
    "title": "Refused to pay – Holbeck",
    "body": TYPED,
    "severity": "warning",
    "areas": ["holbeck"],
    "incident_week": "2026-11-16",
    "part_of_day": "night",
}

UPDATE = {"title": "Seen again", "body": TYPED, "severity": "urgent"}

# (what Carla sends, its fields, whether approval is required, the state her page showed, what
# Dora did meanwhile, the state it leaves, what the page says)
CASES = [
    ("draft", DRAFT, False, "draft", _published, "published", "This alert was published meanwhile, so your edit"),
    ("publish", DRAFT, False, "draft", _published, "published", "This alert was published meanwhile, so your draft"),
    ("draft", DRAFT, True, "draft", _published, "awaiting_approval", "This alert was sent for approval meanwhile"),
    ("publish", DRAFT, True, "draft", _published, "awaiting_approval", "This alert was sent for approval meanwhile"),
    ("draft", DRAFT, False, "draft", _published_and_retracted, "retracted", "This alert was retracted meanwhile"),
    ("update", UPDATE, False, "published", _retracted, "retracted", "Only a published alert can be updated."),
    (
        "retract",
        {"note": TYPED},
        False,
        "published",
        _retracted,
        "retracted",
        "Only a published alert can be retracted.",
    ),
]


@pytest.mark.parametrize(("action", "fields", "approval", "was", "meanwhile", "state", "message"), CASES)
def test_what_she_typed_comes_back_when_the_alert_moved_on(
    database_url, passphrase, db_session, clock, action, fields, approval, was, meanwhile, state, message
):
    app = make_app(database_url, ALERT_APPROVAL=approval)
    try:
        reference = file(app)
        carla, _ = signed_in(app, passphrase, "carla", "coordinator")
        dora, _ = signed_in(app, passphrase, "dora", "coordinator")
        alert_ref = start_draft(carla, reference)
        page = f"/coordinator/alerts/{alert_ref}"
        if was == "published":
            _published(carla, alert_ref)
        token = csrf(carla, page)  # her page is open
        meanwhile(dora, alert_ref)
        response = carla.post(f"{page}/{action}", data={**fields, "csrf_token": token})
        shown = response.get_data(as_text=True)
        assert response.status_code == 409, shown
        assert str(escape(TYPED)) in shown, f"{action}: what she typed is not shown back"
        assert message in shown
        assert 'id="kept"' in shown and "neither saved nor sent" in shown
        db_session.expire_all()
        assert db_session.scalar(select(Alert.status).where(Alert.reference == alert_ref)) == state
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def test_a_draft_still_a_draft_shows_no_kept_copy(app, passphrase, clock):
    """The copy is only for a form the page no longer offers: a refused draft stays in its form."""
    reference = file(app)
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    page = f"/coordinator/alerts/{alert_ref}"
    response = carla.post(f"{page}/draft", data={**DRAFT, "title": "", "csrf_token": csrf(carla, page)})
    shown = response.get_data(as_text=True)
    assert response.status_code == 400
    assert str(escape(TYPED)) in shown and 'id="kept"' not in shown
