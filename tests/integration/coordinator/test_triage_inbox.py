"""The triage inbox: metadata only, filtered, and paged by keyset without losing or repeating a report.

Proves that following "Older" from the first page visits every new-and-open report exactly once,
newest first, even when many were received in the same hour (the cursor breaks ties by id); that
closed and erased reports are left out by default and shown when asked for; that each filter
(area, kind of incident, who filed, consent, received dates) returns exactly the matching reports,
with both ways of filtering by kind (rare and common) giving the same answer; and that the page
shows only metadata, with how many other reports share an identifier with each.
"""

from __future__ import annotations

import random
import re
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from tests.support.matching_data import file
from tests.support.staff import create, login
from ugly_mugs.coordinator import casework
from ugly_mugs.models import Area, Report, ReportCategory
from ugly_mugs.reports import statuses

COUNT = 130


def seed(app) -> list[dict]:
    rng = random.Random(4)
    rows, tags = [], []
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        areas = {a.code: a.id for a in session.scalars(select(Area))}
        base = datetime(2026, 11, 1, 12, tzinfo=UTC)
        for n in range(COUNT):
            report_id = secrets.token_hex(16)
            # Groups of ten share an hour, as received_at is truncated to the hour.
            at = base + timedelta(hours=n // 10)
            row = {
                "id": report_id,
                "reference": f"UM-T{n:05d}",
                "receipt_lookup": None,
                "received_at": at,
                "incident_week": date(2026, 10, 26),
                "area_id": areas[rng.choice(["holbeck", "chapeltown"])],
                "police_unit_id": None,
                "reporter_type": rng.choice(["self", "outreach", "third_party"]),
                "consent_level": rng.choice(["alert_only", "anonymous_intel", "full"]),
                "status": rng.choice(["received", "reviewed", "alert_published", "closed", "erased"]),
                "language": "en",
            }
            rows.append(row)
            for code in rng.sample(["robbery", "threats", "held"], rng.choice([0, 1, 2])):
                tags.append({"report_id": report_id, "code": code})
                row.setdefault("codes", []).append(code)
        session.execute(insert(Report.__table__), [{k: v for k, v in r.items() if k != "codes"} for r in rows])
        session.execute(insert(ReportCategory.__table__), tags)
        session.commit()
    for row in rows:
        row["area"] = "holbeck" if row["area_id"] == areas["holbeck"] else "chapeltown"
    return rows


def newest_first(rows):
    return [r["reference"] for r in sorted(rows, key=lambda r: (r["received_at"], r["id"]), reverse=True)]


def walk(client, path: str) -> list[str]:
    seen = []
    for _ in range(20):
        response = client.get(path)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        seen += re.findall(r">(UM-T\d{5})</a>", page)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if not found:
            return seen
        path = found.group(1).replace("&amp;", "&")
    raise AssertionError("paging did not end")


def test_keyset_paging_and_filters(app, passphrase, db_session, clock):
    rows = seed(app)
    user = create(app, "carla", "coordinator")
    client = app.test_client()
    assert login(client, user).status_code == 302

    open_rows = [r for r in rows if r["status"] in statuses.OPEN]
    assert len(open_rows) > casework.PAGE_SIZE
    assert walk(client, "/coordinator/reports") == newest_first(open_rows)
    assert walk(client, "/coordinator/reports?status=all") == newest_first(rows)
    closed = [r for r in rows if r["status"] == "closed"]
    assert walk(client, "/coordinator/reports?status=closed") == newest_first(closed)

    cases = {
        "area=holbeck": lambda r: r["area"] == "holbeck",
        "category=held": lambda r: "held" in r.get("codes", []),
        "reporter_type=outreach": lambda r: r["reporter_type"] == "outreach",
        "consent_level=full": lambda r: r["consent_level"] == "full",
        "from=2026-11-02&to=2026-11-02": lambda r: r["received_at"].date() == date(2026, 11, 2),
    }
    for query, keep in cases.items():
        expected = newest_first([r for r in rows if keep(r) and r["status"] in statuses.OPEN])
        assert walk(client, f"/coordinator/reports?{query}") == expected, query

    # Both ways of filtering by kind of incident give the same pages.
    filters = casework.InboxFilter(status=casework.SHOW_ALL, category="threats")
    ids = casework.rare_category_ids(db_session, "threats")
    assert ids is not None
    for category_ids in (ids, None):
        found = list(db_session.scalars(casework.inbox_query(filters, None, 500, category_ids)))
        assert [r.reference for r in found] == newest_first([r for r in rows if "threats" in r.get("codes", [])])

    page = client.get("/coordinator/reports").get_data(as_text=True)
    assert "Linked reports" in page and "New and open" in page


def test_inbox_shows_how_many_other_reports_each_is_linked_to(app, passphrase):
    first = file(app, phone_numbers=["07700 900123"])
    second = file(app, phone_numbers=["+44 7700 900123"], emails=["him@example.com"])
    third = file(app, emails=["HIM@example.com"])
    alone = file(app, phone_numbers=["07700 900999"])
    carla = create(app, "carla", "coordinator")
    client = app.test_client()
    assert login(client, carla).status_code == 302
    page = client.get("/coordinator/reports").get_data(as_text=True)
    counts = {
        reference: int(n)
        for reference, n in re.findall(r">(UM-[0-9A-Z]+)</a></td>.*?<td[^>]*>(\d+)</td></tr>", page, re.S)
    }
    assert counts == {first.reference: 1, second.reference: 2, third.reference: 1, alone.reference: 0}


BAD_FILTERS = {
    # query argument: (a value not in its list, the start of the problem named, the value used instead)
    "status": ("zzz", "Choose a status from the list.", casework.SHOW_OPEN),
    "area": ("atlantis", "Choose an area from the list.", ""),
    "category": ("<script>", "Choose a kind of incident from the list.", ""),
    "reporter_type": ("police", "Choose who filed from the list.", ""),
    "consent_level": ("everything", "Choose a consent level from the list.", ""),
    "from": ("yesterday", "Received from: write the date as YYYY-MM-DD", ""),
    "to": ("2026-02-30", "Received to: write the date as YYYY-MM-DD", ""),
}


@pytest.mark.parametrize("name", sorted(BAD_FILTERS))
def test_a_filter_not_in_its_list_is_named_and_ignored(app, passphrase, db_session, name):
    value, problem, instead = BAD_FILTERS[name]
    labels = {"robbery": "Robbery"}
    plain = casework.inbox_page(db_session, {}, labels)
    # A cursor that is not one starts from the newest rather than failing.
    view = casework.inbox_page(db_session, {name: value, "after": "\x00garbage"}, labels)
    assert [p[: len(problem)] for p in view.problems] == [problem]
    assert view.chosen[name] == instead
    assert view.chosen == plain.chosen and view.page == plain.page
    assert set(view.chosen) == set(casework.FILTER_ARGS)
