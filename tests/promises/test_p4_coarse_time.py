"""P4: a reporter's acts are kept and returned only to the hour (``ugly_mugs.coarse_time``).

With the clock at 14:23:45.678901, a reporter files through the API, checks her status,
raises her consent, adds information through the form, withdraws her consent after a
coordinator passed the report to police, and finally deletes the report. After each step
every timestamp column of every table is read for that report's rows (the report itself,
its consent history, sections, indexes, police release, audit entries …): none may hold a
value finer than the hour, except the times of acts that are not hers, named below. The
receipt API's consent history says only the hour too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.app import form_token, minimal_report
from tests.support.staff import create
from ugly_mugs import coarse_time
from ugly_mugs.models import Account, Report
from ugly_mugs.models.base import Base, UTCDateTime
from ugly_mugs.police import release

MOMENT = datetime(2026, 11, 23, 14, 23, 45, 678901, tzinfo=UTC)
# Times of acts by staff, not by the reporter: a coordinator passing the report on (and its
# audit entry, which names the coordinator as its actor; her acts' entries have no actor).
STAFF_ACTS = {("police_release", "passed_at")}


def timestamps_of(session: Session, report_id: str) -> dict[tuple[str, str], list[datetime]]:
    """(table, column) -> the values of every timestamp column in the rows of ``report_id``."""
    found: dict[tuple[str, str], list[datetime]] = {}
    for table in Base.metadata.sorted_tables:
        key = table.c.get("report_id")
        if key is None and table.name == "report":
            key = table.c.id
        if key is None:
            continue
        columns = [c for c in table.columns if isinstance(c.type, UTCDateTime)]
        if not columns:
            continue
        query = select(*columns).where(key == report_id)
        if "actor_id" in table.c:
            query = query.where(table.c.actor_id.is_(None))
        for row in session.execute(query):
            for column, value in zip(columns, row, strict=True):
                if value is not None:
                    found.setdefault((table.name, column.name), []).append(value)
    return found


def assert_only_hours(session: Session, report_id: str) -> set[tuple[str, str]]:
    session.expire_all()
    found = timestamps_of(session, report_id)
    fine = {
        (place, value.isoformat())
        for place, values in found.items()
        if place not in STAFF_ACTS
        for value in values
        if not coarse_time.is_coarse(value)
    }
    assert fine == set(), f"finer than the hour: {sorted(fine)}"
    return set(found)


def assert_history_in_hours(client, code: str) -> list[dict]:
    response = client.post("/api/v1/receipt/status", json={"receipt_code": code})
    assert response.status_code == 200, response.get_json()
    history = response.get_json()["consent_history"]
    for entry in history:
        at = datetime.fromisoformat(entry["at"])
        assert coarse_time.is_coarse(at) and at == coarse_time.coarse(MOMENT), entry
    return history


def test_no_time_of_her_acts_is_finer_than_the_hour(app, client, db_session, passphrase):
    coordinator = create(app, "hours.coordinator", "coordinator")
    with time_machine.travel(MOMENT, tick=False):
        response = client.post(
            "/api/v1/reports",
            json=minimal_report(
                consent_level="anonymous_intel", contact="Call 0113 496 0000", phone_numbers="07700 900999"
            ),
        )
        assert response.status_code == 201, response.get_json()
        code = response.get_json()["receipt_code"]
        report_id = db_session.scalar(select(Report.id).where(Report.reference == response.get_json()["reference"]))
        assert ("consent_change", "changed_at") in assert_only_hours(db_session, report_id)
        assert ("report", "received_at") in assert_only_hours(db_session, report_id)

        response = client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "full"})
        assert response.status_code == 200, response.get_json()
        assert len(assert_history_in_hours(client, code)) == 2

        token = form_token(client, "/receipt")
        response = client.post(
            "/receipt/add",
            data={"receipt_code": code, "form_token": token, "more_incident": "He came back.", "more_contact": "x"},
        )
        assert response.status_code == 200
        assert ("audit_entry", "at") in assert_only_hours(db_session, report_id)

        # A coordinator passes it to police (a staff act, at its own time), then she withdraws.
        report = db_session.get(Report, report_id)
        release.pass_on(db_session, report, db_session.get(Account, coordinator.id))
        db_session.commit()
        response = client.post("/api/v1/receipt/consent", json={"receipt_code": code, "consent_level": "alert_only"})
        assert response.status_code == 200, response.get_json()
        assert len(assert_history_in_hours(client, code)) == 3
        assert ("police_release", "consent_withdrawn_at") in assert_only_hours(db_session, report_id)

        token = form_token(client, "/receipt")
        response = client.post("/receipt/delete", data={"receipt_code": code, "form_token": token, "confirm": "yes"})
        assert response.status_code == 200
        assert_only_hours(db_session, report_id)


@pytest.mark.parametrize(
    ("moment", "hour"),
    [
        (datetime(2026, 11, 23, 14, 59, 59, 999999, tzinfo=UTC), datetime(2026, 11, 23, 14, tzinfo=UTC)),
        (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), datetime(2026, 11, 23, 0, tzinfo=UTC)),
        (datetime.fromisoformat("2026-03-29T02:30:00+01:00"), datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ],
)
def test_the_rule_rounds_down_to_the_hour_in_utc(moment, hour):
    assert coarse_time.coarse(moment) == hour
    assert coarse_time.is_coarse(hour) and not coarse_time.is_coarse(moment.replace(minute=1))


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        coarse_time.coarse(datetime(2026, 11, 23, 14, 23))
