"""Monitoring figures on a seeded data set of a few hundred reports, and the pages that show them.

Proves: the raw counts of a period (by area, kind of incident, who filed, consent, status and
week, and the reports passed to police in it by their latest outcome; the alert messages
published in it by kind and severity, the hours from report to alert, and the projects reached;
the reports sharing a whole identifier with another)
equal counts made independently in Python from the same rows, erased reports and reports outside
the period left out; the median and 90th percentile of the time to alert equal an independent
calculation, and are withheld when fewer than the threshold alerts contribute; counting reads no
alert title or body; alerts published, updated, retracted and delivered through the real
publishing service and dispatcher (to aiosmtpd) are counted, an erased report's alert untimed;
every number the suppressed figures show equals the independent count, and every number withheld
is either small or withheld in a line that holds another withheld number; the dashboard, the
printable report, the CSV and the PDF show the headline sentences, the police outcomes and no
count between 1 and the threshold anywhere; the PDF draws every chart the dashboard shows, the
time to alert among them; the CSV neutralises spreadsheet formulas in names that come from
configuration; a bad period is refused clearly; the dashboard opens on the last four complete
weeks, or on the four weeks of the latest reports when those hold none; the labels cover every code the app stores; and
the stats code imports nothing that could decrypt (no ``ugly_mugs.crypto``, ``sections``,
``keystore``, ``cryptography``) and no Flask outside its views.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import event, func, select

from config import Choice
from tests.support.app import make_app, minimal_report
from tests.support.matching_data import file as file_with
from tests.support.source import ROOT, imported_modules
from tests.support.staff import create, login
from tests.support.stats_data import expected, insert_rows, make_rows
from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.dates import local
from ugly_mugs.keys import keystore
from ugly_mugs.reports import erasure, reporter_types, statuses
from ugly_mugs.stats import charts, export, figures, queries, rollup
from ugly_mugs.stats.periods import default_period, four_weeks_to, period_for

QUARTER_START = date(2026, 1, 1)
PERIOD = period_for("quarter", QUARTER_START)
OUTCOME_LABELS = figures.OUTCOME_LABELS | {queries.NO_OUTCOME: figures.NO_OUTCOME_LABEL}
SMALL = re.compile(r"^\s*[1-4]\s*$")
STATS = ROOT / "ugly_mugs" / "stats"


@pytest.fixture
def rows(app, passphrase):
    # 400 reports from mid-December to mid-April, so some fall outside the quarter on each side;
    # "other" gets only a handful, so that small numbers appear and must be withheld.
    made = make_rows(400, date(2025, 12, 15), 120, rare_area="other")
    insert_rows(app.extensions["ugly_mugs.engine"], made)
    return made


def _figures(app):
    return figures.build(_counts(app), app.config["CATEGORIES"], 5)


def _counts(app):
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        return queries.count_period(session, PERIOD)


def test_raw_counts_match_an_independent_count(app, rows):
    counts = _counts(app)
    want = expected(rows, PERIOD.start, PERIOD.end)
    areas = {a.id: a.code for a in counts.areas}
    assert counts.total() == want["total"]["all"] > 200
    assert {areas[k[0]]: n for k, n in counts.by(1).items()} == dict(want["area"])
    assert {k[0]: n for k, n in counts.by(2).items()} == dict(want["reporter"])
    assert {k[0]: n for k, n in counts.by(3).items()} == dict(want["consent"])
    assert {k[0]: n for k, n in counts.by(4).items()} == dict(want["status"])
    assert "erased" not in {k[0] for k in counts.by(4)}
    by_category = {}
    for (_, code), n in counts.categories.items():
        by_category[code] = by_category.get(code, 0) + n
    assert by_category == dict(want["category"])
    # Weekly buckets: the quarter starts on a Thursday, so the first bucket is that partial week.
    buckets = PERIOD.buckets()
    by_week = {buckets[k[0]].start: n for k, n in counts.by(0).items()}
    monday_counts = dict(want["monday"])
    first_monday = buckets[1].start
    partial = sum(n for monday, n in monday_counts.items() if monday < first_monday)
    assert by_week.pop(buckets[0].start) == partial
    assert by_week == {m: n for m, n in monday_counts.items() if m >= first_monday}
    # Passed to police in the quarter, whenever received, by latest outcome; erased ones left out.
    assert dict(counts.police) == dict(want["police"])
    assert sum(counts.police.values()) > 30 and counts.police[queries.NO_OUTCOME] > 0
    assert len(set(counts.police) - {queries.NO_OUTCOME}) >= 4


@pytest.mark.parametrize(("kind", "start"), [("year", date(2026, 1, 1)), ("quarter", date(2026, 1, 1))])
def test_reports_on_bucket_edges_fall_in_the_bucket_they_begin(app, passphrase, kind, start):
    # At each bucket's first instant (local midnight in the scheme's time zone, stored as UTC) and a
    # microsecond before it, with a category each.
    zone = local.load(app.config["TIMEZONE"])
    period = period_for(kind, start)
    buckets = period.buckets()
    edges = [local.day_start(b.start, zone) for b in buckets]
    times = [t for edge in edges for t in (edge - timedelta(microseconds=1), edge)] + [
        local.day_start(period.end, zone) - timedelta(microseconds=1)
    ]
    base = make_rows(len(times), start, 1)
    rows = [
        replace(
            row, received_at=at, status="received", categories=("robbery",), alert=None, passed_at=None, outcomes=()
        )
        for row, at in zip(base, times, strict=True)
    ]
    insert_rows(app.extensions["ugly_mugs.engine"], rows)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        counts = queries.count_period(session, period)
    want: Counter = Counter()
    for at in times:
        for i, b in enumerate(buckets):
            if b.start <= local.day_of(at, zone) < b.end:
                want[(i,)] += 1
    assert dict(counts.by(0)) == dict(want)
    assert {b: n for (b, code), n in counts.categories.items()} == {b: n for (b,), n in want.items()}
    assert counts.total() == len(times) - 1  # the microsecond before the period is outside it


def test_the_seeded_releases_cover_the_awkward_cases(rows):
    # Otherwise the independent count above would not be testing what it claims to.
    inside = [r for r in rows if r.passed_at and PERIOD.start <= r.passed_at.date() < PERIOD.end]
    assert [r for r in inside if r.received_at.date() < PERIOD.start], "received before, passed on in the period"
    assert [r for r in rows if r.passed_at and r.received_at.date() < PERIOD.end <= r.passed_at.date()]
    assert [r for r in inside if r.status == "erased"], "passed on, then erased"
    # Outcomes recorded out of date order, so that "latest" by date differs from "recorded last".
    assert [r for r in rows if len(r.outcomes) > 1 and max(r.outcomes, key=lambda o: o[2]) != r.outcomes[-1]] or [
        r for r in rows if len(r.outcomes) > 1 and sorted(r.outcomes, key=lambda o: o[1]) != list(r.outcomes)
    ]


def test_shown_figures_equal_the_independent_count_and_small_ones_are_withheld(app, rows):
    f = figures.build(_counts(app), app.config["CATEGORIES"], 5)
    want = expected(rows, PERIOD.start, PERIOD.end)
    assert f.total.value == want["total"]["all"]
    names = {a.label: a.code for a in app.config["AREAS"]}
    checked = 0
    for table, wanted, keyed in (
        ("areas", want["area"], names),
        ("reporters", want["reporter"], {v: k for k, v in figures.REPORTER_LABELS.items()}),
        ("consent", want["consent"], {v: k for k, v in figures.CONSENT_LABELS.items()}),
        ("status", want["status"], {v: k for k, v in figures.STATUS_LABELS.items()}),
        ("police", want["police"], {v: k for k, v in OUTCOME_LABELS.items()}),
    ):
        hidden_in_table = 0
        for label, (cell,) in f.tables[table].rows[:-1]:
            true = wanted[keyed[label]]
            if cell.shown:
                assert cell.value == true, (table, label)
                checked += 1
            else:
                hidden_in_table += 1
        # One withheld number in a column with a shown total could be worked out by subtraction.
        assert hidden_in_table != 1, table
    assert checked >= 14
    passed = sum(want["police"].values())
    assert f.tables["police"].rows[-1][1][0].value == passed
    recorded = passed - want["police"]["none"]
    assert f.police_recorded.value in (recorded, None)
    sentence = next(h for h in f.headlines if "passed to police during the period" in h)
    assert sentence.startswith(f"{passed} reports passed to police during the period, whenever received; ")
    # "Somewhere else" had a handful of reports: withheld, and so is a second area.
    area_cells = dict(f.tables["areas"].rows)
    assert not area_cells["Somewhere else"][0].shown
    assert sum(not cells[0].shown for _, cells in f.tables["areas"].rows) >= 2


def _rendered_cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


@pytest.fixture
def coordinator_client(app, client, passphrase, clock):
    user = create(app, "coord", "coordinator")
    assert login(client, user).status_code == 302
    return client


def test_dashboard_shows_headlines_and_no_small_count(app, rows, coordinator_client):
    response = coordinator_client.get("/stats?kind=quarter&start=2026-02-10")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    want = expected(rows, PERIOD.start, PERIOD.end)
    assert f"{want['total']['all']} reports received from 01 January 2026 to 31 March 2026." in html
    cells = _rendered_cells(html)
    assert len(cells) > 100
    assert not [c for c in cells if SMALL.match(c)]
    assert "withheld*" in cells
    assert html.count("<svg") == 7 and "<script" not in html
    # Every chart points to the table beside it.
    assert html.count("the numbers are in the table beside it") == 7
    passed = sum(want["police"].values())
    assert f"{passed} reports passed to police during the period, whenever received; " in html
    assert 'id="chart-police-title">Police outcomes' in html and 'id="table-police"' in html
    assert "under the latest outcome recorded for it so far" in html
    published = sum(n for (kind, _), n in want["messages"].items() if kind == "alert")
    assert f"{published} alerts published (" in html
    assert 'id="chart-alert-time-title">Time from report to alert' in html and 'id="table-alert_time"' in html
    assert 'id="table-alerts"' in html and 'id="table-projects"' in html
    assert "median time from report to alert" in html


def test_period_report_page_prints_the_same_figures(rows, coordinator_client):
    html = coordinator_client.get("/stats/report?kind=quarter&start=2026-01-01").get_data(as_text=True)
    assert "Ugly Mugs overview (01.01.26 – 31.03.26)" in html
    assert "with consent to share with police" in html
    assert html.count("<svg") == 7 and 'id="table-police"' in html and 'id="table-alert_time"' in html
    assert not [c for c in _rendered_cells(html) if SMALL.match(c)]


def test_csv_is_aggregates_only_and_has_no_small_count(app, rows, coordinator_client):
    response = coordinator_client.get("/stats/export.csv?kind=quarter&start=2026-01-01")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert lines[0] == ["period", "table", "row", "column", "value"]
    summary = [line for line in lines if line[3] == "Hours"]
    assert [line[2] for line in summary] == ["Median", "90th percentile"]
    f = _figures(app)
    assert [float(line[4]) for line in summary] == [
        round(f.alert_median_hours, 1),
        round(f.alert_p90_hours, 1),
    ]
    values = [line[4] for line in lines[1:-1] if line[3] != "Hours"]
    assert not [v for v in values if SMALL.match(v)]
    assert all(v.isdigit() or v == "withheld*" for v in values)
    want = expected(rows, PERIOD.start, PERIOD.end)
    totals = [line for line in lines if line[1] == "Reports by area" and line[2] == "Total"]
    assert totals[0][4] == str(want["total"]["all"])
    police = {line[2]: line[4] for line in lines if line[1].startswith("Police outcomes")}
    assert set(police) == set(OUTCOME_LABELS.values()) | {"Total"}
    assert police["Total"] == str(sum(want["police"].values()))
    for code, label in OUTCOME_LABELS.items():
        assert police[label] in (str(want["police"][code]), "withheld*"), label
    # Aggregates only: one line per published number, no report reference anywhere.
    alerts = {line[2]: line[4] for line in lines if line[1] == "Time from report to alert" and line[3] == "Alerts"}
    assert alerts["Total"] == str(sum(n for (kind, _), n in want["messages"].items() if kind == "alert"))
    projects = {line[2]: line[4] for line in lines if line[1] == "Projects reached by alerts"}
    assert projects["With at least one delivery made"] == str(want["projects"]["reached"])
    assert projects["With a delivery still pending or failed"] == "withheld*"
    assert len(lines) == 4 + sum(len(t.rows) * len(t.columns) for t in f.tables.values())
    assert "UM-" not in response.get_data(as_text=True)


def test_pdf_is_valid_with_headlines_and_no_small_count(app, rows, coordinator_client):
    response = coordinator_client.get("/stats/report.pdf?kind=quarter&start=2026-01-01")
    assert response.status_code == 200
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    flat = " ".join(text.split())
    want = expected(rows, PERIOD.start, PERIOD.end)
    assert "During the quarter 01 January 2026 to 31 March 2026:" in flat
    assert f"{want['total']['all']} reports received from 01 January 2026 to 31 March 2026." in flat
    assert "with consent to share with police" in flat
    assert "withheld*" in flat
    assert f"{sum(want['police'].values())} reports passed to police during the period" in flat
    # Every chart the dashboard shows, under its title, drawn from the same shapes.
    drawn = charts.for_figures(_figures(app))
    assert len(drawn) == 7
    for title in ("Time from report to alert", "Alert messages published, by severity", "Projects reached by alerts"):
        assert title in flat, title
    assert "Median: " in flat and "90th percentile: " in flat
    for chart in drawn.values():
        assert chart.title in flat, chart.title
        for shape in chart.shapes:
            if isinstance(shape, charts.Text) and not shape.rotate:
                assert shape.text in flat, (chart.title, shape.text)
    # Durations (the median and 90th percentile) are not counts.
    counts_only = re.sub(r"\d+(\.\d)? (hours?|days)", "", text)
    tokens = re.findall(r"(?<![\d.:/-])\d+(?![\d.:/-])", counts_only)
    assert not [t for t in tokens if t in {"1", "2", "3", "4"}], tokens


def test_formula_like_names_are_neutralised_in_csv(database_url, clock):
    app = make_app(
        database_url,
        AREAS=(Choice("plus", "+SUM(1,1)"), Choice("at", "@cmd")),
        CATEGORIES=(Choice("eq", '=HYPERLINK("http://x")'), Choice("minus", "-2+3"), Choice("tab", "\tTab")),
        POLICE_UNITS=(),
    )
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        session.commit()
        f = figures.build(queries.count_period(session, PERIOD), app.config["CATEGORIES"], 5)
    text = export.to_csv(f)
    cells = [c for line in csv.reader(io.StringIO(text)) for c in line]
    assert "'+SUM(1,1)" in cells and "'@cmd" in cells
    assert '\'=HYPERLINK("http://x")' in cells and "'-2+3" in cells and "'\tTab" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    app.extensions["ugly_mugs.engine"].dispose()


def test_an_unknown_outcome_code_is_counted_under_its_code_and_neutralised_in_csv():
    # Outcome codes come from the database; one that the labels do not know still counts (so the
    # table adds up), under its code, which the CSV must not let a spreadsheet run.
    counts = queries.Counts(PERIOD)
    counts.police.update({"charged": 7, '=HYPERLINK("http://x")': 6, queries.NO_OUTCOME: 9})
    f = figures.build(counts, (), 5)
    rows = {label: cells[0].value for label, cells in f.tables["police"].rows}
    assert rows['=HYPERLINK("http://x")'] == 6 and rows["Total"] == 22 and rows["Charged"] == 7
    assert f.police_recorded.value == 13
    lines = list(csv.reader(io.StringIO(export.to_csv(f))))
    police = [line for line in lines if line[1].startswith("Police outcomes")]
    assert ['\'=HYPERLINK("http://x")', "6"] in [line[2::2] for line in police]
    assert not [c for line in lines for c in line if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_bad_period_is_refused(coordinator_client):
    response = coordinator_client.get("/stats?kind=decade&start=2026-01-01")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert coordinator_client.get("/stats/export.csv?kind=week&start=yesterday").status_code == 400
    assert coordinator_client.get("/stats/report.pdf?kind=week").status_code == 400


def test_empty_period_shows_zeros(coordinator_client):
    html = coordinator_client.get("/stats?kind=week&start=2030-01-07").get_data(as_text=True)
    assert "0 reports received from 07 January 2030 to 13 January 2030." in html


def test_stats_code_cannot_decrypt():
    files = sorted(p for p in STATS.glob("*.py") if p.name != "__init__.py")
    assert len(files) >= 7
    forbidden = (
        "ugly_mugs.crypto",
        "ugly_mugs.reports.sections",
        "ugly_mugs.keys.keystore",
        "ugly_mugs.reporting",
        "cryptography",
    )
    for path in files:
        modules = imported_modules(path.read_text(encoding="utf-8"), path)
        assert modules, path
        bad = sorted(m for m in modules for top in forbidden if m == top or m.startswith(top + "."))
        if path.name not in {"views.py", "forms.py"}:
            bad += sorted(m for m in modules if m.split(".")[0] in {"flask", "flask_wtf", "werkzeug"})
        assert not bad, f"{path.name} imports {bad}"


def test_labels_cover_the_codes_the_app_stores():
    from ugly_mugs import consent
    from ugly_mugs.models import alerts as alert_models
    from ugly_mugs.models.police import OUTCOMES
    from ugly_mugs.police.forms import OUTCOME_LABELS

    # The police portal's words, and every outcome an officer can record.
    assert figures.OUTCOME_LABELS == OUTCOME_LABELS
    assert tuple(figures.OUTCOME_LABELS) == OUTCOMES
    assert queries.NO_OUTCOME not in OUTCOMES

    assert tuple(figures.REPORTER_LABELS) == reporter_types.ALL
    assert tuple(figures.SEVERITY_LABELS) == alert_models.SEVERITIES
    assert tuple(figures.MESSAGE_KINDS) == alert_models.MESSAGE_KINDS
    assert tuple(figures.CONSENT_LABELS) == consent.LEVELS
    assert set(figures.STATUS_LABELS) | {queries.ERASED} == {
        statuses.RECEIVED,
        statuses.REVIEWED,
        statuses.ALERT_PUBLISHED,
        statuses.PASSED_TO_POLICE,
        statuses.CLOSED,
        statuses.ERASED,
    }


def test_releases_written_by_the_police_workflow_are_counted(app, client, passphrase, clock):
    """The same counts through the real services: pass on, outcomes out of order, withdrawal, erasure."""
    from ugly_mugs.models import Account, Report
    from ugly_mugs.police import release

    filed = []
    for _ in range(4):
        response = client.post("/api/v1/reports", json={**minimal_report(consent_level="full")})
        assert response.status_code == 201
        filed.append((response.get_json()["reference"], response.get_json()["receipt_code"]))
    coordinator = create(app, "carla", "coordinator")
    officer = create(app, "pc.smith", "police")
    today = datetime.now(UTC).date()
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        carla, smith = session.get(Account, coordinator.id), session.get(Account, officer.id)
        reports = [session.scalar(select(Report).where(Report.reference == ref)) for ref, _ in filed]
        released = [release.pass_on(session, r, carla) for r in reports]
        # First report: charged after being recorded as a crime; the earlier outcome, entered last, does not count.
        release.record_outcome(session, released[0], smith, "charged", today)
        release.record_outcome(session, released[0], smith, "recorded_as_crime", today - timedelta(days=3))
        # Second: no outcome yet, and the reporter withdrew consent afterwards: it was still passed on.
        consent_reporter.change(session, reports[1], filed[1][1], "alert_only")
        # Third: an outcome, then the reporter erased the report: not counted at all.
        release.record_outcome(session, released[2], smith, "convicted", today)
        erasure.erase(session, reports[2], erasure.BY_REPORTER)
        # Fourth: two outcomes on the same day; the one recorded last counts.
        release.record_outcome(session, released[3], smith, "under_investigation", today)
        clock.shift(60)
        release.record_outcome(session, released[3], smith, "no_further_action", today)
        session.commit()
        found = queries.count_police(session, period_for("week", today))
        elsewhere = queries.count_police(session, period_for("week", today - timedelta(weeks=1)))
    assert dict(found) == {"charged": 1, queries.NO_OUTCOME: 1, "no_further_action": 1}
    assert not elsewhere
    # The rows per day kept by the same services give the same.
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert dict(queries.count_period(session, period_for("week", today)).police) == dict(found)


def _median_and_p90(values: list[int]) -> tuple[float, float]:
    """Computed here by hand: the middle value(s), and linear interpolation at rank 0.9 * (n - 1)."""
    v = sorted(values)
    n = len(v)
    median = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    rank = 0.9 * (n - 1)
    low = math.floor(rank)
    high = min(low + 1, n - 1)
    return median, v[low] + (v[high] - v[low]) * (rank - low)


def test_alert_figures_match_an_independent_count(app, rows):
    counts = _counts(app)
    want = expected(rows, PERIOD.start, PERIOD.end)
    assert dict(counts.messages) == dict(want["messages"])
    assert dict(Counter(counts.alert_hours)) == dict(want["alert_hours"])
    assert counts.projects_reached == want["projects"]["reached"] >= 5
    assert counts.projects_waiting == want["projects"]["waiting"] > 0
    f = figures.build(counts, app.config["CATEGORIES"], 5)
    published = sum(n for (kind, _), n in want["messages"].items() if kind == "alert")
    assert f.tables["alert_time"].rows[-1][1][0].value == published > 50
    # Bands, counted here independently of figures.band_counts.
    timed = [h for h, n in want["alert_hours"].items() if h is not None for _ in range(n)]
    bands = [
        sum(1 for h in timed if h < 24),
        sum(1 for h in timed if 24 <= h < 72),
        sum(1 for h in timed if 72 <= h < 168),
        sum(1 for h in timed if h >= 168),
        want["alert_hours"][None],
    ]
    shown = [cells[0].value for _, cells in f.tables["alert_time"].rows[:-1]]
    for got, true in zip(shown, bands, strict=True):
        assert got in (true, None)
    assert sum(v is None for v in shown) != 1
    median, p90 = _median_and_p90(timed)
    assert f.alert_median_hours == pytest.approx(median)
    assert f.alert_p90_hours == pytest.approx(p90)
    assert median < p90
    severities = {label: cells for label, cells in f.tables["alerts"].rows}
    for code, label in figures.SEVERITY_LABELS.items():
        for kind, c in zip(figures.MESSAGE_KINDS, severities[label], strict=True):
            assert c.value in (want["messages"][(kind, code)], None), (kind, code)
    sentence = next(h for h in f.headlines if "alerts published" in h)
    assert sentence.startswith(f"{published} alerts published (")
    assert f"median time from report to alert {figures.duration(median)} " in sentence
    assert f"(90th percentile {figures.duration(p90)})" in sentence
    reached = next(h for h in f.headlines if "reached by the alert messages" in h)
    assert reached.startswith(f"{want['projects']['reached']} projects reached")
    assert "withheld* projects have a delivery still pending or failed" in reached


def test_the_seeded_alerts_cover_the_awkward_cases(rows):
    lo = datetime.combine(PERIOD.start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(PERIOD.end, datetime.min.time(), tzinfo=UTC)
    firsts = [(r, r.alert.messages[0]) for r in rows if r.alert and lo <= r.alert.messages[0][2] < hi]
    assert [r for r, _ in firsts if r.received_at < lo], "report received before the period, alert in it"
    assert [r for r, _ in firsts if r.status == "erased"], "alert in the period for an erased report"
    assert [r for r, _ in firsts if not r.kept], "alert in the period whose report is gone"
    assert [r for r in rows if r.alert and r.alert.messages[0][2] < lo <= r.alert.messages[-1][2] < hi]
    retracted = [r for r in rows if r.alert and r.alert.messages[-1][0] == "retraction"]
    assert [r for r in retracted if lo <= r.alert.messages[-1][2] < hi]
    statuses = {status for r in rows if r.alert for m in r.alert.messages for _, status in m[3]}
    assert statuses == {"delivered", "pending", "failed"}


def test_counting_reads_no_alert_text(app, rows):
    engine = app.extensions["ugly_mugs.engine"]
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        # The pages' counts, the direct counts and the rebuild of the rows per day.
        _counts(app)
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            queries.direct_counts(session, PERIOD)
            rollup.rebuild_connection(session)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    touching = [s for s in statements if "alert_message" in s]
    assert len(touching) >= 3
    assert not [s for s in touching if re.search(r"\b(title|body|areas)\b", s)]


@pytest.mark.parametrize("hours", [[30, 50], [1, 2, 3, 400]])
def test_time_to_alert_is_withheld_below_the_threshold(hours):
    counts = queries.Counts(PERIOD)
    counts.messages.update({("alert", "urgent"): len(hours) + 7})
    counts.alert_hours = [*hours, *[None] * 7]
    f = figures.build(counts, (), 5)
    assert f.alert_median_hours is None and f.alert_p90_hours is None
    not_shown = "fewer than 5 alerts; not shown"
    assert f.alert_time_summary == [("Median", not_shown), ("90th percentile", not_shown)]
    sentence = next(h for h in f.headlines if "alerts published" in h)
    assert "not shown, as fewer than 5 alerts can be timed" in sentence
    for value in hours:
        assert str(value) not in sentence.replace(str(len(hours) + 7), "")
    lines = list(csv.reader(io.StringIO(export.to_csv(f))))
    assert [line[4] for line in lines if line[3] == "Hours"] == ["fewer than 5 alerts; not shown"] * 2
    # The bands are withheld too (all small), and the alerts without a report with them.
    bands = [cells[0] for _, cells in f.tables["alert_time"].rows[:-1]]
    assert not [c for c in bands if c.shown and 0 < c.value < 5]
    assert sum(not c.shown for c in bands) != 1


def test_alerts_written_by_the_publishing_workflow_are_counted(app, passphrase, db_session, clock):
    """The same counts through the real services: publish, update, retract, erase, dispatch to SMTP."""
    from alerts.authoring import publish
    from alerts.delivery.dispatch import Dispatcher
    from alerts.delivery.settings import dispatch_settings
    from tests.integration.alerts.test_alert_rules import coordinators, draft_for, filed
    from tests.support.alerting import make_project
    from tests.support.mailsink import smtp_server
    from tests.support.reading import scheme_pair
    from ugly_mugs.models import Alert, AlertMessage

    pair = scheme_pair(db_session, passphrase)
    make_project(db_session, "Reached", areas=["holbeck"], emails=["alerts@reached.example"])
    make_project(db_session, "Not yet reached", areas=["holbeck"], webhooks=[("http://127.0.0.1:9/hook", "s" * 32)])
    make_project(db_session, "Elsewhere", areas=["harehills"], emails=["alerts@elsewhere.example"])
    db_session.commit()
    reports = [filed(app, db_session)[0] for _ in range(3)]
    (ann,) = coordinators(app, db_session, "ann")
    clock.shift(5 * 3600)
    alerts = []
    for report in reports:
        alert = draft_for(db_session, report, ann, pair)
        publish.publish(db_session, alert, ann, pair)
        alerts.append(alert)
    publish.update(db_session, alerts[0], ann, pair, "Seen again", "He was seen again on Monday.", "urgent")
    publish.retract(db_session, alerts[0], ann, pair)
    # The second report is erased after its alert went out: published, but not timed.
    erasure.erase(db_session, reports[1], erasure.BY_REPORTER)
    db_session.commit()
    with smtp_server() as (sink, port):
        config = {**app.config, "SMTP_URL": f"smtp://127.0.0.1:{port}"}
        Dispatcher(app.extensions["ugly_mugs.sessionmaker"], dispatch_settings(config)).run_once()
    assert len(sink.messages) == 5

    sent = db_session.execute(select(AlertMessage.kind, AlertMessage.severity, AlertMessage.published_at)).all()
    period = period_for("year", sent[0][2].date())
    # Hours counted here from the stored times, independently of the SQL.
    want_hours = []
    for alert, report in zip(alerts, reports, strict=True):
        first = db_session.scalar(
            select(AlertMessage.published_at).where(AlertMessage.alert_id == alert.id, AlertMessage.kind == "alert")
        )
        start = report.received_at.replace(minute=0, second=0, microsecond=0)
        want_hours.append(None if report.status == "erased" else int((first - start).total_seconds() // 3600))
    assert sorted(h for h in want_hours if h is not None) in ([5, 5], [5, 6], [6, 6])
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert dict(queries.count_messages(session, period)) == dict(Counter((k, s) for k, s, _ in sent))
        assert sorted(queries.alert_hours(session, period), key=str) == sorted(want_hours, key=str)
        # One project received everything; the webhook one has nothing delivered yet; the third got nothing.
        assert queries.count_projects(session, period) == (1, 1)
        counts = queries.count_period(session, period)
    assert {k for k, _ in counts.messages} == {"alert", "update", "retraction"}
    assert db_session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "retracted")) == 1
    # Threshold 1: nothing withheld, so every number can be checked.
    f = figures.build(counts, app.config["CATEGORIES"], 1)
    assert f.tables["alert_time"].rows[-1][1][0].value == 3
    assert f.alert_median_hours in (5, 5.5, 6)
    assert [cells[0].value for _, cells in f.tables["alert_time"].rows[-2:]] == [1, 3]
    assert f.tables["projects"].rows[0][1][0].value == 1
    # The rows per day kept by publishing and erasure give what counting the messages gives.
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        assert figures.build(queries.direct_counts(session, period), app.config["CATEGORIES"], 1) == f


def test_repeat_identifiers_count_reports_sharing_a_whole_identifier(app, passphrase):
    """Filed through the real service, so the blind-index rows are the real ones; counted here by
    hand: the three spellings of one number and the two emails link five reports, a partial plate
    that may be his is only a possible match, and reports with identifiers of their own are not linked."""
    linked = [
        file_with(app, phone_numbers=["07700 900123"]),
        file_with(app, phone_numbers=["+44 7700 900123"], emails=["him@example.com"]),
        file_with(app, phone_numbers=["00447700900123"]),
        file_with(app, emails=["Him@Example.com"]),
        file_with(app, emails=["HIM@example.com"], vehicle={"registration": "AB12 CDE"}),
    ]
    alone = [
        file_with(app, vehicle={"registration": "AB12 C??"}),
        file_with(app, phone_numbers=["07700 900999"]),
        file_with(app, usernames=["@someone_else"]),
    ]
    today = datetime.now(UTC).date()
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        counts = queries.count_period(session, period_for("week", today))
    assert counts.total() == len(linked) + len(alone)
    assert counts.repeat_linked == len(linked)
    f = figures.build(counts, app.config["CATEGORIES"], 2)
    rows = {label: cells[0].value for label, cells in f.tables["repeat"].rows}
    assert list(rows.values()) == [5, 3, 8]
    assert "5 reports share a phone number, plate, email or username with another report." in f.headlines
    assert not f.not_yet
    assert "Repeat identifiers: reports linked to another" in export.to_csv(f)


@pytest.mark.parametrize(
    ("weeks_ago", "opens_on_weeks_ago"),
    [
        # A new installation (the demo): reports only this week; the page opens on the four weeks to now.
        ((0,), 0),
        # A quiet spell: the latest reports ten weeks ago; the page opens on the four weeks ending then.
        ((30, 10), 10),
        # Reports in the last four complete weeks: those weeks, as the Leeds overview reports them.
        ((2, 0), 1),
    ],
)
def test_monitoring_opens_on_the_latest_period_with_reports(app, coordinator_client, weeks_ago, opens_on_weeks_ago):
    today = datetime.now(UTC).date()
    rows = [row for n in weeks_ago for row in make_rows(20, today - timedelta(weeks=n), 1, seed=n + 3)]
    insert_rows(app.extensions["ugly_mugs.engine"], rows)
    period = four_weeks_to(today - timedelta(weeks=opens_on_weeks_ago))
    assert (period == default_period(today)) == (opens_on_weeks_ago == 1)
    assert expected(rows, period.start, period.end)["total"]["all"] >= 5
    html = coordinator_client.get("/stats").get_data(as_text=True)
    # The total itself may be withheld (so that a small breakdown cannot be worked out); never 0.
    sentence = f"reports received from {period.start:%d %B %Y} to {period.last_day:%d %B %Y}."
    shown = re.findall(r"([^>]*) " + re.escape(sentence), html)
    assert shown and shown[0] != "0", shown
    assert f'value="{period.start.isoformat()}"' in html
