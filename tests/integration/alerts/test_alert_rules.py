"""The publishing service's rules, without the pages.

Proves that with approval required neither the coordinator who started a draft nor the one who
sent it for approval can approve it, and a third can; that a draft taken back to draft can be
edited and that only drafts can be edited; that nothing can be published, checked or updated
once the reporter erased the report (a retraction without a note still can); that every
refused action leaves the alert and the outbox unchanged; and that two coordinators publishing the
same draft at once send it once (the second is told it changed meanwhile).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from alerts.authoring import compose, publish
from tests.support.reading import scheme_pair
from tests.support.staff import create
from ugly_mugs.coordinator import casework
from ugly_mugs.models import Account, Alert, AlertMessage, Area, Report
from ugly_mugs.reports import erasure


def filed(app, db) -> tuple[Report, str]:
    response = app.test_client().post(
        "/api/v1/reports",
        json={
            "incident_date": "2026-11-20",
            "area": "holbeck",
            "what_happened": "He refused to pay.",
            "reporter_name": "Marisol",
            "phone_numbers": "07700 900999",
            "consent_level": "alert_only",
        },
    )
    assert response.status_code == 201
    return db.scalar(select(Report).where(Report.reference == response.get_json()["reference"])), response.get_json()[
        "receipt_code"
    ]


def coordinators(app, db, *names) -> list[Account]:
    return [db.get(Account, create(app, n, "coordinator").id) for n in names]


def draft_for(db, report: Report, author: Account, pair) -> object:
    opened = casework.read_report(db, report, author, pair, "alert")
    area = db.get(Area, report.area_id)
    draft = compose.prefill(
        opened.sections["incident"],
        opened.sections["perpetrator"],
        area_code=area.code,
        area_name=area.name,
        incident_week=report.incident_week,
        category_labels={},
    )
    return compose.create(db, report, author, draft)


def messages(db) -> int:
    return db.scalar(select(func.count()).select_from(AlertMessage))


def test_approval_needs_someone_who_neither_wrote_nor_sent_it(app, passphrase, db_session):
    pair = scheme_pair(db_session, passphrase)
    report, _ = filed(app, db_session)
    ann, ben, cat = coordinators(app, db_session, "ann", "ben", "cat")
    alert = draft_for(db_session, report, ann, pair)

    with pytest.raises(publish.PublishError, match="send it for approval first"):
        publish.publish(db_session, alert, ben, pair, approval_required=True)
    publish.submit(db_session, alert, ben, pair, "GB")
    with pytest.raises(compose.DraftError):
        compose.save(db_session, alert, ann, compose.open_draft(db_session, alert, pair))
    for who in (ann, ben):
        assert not publish.can_approve(alert, who)
        with pytest.raises(publish.PublishError, match="second coordinator"):
            publish.publish(db_session, alert, who, pair, approval_required=True)
    assert messages(db_session) == 0 and alert.status == "awaiting_approval"

    publish.return_to_draft(db_session, alert, ann)
    draft = compose.open_draft(db_session, alert, pair)
    draft.body += "\nSeen twice."
    compose.save(db_session, alert, ann, draft)
    publish.submit(db_session, alert, ann, pair, "GB")
    message = publish.publish(db_session, alert, cat, pair, approval_required=True)
    assert (alert.status, alert.approved_by, message.sequence) == ("published", cat.id, 1)
    assert "Seen twice." in message.body
    assert alert.reference.startswith("A-") and len(alert.reference) == 8


def test_an_erased_report_takes_its_drafts_and_stops_updates_but_not_a_plain_retraction(app, passphrase, db_session):
    pair = scheme_pair(db_session, passphrase)
    report, _ = filed(app, db_session)
    (ann,) = coordinators(app, db_session, "ann")
    published = draft_for(db_session, report, ann, pair)
    publish.publish(db_session, published, ann, pair)
    waiting = draft_for(db_session, report, ann, pair)
    db_session.commit()

    waiting_id, published_id = waiting.id, published.id
    erasure.erase(db_session, report, erasure.BY_REPORTER)
    db_session.commit()
    # The draft never sent goes with the report; the published alert stays, without its link or draft.
    assert db_session.get(Alert, waiting_id) is None
    published = db_session.get(Alert, published_id)
    assert (published.report_id, published.draft, published.draft_key_scheme) == (None, None, None)
    with pytest.raises(publish.PublishError, match="deleted"):
        publish.update(db_session, published, ann, pair, "Update", "More", "warning")
    with pytest.raises(publish.PublishError, match="deleted"):
        publish.retract(db_session, published, ann, pair, "A note to check")
    assert messages(db_session) == 1
    message = publish.retract(db_session, published, ann, pair)
    assert message.kind == "retraction" and published.status == "retracted"


def test_two_coordinators_publishing_at_once_send_it_once(app, passphrase, db_session):
    pair = scheme_pair(db_session, passphrase)
    report, _ = filed(app, db_session)
    ann, ben = coordinators(app, db_session, "ann", "ben")
    alert_id = draft_for(db_session, report, ann, pair).id
    db_session.commit()

    first, second = (app.extensions["ugly_mugs.sessionmaker"]() for _ in range(2))
    try:
        mine, theirs = first.get(Alert, alert_id), second.get(Alert, alert_id)
        assert mine.status == theirs.status == "draft"
        publish.publish(first, mine, first.get(Account, ann.id), pair)
        first.commit()
        with pytest.raises(publish.PublishError, match="changed this alert meanwhile"):
            publish.publish(second, theirs, second.get(Account, ben.id), pair)
        second.rollback()
    finally:
        first.close()
        second.close()
    db_session.expire_all()
    assert messages(db_session) == 1
