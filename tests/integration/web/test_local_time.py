"""One configured time zone (``UGLY_MUGS_TIMEZONE``, default Europe/London) for every day boundary
and every time shown; stored times stay UTC.

Proves, table-driven over zones on both sides of UTC: six reports filed at 23:30 UTC on 30 June
(00:30 on 1 July in British summer time) are counted in the month, shown on the day and found by
the inbox filter of their local day, which is July in London and Tokyo and June in UTC and New
York; the stored time is the same UTC hour whatever the zone; a case note's time and the audit
log's times are shown in local time with the zone's abbreviation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from tests.support.app import form_token, make_app, minimal_report
from tests.support.staff import csrf, signed_in
from ugly_mugs.dates import local
from ugly_mugs.keys import keystore
from ugly_mugs.models import Report
from ugly_mugs.stats import queries
from ugly_mugs.stats.periods import period_for

FILED_AT = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
ZONES = [
    ("Europe/London", date(2026, 7, 1), "BST"),
    ("Asia/Tokyo", date(2026, 7, 1), "JST"),
    ("UTC", date(2026, 6, 30), "UTC"),
    ("America/New_York", date(2026, 6, 30), "EDT"),
]


def _file_six(client) -> list[str]:
    references = []
    with time_machine.travel(FILED_AT, tick=False):
        for n in range(6):
            data = minimal_report(
                incident_date="2026-06-29", what_happened=f"Report {n}", form_token=form_token(client)
            )
            page = client.post("/report", data=data).get_data(as_text=True)
            references.append(page.split("UM-", 1)[1][:7])
    return ["UM-" + r for r in references]


@pytest.mark.parametrize(("zone", "day", "abbreviation"), ZONES)
def test_days_are_counted_and_shown_in_the_configured_zone(database_url, zone, day, abbreviation):
    app = make_app(database_url, TIMEZONE=zone)
    try:
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            passphrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
            session.commit()
        references = _file_six(app.test_client())
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            stored = set(session.scalars(select(Report.received_at)))
            assert stored == {datetime(2026, 6, 30, 23, 0, tzinfo=UTC)}  # UTC, to the hour, whatever the zone
            july = queries.count_period(session, period_for("month", date(2026, 7, 1))).total()
            june = queries.count_period(session, period_for("month", date(2026, 6, 1))).total()
            week = queries.count_period(session, period_for("week", day)).total()
        assert (june, july) == ((0, 6) if day.month == 7 else (6, 0))
        assert week == 6

        coordinator, _ = signed_in(app, passphrase, "zonecoordinator", "coordinator")
        inbox = coordinator.get(f"/coordinator/reports?from={day}&to={day}").get_data(as_text=True)
        assert all(reference in inbox for reference in references)
        assert inbox.count(day.strftime("%d %b %Y")) == 6
        other = day.replace(day=1) if day.day != 1 else date(2026, 6, 30)
        elsewhere = coordinator.get(f"/coordinator/reports?from={other}&to={other}").get_data(as_text=True)
        assert not any(reference in elsewhere for reference in references)
        page = coordinator.get(f"/coordinator/reports/{references[0]}").get_data(as_text=True)
        assert day.strftime("%d %B %Y") in page

        # A case note's exact time, shown with the zone once the report is opened.
        report_page = f"/coordinator/reports/{references[0]}"
        with time_machine.travel(FILED_AT.replace(minute=45), tick=False):
            token = csrf(coordinator, report_page)
            coordinator.post(f"{report_page}/notes", data={"text": "Called back.", "csrf_token": token})
        opened = coordinator.post(
            f"{report_page}/open", data={"reason": "follow_up", "csrf_token": csrf(coordinator, report_page)}
        ).get_data(as_text=True)
        shown = local.shown_time(FILED_AT.replace(minute=45), local.load(zone))
        assert shown.endswith(abbreviation) and shown in opened
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def test_audit_times_carry_the_zone(app, passphrase, clock):
    admin, _ = signed_in(app, passphrase, "zoneadmin", "admin", granted=False)
    page = admin.get("/admin/audit").get_data(as_text=True)
    zone = local.load(app.config["TIMEZONE"])
    assert f" {datetime.now(zone).tzname()}</td>" in page
