"""Days at the calendar's edges on every page that reads a typed day (``dates.parse_day``).

Proves, table-driven: the monitoring pages, their PDF and CSV, the coordinator's inbox filters
and the audit log's filters answer 400 with the parser's message for a day outside 1900..2100
(year 1, 9999, the days just outside), and an ordinary page for the first and last days inside;
the staff forms that take a day (an outcome's date, an alert's week) refuse the same days with
the same message.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.support.staff import signed_in
from ugly_mugs import dates
from ugly_mugs.coordinator.forms import DraftForm
from ugly_mugs.police.forms import OutcomeForm
from ugly_mugs.stats.periods import KINDS

OUTSIDE = ["0001-01-01", "1899-12-31", "2101-01-01", "9999-06-01", "9999-12-31"]
INSIDE = ["1900-01-01", "2100-12-31"]
NOT_A_DAY = ["0000-00-00", "2023-02-29", "99999-01-01"]
MESSAGE = dates.MESSAGES[dates.RANGE]
STATS_PAGES = ["/stats", "/stats/report", "/stats/report.pdf", "/stats/export.csv"]


@pytest.fixture
def clients(app, passphrase, clock):
    admin, _ = signed_in(app, passphrase, "edgeadmin", "admin", granted=False)
    coordinator, _ = signed_in(app, passphrase, "edgecoordinator", "coordinator")
    return admin, coordinator


def test_monitoring_periods_at_the_edges(clients):
    admin, _ = clients
    for kind in KINDS:
        for page in STATS_PAGES:
            for start in OUTSIDE:
                response = admin.get(f"{page}?kind={kind}&start={start}")
                assert response.status_code == 400, (page, kind, start)
                assert MESSAGE in response.get_data(as_text=True), (page, kind, start)
            for start in NOT_A_DAY:
                assert admin.get(f"{page}?kind={kind}&start={start}").status_code == 400, (page, kind, start)
        for start in INSIDE:
            for page in STATS_PAGES:
                response = admin.get(f"{page}?kind={kind}&start={start}")
                assert response.status_code == 200, (page, kind, start)


def test_inbox_and_audit_filters_at_the_edges(clients):
    admin, coordinator = clients
    for name in ("from", "to"):
        for day in OUTSIDE:
            inbox = coordinator.get(f"/coordinator/reports?status=all&{name}={day}")
            # The inbox names the filter first: "Received from: give a date between …".
            assert inbox.status_code == 400 and MESSAGE.lower() in inbox.get_data(as_text=True).lower(), (name, day)
            audit = admin.get(f"/admin/audit?{name}={day}")
            assert audit.status_code == 400 and MESSAGE in audit.get_data(as_text=True), (name, day)
        for day in INSIDE:
            assert coordinator.get(f"/coordinator/reports?status=all&{name}={day}").status_code == 200
            assert admin.get(f"/admin/audit?{name}={day}").status_code == 200


@pytest.mark.parametrize(
    ("form", "field", "others"),
    [
        (OutcomeForm, "outcome_date", {"outcome": "charged"}),
        (DraftForm, "incident_week", {"title": "T", "body": "B", "severity": "warning"}),
    ],
)
def test_staff_forms_read_days_with_the_same_parser(app, form, field, others):
    for day in OUTSIDE:
        with app.test_request_context("/", method="POST", data=MultiDict({**others, field: day})):
            bound = form(meta={"csrf": False})
            assert not bound.validate()
            assert bound[field].errors == [MESSAGE], day
    with app.test_request_context("/", method="POST", data=MultiDict({**others, field: "1900-01-01"})):
        bound = form(meta={"csrf": False})
        bound.validate()
        assert bound[field].errors == [] and bound[field].data.isoformat() == "1900-01-01"
