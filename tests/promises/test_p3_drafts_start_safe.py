"""P3: alert drafts start safe.

An unedited prefill publishes nothing of her own words: Hypothesis puts canary words into every
field she writes in her own words (what happened, where she met him, where he took her, and a
later addition about him), and the draft started from her report, published as it stands, holds
none of them, nor does the published message. The draft is made of facts about him: what he
did, his description, his car and his number.

Names of other people in her account are flagged, through the real pages: a draft, or an update,
that repeats her sister's name is not sent until the coordinator ticks a confirmation for that
name; the page marks the name and says where it is.
"""

from __future__ import annotations

import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from alerts.authoring import compose
from tests.integration.alerts.test_alerts_flow import act, post, publish_form, save, start_draft
from tests.support.app import form_token
from tests.support.reading import scheme_pair
from tests.support.staff import create, signed_in
from ugly_mugs.coordinator import alert_service
from ugly_mugs.models import Account, AlertMessage, Report

word = st.from_regex(r"[A-Z][a-z]{3,7}", fullmatch=True).map(lambda w: "Qz" + w)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(word, min_size=4, max_size=4, unique=True))
def test_an_unedited_prefill_publishes_nothing_of_her_words(app, passphrase, db_session, words):
    if not hasattr(app, "_safe_drafts"):
        app._safe_drafts = (scheme_pair(db_session, passphrase), create(app, "safe.coordinator", "coordinator").id)
    pair, coordinator_id = app._safe_drafts
    client = app.test_client()
    response = client.post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "categories": ["robbery"],
            "consent_level": "alert_only",
            "what_happened": f"He followed me to {words[0]} and my friend {words[0]} saw it.",
            "where_met": f"outside {words[1]} house",
            "where_taken": f"{words[2]} flat",
            "phone_numbers": "07700 900999",
            "hair": "short, grey",
            "vehicle_make": "Vauxhall",
        },
    )
    assert response.status_code == 201
    filed = response.get_json()
    added = client.post(
        "/receipt/add",
        data={
            "receipt_code": filed["receipt_code"],
            "form_token": form_token(client, "/receipt"),
            "more_perpetrator": f"He said {words[3]} knows him.",
        },
    )
    assert added.status_code == 200
    db_session.expire_all()
    report = db_session.scalar(select(Report).where(Report.reference == filed["reference"]))
    coordinator = db_session.get(Account, coordinator_id)
    alert = alert_service.start(db_session, report, coordinator, pair, {"robbery": "Robbery"})
    db_session.commit()
    draft = compose.open_draft(db_session, alert, pair)
    assert "What he did: Robbery" in draft.body and "07700 900999" in draft.body and "short, grey" in draft.body
    alert_service.publish_shown(db_session, alert, coordinator, pair, draft, region="GB", approval=False)
    db_session.commit()
    message = db_session.scalar(select(AlertMessage).where(AlertMessage.alert_id == alert.id))
    for canary in words:
        for where, text in {"title": draft.title, "body": draft.body, "sent": message.title + message.body}.items():
            assert canary not in text, (canary, where)


def test_names_from_her_account_need_a_deliberate_confirmation(app, passphrase, db_session, clock):
    response = app.test_client().post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "categories": ["robbery"],
            "consent_level": "alert_only",
            "reporter_name": "Zoë",
            "what_happened": "He followed me home. My sister Kim Testperson saw it.",
            "phone_numbers": "07700 900999",
        },
    )
    reference = response.get_json()["reference"]
    carla, _ = signed_in(app, passphrase, "carla", "coordinator")
    alert_ref = start_draft(carla, reference)
    page = f"/coordinator/alerts/{alert_ref}"
    body = "He followed a worker home; her sister Kim saw it. Phone 07700 900999."

    checked = html.unescape(save(carla, alert_ref, body=body).get_data(as_text=True))
    assert "Anonymity check: names to confirm" in checked and "<mark>Kim</mark>" in checked
    assert "“Kim” cannot lead to her" in checked

    refused = publish_form(carla, alert_ref, body=body)
    assert refused.status_code == 422
    text = html.unescape(refused.get_data(as_text=True))
    assert "The text names “Kim” from the reporter's own account." in text
    assert body in text  # kept in the form
    assert db_session.scalar(select(AlertMessage.id)) is None
    # A confirmation of another name does not cover Kim.
    assert publish_form(carla, alert_ref, body=body, confirmed_names=["Testperson"]).status_code == 422
    assert publish_form(carla, alert_ref, body=body, confirmed_names=["Kim"]).status_code == 302
    db_session.expire_all()
    assert "Kim" in db_session.scalar(select(AlertMessage.body))

    # An update that names her is refused the same way, until confirmed.
    update = {"title": "Seen again", "body": "Testperson's street again.", "severity": "warning"}
    refused = act(carla, alert_ref, "update", **update)
    assert refused.status_code == 422 and "<mark>Testperson&#39;s</mark>" in refused.get_data(as_text=True)
    assert act(carla, alert_ref, "update", **update, confirmed_names=["Testperson"]).status_code == 302
    assert post(carla, f"{page}/retract", {"note": "Wrong man."}, page).status_code == 302
