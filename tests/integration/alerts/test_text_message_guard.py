"""The disclosure guard runs on the text message too, at publishing: the alert as the SMS
channel renders it (plates and numbers first, side by side; a long title cut to two segments),
in the five languages, with a placeholder for her link, against the report's profile.

A table of drafts: what the title and text check finds, and what the text message check finds
beyond it. Two numbers far apart in the text, one read as a plate, are put next to each other in
the text message, where they read as her number: the title and text pass, the text message does
not. Then through the publishing service and the coordinator's page: nothing is published,
nothing is queued, the coordinator is told why; the same draft with the numbers apart goes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from alerts.authoring import publish
from alerts.delivery.render import Published
from tests.integration.alerts.test_alert_rules import coordinators, draft_for
from tests.support.reading import scheme_pair
from ugly_mugs import disclosure
from ugly_mugs.models import Alert, AlertMessage, Delivery, Report

HER_NUMBER = "07700 900123"
PROFILE = disclosure.build([{"name": "Jolanta", "contact": HER_NUMBER}], [], [{"vehicle": "KR 12345"}])
REVIEW = publish.Review(None, [], PROFILE, (), ("Holbeck",))
# Her number: once the plate "07700" (after "reg") and a number are put side by side.
JOINED = ("Silver car", "Reg 07700. He rings from +44 900123 123.")


def published(title: str, body: str, kind: str = "alert") -> Published:
    return Published("m", "UM-1", kind, "urgent", title, body, "Holbeck", None, None, datetime.now(UTC))


@pytest.mark.parametrize(
    ("title", "body", "draft_blocked", "text_blocked"),
    [
        pytest.param("Silver car", "Registration KR 12345. He threatens with a knife.", False, False, id="clean"),
        pytest.param(*JOINED, False, True, id="plate-and-number-joined-first"),
        pytest.param("Silver car", "Reg 07700. Days later he rang from +44 900123 123.", False, True, id="far-apart"),
        pytest.param("Silver car", "Reg KR 12345. He rings from +44 900123 123.", False, False, id="his-plate-first"),
        pytest.param("Silver car", "He asked for Jolanta by name.", True, False, id="her-name-in-the-text-only"),
        pytest.param("Asked for Jolanta", "Silver car.", True, True, id="her-name-in-the-title"),
        pytest.param("Silver car", f"Rang her on {HER_NUMBER}.", True, True, id="her-number-first"),
        pytest.param("Man " + "very " * 70 + "Jolanta", "Silver car.", True, False, id="name-cut-off-the-title"),
    ],
)
def test_the_text_message_is_checked_as_it_will_be_sent(title, body, draft_blocked, text_blocked):
    assert bool(disclosure.guard({"the title": title, "the text": body}, PROFILE).blocked) is draft_blocked
    found = publish.text_message_hits(published(title, body), REVIEW, "GB")
    assert bool(found) is text_blocked
    for f in found:
        assert f.where.startswith("the text message in ")
    # Each passage is named once, not once per language.
    assert len({(f.phrase, f.kind) for f in found}) == len(found)


@pytest.mark.parametrize("kind", ["alert", "update", "retraction"])
def test_every_kind_of_message_is_checked(kind):
    assert publish.text_message_hits(published(*JOINED, kind=kind), REVIEW, "GB")


def test_a_message_too_long_for_two_texts_is_not_sent_so_not_checked():
    assert publish.text_message_hits(published("Silver car", "x"), REVIEW, "GB", link="h" * 400) == []


def _filed(app, db) -> Report:
    response = app.test_client().post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "what_happened": "He refused to pay.",
            "reporter_name": "Marisol",
            "contact": HER_NUMBER,
            "consent_level": "alert_only",
        },
    )
    assert response.status_code == 201
    return db.scalar(select(Report).where(Report.reference == response.get_json()["reference"]))


def _counts(db) -> tuple[int, int]:
    return (
        db.scalar(select(func.count()).select_from(AlertMessage)),
        db.scalar(select(func.count()).select_from(Delivery)),
    )


def test_publishing_refuses_a_text_message_that_names_her(app, passphrase, db_session):
    report = _filed(app, db_session)
    [author] = coordinators(app, db_session, "cora")
    pair = scheme_pair(db_session, passphrase)
    alert = draft_for(db_session, report, author, pair)
    alert_id = alert.id
    draft = publish.compose.open_draft(db_session, alert, pair)
    draft.title, draft.body, draft.areas = *JOINED, ["holbeck"]
    publish.compose.save(db_session, alert, author, draft)
    db_session.commit()
    with pytest.raises(publish.BlockedTextMessage) as refused:
        publish.publish(db_session, alert, author, pair)
    assert "“07700, 900123123” in the text message in English is the reporter's phone number." in str(refused.value)
    assert refused.value.hits == []
    db_session.rollback()
    assert db_session.get(Alert, alert_id).status == "draft" and _counts(db_session) == (0, 0)
    # With the plate written as such, nothing of hers is joined: it goes.
    draft.body = "Reg KR 12345. He rings from +44 900123 123."
    publish.compose.save(db_session, alert, author, draft)
    message = publish.publish(db_session, alert, author, pair)
    assert message.kind == "alert" and db_session.get(Alert, alert_id).status == "published"
    # An update and a retraction note are checked the same way, and refused before any change.
    with pytest.raises(publish.BlockedTextMessage):
        publish.update(db_session, alert, author, pair, *JOINED, "urgent")
    with pytest.raises(publish.BlockedTextMessage):
        publish.retract(db_session, alert, author, pair, "Reg 07700. He rings from +44 900123 123.")
    assert db_session.get(Alert, alert_id).status == "published"
    assert db_session.scalar(select(func.count()).select_from(AlertMessage)) == 1


def test_the_coordinators_page_says_why_and_publishes_nothing(app, passphrase, db_session, clock):
    from tests.integration.alerts import test_alerts_flow as flow

    reference = flow.file(app)  # her contact: "text me on 07700 900123"
    carla, _user = flow.signed_in(app, passphrase, "carla", "coordinator")
    report_page = f"/coordinator/reports/{reference}"
    flow.post(carla, f"{report_page}/open", {"reason": "triage"}, report_page)
    alert_ref = flow.start_draft(carla, reference)
    joined = "Man in a grey Ford. Reg 07700. He rings from +44 900123 123."
    response = flow.publish_form(carla, alert_ref, body=joined)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The text message sent to subscribers would repeat something that could identify the reporter" in page
    assert "in the text message in English is the reporter" in page
    db_session.expire_all()
    assert _counts(db_session) == (0, 0)
    assert db_session.scalar(select(Alert.status).where(Alert.reference == alert_ref)) == "draft"
    assert flow.publish_form(carla, alert_ref).status_code == 302


def test_the_placeholder_is_as_long_as_this_sites_links():
    assert publish.check_link("https://alerts.example-project.org.uk/") == (
        "https://alerts.example-project.org.uk/a/" + "_" * 22
    )
    assert publish.check_link("") == publish.CHECK_LINK
