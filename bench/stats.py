"""Benchmark: the monitoring dashboard and period report over 100,000 and 500,000 reports.

For each database kind (SQLite, PostgreSQL) and each size this makes a fresh database, migrates
it with the real migrations, sets the installation up (areas, keys), inserts plain report rows
(area, week, categories, who filed, consent, status; no sections, which statistics never
read) spread over two years, with a police release for every report passed to police (a
few days to weeks after it was received) and none to three outcomes each, an alert for
every report with one published (first published hours to weeks after the report, some
updated or retracted) whose messages are delivered to one to three of ten projects
(delivered, pending or failed), so that the alert figures (messages by kind and severity,
time from report to alert, projects reached) are counted too. The rows are inserted with Core,
as a restore would, so the counts per day are then made with the rebuild the
``stats rebuild`` command runs (timed). It logs a coordinator in through the real login page,
and then times whole requests through the app for the dashboard (four weeks, quarter, year),
the printable period report, its PDF and the CSV export.

Baseline, measured in the same run: the year dashboard counted the old way, from the reports
themselves (``queries.direct_counts``, still the rebuild's source of truth). Every page's p95
is printed as a ratio to it, with the load average before and after, whether the target of
issue 20 is met (p95 < 100 ms for the dashboard and the period report) and one ``summary:`` line.

It reports; it is not a test. The exit status is non-zero only when the harness fails.

    .venv/bin/python -m bench.stats                      # 100,000 and 500,000 reports, 30 requests per page
    .venv/bin/python -m bench.stats --reports 20000 --requests 10 --databases sqlite

Only 127.0.0.1 is contacted (PostgreSQL); the throwaway PostgreSQL database is dropped.
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pyotp
from sqlalchemy import func, insert, select, text

from bench import harness
from ugly_mugs import create_app, migrate
from ugly_mugs.auth import accounts
from ugly_mugs.keys import keystore
from ugly_mugs.models import (
    Alert,
    AlertMessage,
    Area,
    Delivery,
    PoliceOutcome,
    PoliceRelease,
    PoliceUnit,
    Project,
    ProjectChannel,
    Report,
    ReportCategory,
)
from ugly_mugs.models.alerts import SEVERITIES
from ugly_mugs.models.police import OUTCOMES
from ugly_mugs.stats import queries, rollup

TARGET_P95_MS = 100.0
BASELINE_PAGE = "dashboard, year"
START = date(2025, 1, 1)
DAYS = 730
CATEGORIES = ("physical-assault", "sexual-assault", "robbery", "refused-to-pay", "condom", "threats", "harassment")
PAGES = {
    "dashboard, four weeks": "/stats?kind=four_weeks&start=2026-03-02",
    "dashboard, quarter": "/stats?kind=quarter&start=2026-04-01",
    "dashboard, year": "/stats?kind=year&start=2026-01-01",
    "period report, four weeks": "/stats/report?kind=four_weeks&start=2026-03-02",
    "period report, quarter": "/stats/report?kind=quarter&start=2026-04-01",
    "period report, year": "/stats/report?kind=year&start=2026-01-01",
    "period report PDF, quarter": "/stats/report.pdf?kind=quarter&start=2026-04-01",
    "CSV, quarter": "/stats/export.csv?kind=quarter&start=2026-04-01",
}
TARGETED = ("dashboard", "period report,")
PROJECTS = 10
STATUSES = (("received", "reviewed", "alert_published", "passed_to_police", "erased"), (3, 3, 3, 2, 1))


def seed_projects(conn) -> list[tuple[int, int]]:
    """Ten projects with an email channel each: (project id, channel id)."""
    found = []
    for i in range(PROJECTS):
        project_id = conn.execute(insert(Project.__table__).values(name=f"Bench project {i}")).inserted_primary_key[0]
        channel_id = conn.execute(
            insert(ProjectChannel.__table__).values(project_id=project_id, kind="email", target=f"p{i}@example.org")
        ).inserted_primary_key[0]
        found.append((project_id, channel_id))
    return found


class AlertRows:
    """Alerts, their messages and deliveries for one batch, with ids given so each table is one insert."""

    def __init__(self, rng: random.Random, author: int, projects: list[tuple[int, int]]) -> None:
        self.rng, self.author, self.projects = rng, author, projects
        self.alert_id = self.message_id = 0
        self.clear()

    def clear(self) -> None:
        self.alerts, self.messages, self.deliveries = [], [], []

    def add(self, report_id: str, received_at: datetime) -> None:
        rng = self.rng
        self.alert_id += 1
        severity = rng.choice(SEVERITIES)
        at = received_at + timedelta(hours=rng.choice((rng.randrange(3), rng.randrange(72), rng.randrange(900))))
        kinds = ["alert"] + ["update"] * rng.choice((0, 0, 0, 1, 2)) + (["retraction"] if rng.random() < 0.1 else [])
        first, last = at, at
        for sequence, kind in enumerate(kinds, start=1):
            if sequence > 1:
                last += timedelta(hours=rng.randrange(1, 15 * 24))
            self.message_id += 1
            self.messages.append(
                {
                    "id": self.message_id,
                    "alert_id": self.alert_id,
                    "sequence": sequence,
                    "kind": kind,
                    "message_id": secrets.token_hex(16),
                    "severity": severity,
                    "title": "Bench alert",
                    "body": "Bench alert text.",
                    "areas": "Bench area",
                    "published_by": self.author,
                    "published_at": last,
                }
            )
            for project_id, channel_id in rng.sample(self.projects, rng.choice((1, 2, 3))):
                status = rng.choices(("delivered", "pending", "failed"), (18, 1, 1))[0]
                self.deliveries.append(
                    {
                        "message_id": self.message_id,
                        "project_id": project_id,
                        "channel_id": channel_id,
                        "kind": "email",
                        "status": status,
                        "attempts": 1,
                        "next_attempt_at": last,
                        "delivered_at": last if status == "delivered" else None,
                    }
                )
        retracted = kinds[-1] == "retraction"
        self.alerts.append(
            {
                "id": self.alert_id,
                "reference": "A-" + secrets.token_hex(5).upper(),
                "report_id": report_id,
                "status": "retracted" if retracted else "published",
                "severity": severity,
                "created_by": self.author,
                "published_at": first,
                "retracted_at": last if retracted else None,
            }
        )

    def insert(self, conn) -> None:
        for table, values in ((Alert, self.alerts), (AlertMessage, self.messages), (Delivery, self.deliveries)):
            if values:
                conn.execute(insert(table.__table__), values)
        self.clear()


def seed(app, count: int, passed_by: int, seed_value: int = 8) -> None:
    rng = random.Random(seed_value)
    engine = app.extensions["ugly_mugs.engine"]
    with engine.begin() as conn:
        area_ids = [row[0] for row in conn.execute(select(Area.id))]
        unit_id = conn.execute(select(PoliceUnit.id)).scalar()
        origin = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
        release_id = 0
        alerts = AlertRows(random.Random(seed_value * 31), passed_by, seed_projects(conn))
        for first in range(0, count, 5000):
            reports, tags, releases, outcomes = [], [], [], []
            for _ in range(first, min(count, first + 5000)):
                at = origin + timedelta(hours=rng.randrange(DAYS * 24))
                reports.append(harness.report_row(rng, at, area_ids, STATUSES))
                report_id = reports[-1]["id"]
                tags += [{"report_id": report_id, "code": c} for c in rng.sample(CATEGORIES, rng.choice((0, 1, 1, 2)))]
                if reports[-1]["status"] == "alert_published":
                    alerts.add(report_id, at)
                if reports[-1]["status"] == "passed_to_police":
                    # Ids given here so that a batch of releases and their outcomes is two inserts.
                    release_id += 1
                    passed_at = at + timedelta(hours=rng.randrange(1, 40 * 24))
                    reports[-1]["police_unit_id"] = unit_id
                    releases.append(
                        {
                            "id": release_id,
                            "report_id": report_id,
                            "police_unit_id": unit_id,
                            "passed_by": passed_by,
                            "passed_at": passed_at,
                        }
                    )
                    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                        outcomes.append(
                            {
                                "release_id": release_id,
                                "outcome": rng.choice(OUTCOMES),
                                "outcome_date": passed_at.date() + timedelta(days=rng.randrange(60)),
                                "recorded_by": passed_by,
                                "recorded_at": passed_at + timedelta(hours=rng.randrange(1, 90 * 24)),
                            }
                        )
            conn.execute(insert(Report.__table__), reports)
            if tags:
                conn.execute(insert(ReportCategory.__table__), tags)
            if releases:
                conn.execute(insert(PoliceRelease.__table__), releases)
            if outcomes:
                conn.execute(insert(PoliceOutcome.__table__), outcomes)
            alerts.insert(conn)
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load: statistics for the planner, and a
        # visibility map so that covering indexes are read without visiting the table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def set_up(app) -> tuple[int, str, str]:
    """Keys, areas and units, and the coordinator account: its id, password and TOTP secret."""
    password = "bench " + secrets.token_hex(8)
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        account, uri = accounts.create_account(session, "bench-coordinator", "Bench", "coordinator", password)
        session.commit()
        account_id = account.id
    return account_id, password, re.search(r"secret=([A-Z2-7]+)", uri).group(1)


def logged_in_client(app, password: str, secret: str):
    client = app.test_client()
    csrf = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def post(path: str, data: dict):
        token = csrf.search(client.get(path).get_data(as_text=True)).group(1)
        return client.post(path, data={**data, "csrf_token": token})

    code = pyotp.TOTP(secret).now()
    response = post("/login", {"username": "bench-coordinator", "password": password, "code": code})
    if response.headers.get("Location", "").endswith("/login/enrol"):
        response = post("/login/enrol", {"code": code})
    if response.status_code != 302:
        raise RuntimeError(f"login failed with {response.status_code}")
    return client


def measure(client, path: str, requests: int) -> list[float]:
    client.get(path)  # warm: templates compiled, connections open
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]


def run_case(kind: str, url: str, reports: int, requests: int) -> dict:
    """Seed, rebuild the counts per day, and time every page and the baseline; the figures for the summary."""
    migrate.upgrade(url)
    app = create_app(overrides={"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)}, env={})
    account_id, password, secret = set_up(app)
    began = time.perf_counter()
    seed(app, reports, account_id)
    seeded = time.perf_counter() - began
    began = time.perf_counter()
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        rows = rollup.rebuild_connection(session)
        session.commit()
    rebuilt = time.perf_counter() - began
    with app.extensions["ugly_mugs.engine"].connect() as conn:
        releases = conn.execute(select(func.count()).select_from(PoliceRelease)).scalar()
        outcomes = conn.execute(select(func.count()).select_from(PoliceOutcome)).scalar()
        messages = conn.execute(select(func.count()).select_from(AlertMessage)).scalar()
        deliveries = conn.execute(select(func.count()).select_from(Delivery)).scalar()
    print(
        f"\n{kind}, {reports:,} reports ({releases:,} passed to police, {outcomes:,} outcomes, "
        f"{messages:,} alert messages, {deliveries:,} deliveries): seeded in {seeded:.1f} s, "
        f"counts per day rebuilt in {rebuilt:.1f} s ({rows:,} rows); {harness.load_average()}"
    )
    client = logged_in_client(app, password, secret)
    # The baseline: the same page counted from the reports, as before the counts per day.
    rolled_up = queries.count_period
    queries.count_period = queries.direct_counts
    try:
        baseline = p95(measure(client, PAGES[BASELINE_PAGE], requests))
    finally:
        queries.count_period = rolled_up
    print(f"  baseline: {BASELINE_PAGE} counted from the reports, p95 {baseline:.1f} ms")
    print(f"  {'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9}  target")
    worst = 0.0
    all_met = True
    for name, path in PAGES.items():
        times = measure(client, path, requests)
        targeted = name.startswith(TARGETED)
        met = p95(times) < TARGET_P95_MS
        if targeted:
            worst = max(worst, p95(times))
        all_met &= met or not targeted
        verdict = ("met" if met else "MISSED") if targeted else "(none)"
        print(f"  {name:<28} {statistics.median(times):8.1f} {p95(times):8.1f} {p95(times) / baseline:9.3f}  {verdict}")
    print(f"  after: {harness.load_average()}")
    app.extensions["ugly_mugs.engine"].dispose()
    return {"met": all_met, "worst": worst, "baseline": baseline}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", default="100000,500000", help="sizes, comma-separated")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=harness.DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.reports.split(",")]
    print(f"monitoring pages, p95 target {TARGET_P95_MS:.0f} ms, {args.requests} requests per page (in-process)")
    print(f"{harness.load_average()} at the start")
    results = {}
    for kind in args.databases.split(","):
        for size in sizes:
            with harness.scratch_database(kind, args.postgres_url) as url:
                results[(kind, size)] = run_case(kind, url, size, args.requests)
    print()
    parts = []
    for (kind, size), r in results.items():
        print(
            f"{kind} {size:,}: worst dashboard/period report p95 {r['worst']:.1f} ms "
            f"({r['worst'] / r['baseline']:.3f} of the baseline's {r['baseline']:.1f} ms); "
            f"p95 < {TARGET_P95_MS:.0f} ms: {'yes' if r['met'] else 'NO'}"
        )
        parts.append(f"{kind} {size // 1000}k {r['worst']:.0f} ms ({r['worst'] / r['baseline']:.3f}x old)")
    met = all(r["met"] for r in results.values())
    print(
        f"summary: stats worst p95 {'; '.join(parts)}; target < {TARGET_P95_MS:.0f} ms "
        f"{'met' if met else 'MISSED'}; {harness.load_average()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
