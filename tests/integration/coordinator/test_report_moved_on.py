"""A coordinator's note or message sent after the report changed meanwhile is shown back, not lost (P6).

Carla has a report's page open and types a covering note for the police, a case note or a message
to the reporter; meanwhile the reporter narrows her consent to "alert only" or deletes the report
with her receipt code, or Dora passes it to the police first. What Carla sends is refused with
409 and the report page says why, with what she typed shown back read-only to copy, although
the page no longer offers the form she typed it into.
"""

from __future__ import annotations

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.support.app import form_token, minimal_report
from tests.support.staff import csrf, signed_in
from ugly_mugs.models import PoliceRelease

TYPED = "Officer: ring the outreach van first & don't call <her> mobile ZQX"


def _file(client, level: str) -> tuple[str, str]:
    response = client.post("/api/v1/reports", json=minimal_report(consent_level=level))
    assert response.status_code == 201
    return response.get_json()["reference"], response.get_json()["receipt_code"]


def _narrowed(reporter, code, dora, page):
    data = {"receipt_code": code, "consent_level": "alert_only", "form_token": form_token(reporter, "/receipt")}
    assert reporter.post("/receipt/consent", data=data).status_code == 200


def _deleted(reporter, code, dora, page):
    data = {"receipt_code": code, "confirm": "yes", "form_token": form_token(reporter, "/receipt")}
    assert reporter.post("/receipt/delete", data=data).status_code == 200


def _passed_by_dora(reporter, code, dora, page):
    assert dora.post(f"{page}/pass", data={"csrf_token": csrf(dora, page)}).status_code == 302


# (where Carla sends, the field she typed in, what happened meanwhile, what the page says)
CASES = [
    ("pass", "note", _narrowed, "The reporter&#39;s consent is now “alert only”"),
    ("pass", "note", _passed_by_dora, "This report has already been passed to the police."),
    ("pass", "note", _deleted, "This report was deleted, so it cannot be passed to the police."),
    ("notes", "text", _deleted, "This report was deleted."),
    ("messages", "text", _deleted, "This report was deleted."),
]


@pytest.mark.parametrize(("action", "field", "meanwhile", "message"), CASES)
def test_what_she_typed_comes_back_when_the_report_changed(app, passphrase, clock, action, field, meanwhile, message):
    reporter = app.test_client()
    reference, code = _file(reporter, "full")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    dora, _ = signed_in(app, passphrase, "dora", "coordinator")
    page = f"/coordinator/reports/{reference}"
    token = csrf(carla, page)  # her page is open
    meanwhile(reporter, code, dora, page)
    response = carla.post(f"{page}/{action}", data={field: TYPED, "csrf_token": token})
    shown = response.get_data(as_text=True)
    assert response.status_code == 409, shown
    assert str(escape(TYPED)) in shown, f"{action}: what she typed is not shown back"
    assert message in shown
    assert 'id="kept"' in shown and "neither saved nor sent" in shown


def test_nothing_is_passed_on_after_consent_was_narrowed(app, passphrase, clock, db_session):
    reporter = app.test_client()
    reference, code = _file(reporter, "full")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    page = f"/coordinator/reports/{reference}"
    token = csrf(carla, page)
    _narrowed(reporter, code, None, page)
    assert carla.post(f"{page}/pass", data={"note": TYPED, "csrf_token": token}).status_code == 409
    assert db_session.scalar(select(func.count()).select_from(PoliceRelease)) == 0


def test_a_note_refused_while_the_form_is_still_offered_stays_in_the_form(app, passphrase, clock):
    """The read-only copy is only for a form the page no longer offers."""
    reporter = app.test_client()
    reference, _code = _file(reporter, "full")
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    page = f"/coordinator/reports/{reference}"
    response = carla.post(f"{page}/notes", data={"text": "x" * 5000, "csrf_token": csrf(carla, page)})
    assert response.status_code == 400
    assert 'id="kept"' not in response.get_data(as_text=True)
