"""Benchmark: the coordinators' triage inbox over 100,000 reports, on SQLite and PostgreSQL.

For each database kind this makes a fresh database with the real migrations, sets the
installation up, bulk-inserts plain report rows (received time, area, week, categories, who
filed, consent, status; no sections, which the inbox never reads) spread over two years, logs a
coordinator in through the real login page and times whole requests through the app: the
default inbox (new and open), a deep page reached by following "Older" links, and filters by
area, by a rare kind of incident, by consent and by a received-date range. It prints p50 and p95
per page, whether the target of issue 4 is met (p95 < 100 ms), and the query plan of the inbox
query for the default page and the rare-category filter.

Baseline, measured in the same run: the default inbox's query alone (the same SQL, run through
the same engine, no request, no rendering). Every page's p95 is printed as a ratio to it, with
the load average before and after and one ``summary:`` line.

It reports; it is not a test. The exit status is non-zero only when the harness fails.

    .venv/bin/python -m bench.triage                      # 100,000 reports, 30 requests per page
    .venv/bin/python -m bench.triage --reports 20000 --requests 10 --databases sqlite

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

from sqlalchemy import insert, select, text

from bench import harness
from bench.stats import logged_in_client, measure, p95, set_up
from ugly_mugs import create_app, migrate
from ugly_mugs.coordinator import casework
from ugly_mugs.models import Area, Report, ReportCategory

TARGET_P95_MS = 100.0
START = date(2025, 1, 1)
DAYS = 730
COMMON = ("physical-assault", "robbery", "refused-to-pay", "threats", "harassment")
RARE = "held"  # about one report in 200
STATUSES = (("received", "reviewed", "alert_published", "passed_to_police", "closed", "erased"), (2, 2, 2, 1, 4, 1))
PAGES = {
    "inbox, new and open": "/coordinator/reports",
    "inbox, all statuses": "/coordinator/reports?status=all",
    "inbox, one area": "/coordinator/reports?area=holbeck",
    "inbox, rare category": f"/coordinator/reports?category={RARE}",
    "inbox, common category": f"/coordinator/reports?category={COMMON[0]}",
    "inbox, full reports": "/coordinator/reports?consent_level=full",
    "inbox, one month": "/coordinator/reports?status=all&from=2026-03-01&to=2026-03-31",
}


def seed(app, count: int, seed_value: int = 4) -> None:
    rng = random.Random(seed_value)
    engine = app.extensions["ugly_mugs.engine"]
    with engine.begin() as conn:
        area_ids = [row[0] for row in conn.execute(select(Area.id))]
        origin = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
        for first in range(0, count, 5000):
            reports, tags = [], []
            for _ in range(first, min(count, first + 5000)):
                at = origin + timedelta(hours=rng.randrange(DAYS * 24))
                reports.append(harness.report_row(rng, at, area_ids, STATUSES))
                report_id = reports[-1]["id"]
                codes = rng.sample(COMMON, rng.choice((0, 1, 1, 2)))
                if rng.random() < 0.005:
                    codes.append(RARE)
                tags += [{"report_id": report_id, "code": c} for c in codes]
            conn.execute(insert(Report.__table__), reports)
            if tags:
                conn.execute(insert(ReportCategory.__table__), tags)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def deep_page(client, path: str, hops: int) -> str:
    """The URL of the page reached by following "Older" ``hops`` times."""
    for _ in range(hops):
        page = client.get(path).get_data(as_text=True)
        found = re.search(r'href="([^"]+)" rel="next"', page)
        if not found:
            break
        path = found.group(1).replace("&amp;", "&")
    return path


def explain(app, filters: casework.InboxFilter) -> str:
    engine = app.extensions["ugly_mugs.engine"]
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        ids = casework.rare_category_ids(session, filters.category) if filters.category else None
        statement = casework.inbox_query(filters, None, category_ids=ids)
        compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
        rows = session.execute(text(prefix + str(compiled))).all()
    return "\n".join("    " + " ".join(str(c) for c in row[-1:]) for row in rows)


def baseline_query(app, requests: int) -> float:
    """p95 in ms of the default inbox's query alone, run ``requests`` times after one warm-up."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        statement = casework.inbox_query(casework.InboxFilter(), None)
        session.execute(statement).all()
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            session.execute(statement).all()
            times.append((time.perf_counter() - began) * 1000)
    return p95(times)


def run_case(kind: str, url: str, reports: int, requests: int, plans: bool) -> dict:
    migrate.upgrade(url)
    app = create_app(overrides={"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)}, env={})
    _, password, secret = set_up(app)
    began = time.perf_counter()
    seed(app, reports)
    print(f"\n{kind}: {reports:,} reports seeded in {time.perf_counter() - began:.1f} s; {harness.load_average()}")
    client = logged_in_client(app, password, secret)
    pages = dict(PAGES)
    pages["inbox, 40th page (keyset)"] = deep_page(client, "/coordinator/reports", 40)
    baseline = baseline_query(app, requests)
    print(f"  baseline: the default inbox's query alone, p95 {baseline:.1f} ms")
    all_met = True
    worst = 0.0
    print(f"  {'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9}  target")
    for name, path in pages.items():
        times = measure(client, path, requests)
        met = p95(times) < TARGET_P95_MS
        all_met &= met
        worst = max(worst, p95(times))
        print(
            f"  {name:<30} {statistics.median(times):8.1f} {p95(times):8.1f} {p95(times) / baseline:9.1f}  "
            f"{'met' if met else 'MISSED'}"
        )
    print(f"  after: {harness.load_average()}")
    if plans:
        print("  query plan, new and open:")
        print(explain(app, casework.InboxFilter()))
        print("  query plan, rare category:")
        print(explain(app, casework.InboxFilter(category=RARE)))
        print("  query plan, common category:")
        print(explain(app, casework.InboxFilter(category=COMMON[0])))
    app.extensions["ugly_mugs.engine"].dispose()
    return {"met": all_met, "worst": worst, "baseline": baseline}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=harness.DEFAULT_PG_URL)
    parser.add_argument("--no-plans", action="store_true", help="do not print the query plans")
    args = parser.parse_args(argv)
    print(f"triage inbox, p95 target {TARGET_P95_MS:.0f} ms, {args.requests} requests per page (in-process)")
    print(f"{harness.load_average()} at the start")
    results = {}
    for kind in args.databases.split(","):
        with harness.scratch_database(kind, args.postgres_url) as url:
            results[kind] = run_case(kind, url, args.reports, args.requests, not args.no_plans)
    print()
    parts = []
    for kind, r in results.items():
        print(f"{kind}: every inbox page p95 < {TARGET_P95_MS:.0f} ms: {'yes' if r['met'] else 'NO'}")
        parts.append(f"{kind} {r['worst']:.0f} ms ({r['worst'] / r['baseline']:.1f}x the query alone)")
    met = all(r["met"] for r in results.values())
    print(
        f"summary: triage {args.reports // 1000}k worst p95 {'; '.join(parts)}; target < {TARGET_P95_MS:.0f} ms "
        f"{'met' if met else 'MISSED'}; {harness.load_average()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
