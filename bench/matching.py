"""Benchmark: checking a number and linked reports over 1,000,000 indexed identifiers; key rotation.

For each database kind (SQLite, PostgreSQL) this makes a fresh database (PostgreSQL: a throwaway
``bench_matching_<random>`` database, dropped at the end), migrates it with the real migrations,
sets the installation up, and seeds with Core inserts:

- ``--rotation-reports`` reports (default 100,000) with a real encrypted perpetrator section
  (two phone numbers, a plate, an email, a username) sealed to the scheme key, and their real
  blind-index rows; every 100th has a published alert;
- filler reports (no sections) with random index rows, so that the index holds
  ``--identifiers`` rows in all (default 1,000,000);
- one report with 20 identifiers, each shared with a few other reports.

Then it times, in-process (Flask test client: server-side time, no network):

1. ``POST /api/v1/check`` with a project token, half numbers that have published alerts, half
   unknown ones: p50/p95 against the target p95 < 10 ms;
2. the linked-report lookup of the report with 20 identifiers (``links.links_for``) and
   ``linked_counts`` for a page of 50 reports;
3. ``matching rotate`` (the real ``rotate.rotate``) over every report: recompute, then delete
   the 1,000,000 old rows.

    .venv/bin/python -m bench.matching                       # full run
    .venv/bin/python -m bench.matching --quick               # 100,000 identifiers, 5,000 reports
    .venv/bin/python -m bench.matching --databases sqlite --identifiers 200000 --rotation-reports 10000

It reports; it is not a test. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, func, insert, select, text

from bench import harness
from bench.harness import LoadSampler, load_average, percentile, ratio
from ugly_mugs import create_app, migrate
from ugly_mugs.auth import accounts
from ugly_mugs.crypto import aead
from ugly_mugs.keys import keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.matching import check, index, links, normalise, rotate
from ugly_mugs.models import (
    Alert,
    AlertMessage,
    Area,
    IdentifierIndex,
    Project,
    Report,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.reports import sections

TARGET_P95_MS = 10.0
BATCH = 5000


def phone_of(i: int) -> str:
    return f"07{i:09d}"


def _report_row(report_id: str, area_id: int, now: datetime) -> dict:
    return {
        "id": report_id,
        "reference": "UM-" + secrets.token_hex(6).upper(),
        "receipt_lookup": None,
        "received_at": now,
        "incident_week": date(2026, 11, 16),
        "area_id": area_id,
        "police_unit_id": None,
        "reporter_type": "self",
        "consent_level": "alert_only",
        "status": "received",
        "language": "en",
    }


def seed(app, identifiers: int, with_sections: int) -> dict:
    """Returns what the timings need: the token, phone numbers with and without alerts, the 20-identifier report."""
    rng = random.Random(6)
    engine = app.extensions["ugly_mugs.engine"]
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        passphrase = keystore.set_up(session, app.config["AREAS"], app.config["POLICE_UNITS"])
        account, _ = accounts.create_account(session, "bench-coord", "Bench", "coordinator", "bench " + "x" * 20)
        project = Project(name="Bench project")
        session.add(project)
        session.flush()
        token = check.issue_token(session, project)
        scheme = keystore.scheme_key(session)
        key = index.key_of(session)
        digester = index.Digester(key, index.current_version(session, key))
        area_id = session.scalar(select(Area.id).order_by(Area.id))
        account_id = account.id
        session.commit()
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    rows_written = 0
    alerted: list[str] = []
    started = time.perf_counter()
    with engine.begin() as conn:
        for first in range(0, with_sections, BATCH):
            reports, section_rows, seals, index_rows, alerts = [], [], [], [], []
            ids = [secrets.token_hex(16) for _ in range(first, min(with_sections, first + BATCH))]
            erasure_keys = app.extensions["ugly_mugs.keystore"].create_many(ids)
            for i, report_id in zip(range(first, min(with_sections, first + BATCH)), ids, strict=True):
                reports.append(_report_row(report_id, area_id, now))
                content = {
                    "phone_numbers": [phone_of(2 * i), phone_of(2 * i + 1)],
                    "vehicle": {"registration": f"B{i:06d}"},
                    "emails": [f"p{i}@example.org"],
                    "usernames": [f"@user{i}"],
                }
                section_key = aead.new_key()
                section_rows.append(
                    {
                        "report_id": report_id,
                        "name": "perpetrator",
                        "version": 1,
                        "ciphertext": sections.encrypt_section(section_key, report_id, "perpetrator", 1, content),
                    }
                )
                seals.append(
                    sections.seal_to_public_key(
                        scheme.public_key,
                        section_key,
                        report_id,
                        "perpetrator",
                        1,
                        sections.SCHEME,
                        ReportKey(report_id, erasure_keys[report_id]),
                    )
                )
                index_rows += index.rows_for(report_id, digester, normalise.from_perpetrator(content))
                if i % 100 == 0:
                    alerts.append(report_id)
                    alerted.append(phone_of(2 * i))
            conn.execute(insert(Report.__table__), reports)
            ids = (
                conn.execute(
                    insert(ReportSection.__table__).returning(
                        ReportSection.__table__.c.id, sort_by_parameter_order=True
                    ),
                    section_rows,
                )
                .scalars()
                .all()
            )
            conn.execute(
                insert(SealedSectionKey.__table__),
                [
                    {"section_id": sid, "holder": sections.SCHEME, "group_key_id": scheme.id, "sealed": sealed}
                    for sid, sealed in zip(ids, seals, strict=True)
                ],
            )
            conn.execute(insert(IdentifierIndex.__table__), index_rows)
            rows_written += len(index_rows)
            for report_id in alerts:
                alert_id = conn.execute(
                    insert(Alert.__table__).returning(Alert.__table__.c.id),
                    {
                        "reference": "A-" + secrets.token_hex(5).upper(),
                        "report_id": report_id,
                        "status": "published",
                        "severity": "warning",
                        "created_by": account_id,
                        "created_at": now,
                        "published_at": now,
                    },
                ).scalar_one()
                conn.execute(
                    insert(AlertMessage.__table__),
                    {
                        "alert_id": alert_id,
                        "sequence": 1,
                        "kind": "alert",
                        "message_id": secrets.token_hex(16),
                        "severity": "warning",
                        "title": "Warning",
                        "body": "Violent when refused. Seen in the city centre.",
                        "areas": "City Centre",
                        "published_by": account_id,
                        "published_at": now,
                    },
                )
        # The report with 20 identifiers, each shared with three other (filler) reports.
        hub = secrets.token_hex(16)
        conn.execute(insert(Report.__table__), [_report_row(hub, area_id, now)])
        shared_rows = []
        for _n in range(20):
            digest = secrets.token_hex(32)
            for report_id in [hub] + [secrets.token_hex(16) for _ in range(3)]:
                if report_id != hub:
                    conn.execute(insert(Report.__table__), [_report_row(report_id, area_id, now)])
                shared_rows.append(
                    {"report_id": report_id, "kind": "phone", "digest": digest, "key_version": 1, "partial": False}
                )
        conn.execute(insert(IdentifierIndex.__table__), shared_rows)
        rows_written += len(shared_rows)
        # Filler: reports without sections, five random identifiers each, up to the total.
        kinds = ("phone", "phone", "vehicle", "email", "username")
        while rows_written < identifiers:
            reports, index_rows = [], []
            for _ in range(min(BATCH, (identifiers - rows_written) // 5 + 1)):
                report_id = secrets.token_hex(16)
                reports.append(_report_row(report_id, area_id, now))
                for kind in kinds:
                    index_rows.append(
                        {
                            "report_id": report_id,
                            "kind": kind,
                            "digest": rng.randbytes(32).hex(),
                            "key_version": 1,
                            "partial": False,
                        }
                    )
            conn.execute(insert(Report.__table__), reports)
            conn.execute(insert(IdentifierIndex.__table__), index_rows)
            rows_written += len(index_rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {
        "token": token,
        "passphrase": passphrase,
        "alerted": alerted,
        "hub": hub,
        "rows": rows_written,
        "seed_seconds": time.perf_counter() - started,
    }


def time_checks(app, seeded: dict, requests: int) -> tuple[list[float], int]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    rng = random.Random(7)
    latencies, found = [], 0
    for n in range(requests + 50):
        number = rng.choice(seeded["alerted"]) if n % 2 else f"07{rng.randrange(900000000, 999999999):09d}"
        started = time.perf_counter()
        response = client.post(
            "/api/v1/check", data=json.dumps({"identifier": number}), headers=headers, content_type="application/json"
        )
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"check answered {response.status_code}")
        if n >= 50:  # the first 50 warm caches and are not counted
            latencies.append(elapsed)
            found += response.get_json()["count"] > 0
    return latencies, found


def time_links(app, seeded: dict, repeats: int) -> tuple[list[float], list[float], int]:
    maker = app.extensions["ugly_mugs.sessionmaker"]
    lookups, counts = [], []
    with maker() as session:
        page = list(session.scalars(select(Report.id).order_by(Report.id).limit(49))) + [seeded["hub"]]
        shared = links.links_for(session, seeded["hub"])
        for _ in range(repeats):
            started = time.perf_counter()
            links.links_for(session, seeded["hub"])
            lookups.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            links.linked_counts(session, page)
            counts.append((time.perf_counter() - started) * 1000)
    return lookups, counts, len(shared)


def time_health(app, requests: int) -> list[float]:
    """The baseline of the check API: ``GET /healthz`` through the same app, in-process, which
    answers after one trivial database round trip (ms per request)."""
    client = app.test_client()
    latencies = []
    for n in range(requests + 50):
        started = time.perf_counter()
        if client.get("/healthz").status_code != 200:
            raise RuntimeError("/healthz did not answer 200")
        if n >= 50:
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


# The baseline of the link lookups: the same self-join written as one plain SQL statement,
# without the key versions, partial plates and visibility rules the app applies.
BARE_LINKS = text(
    "SELECT b.report_id, count(*) FROM identifier_index a JOIN identifier_index b "
    "ON a.kind = b.kind AND a.digest = b.digest AND a.key_version = b.key_version "
    "WHERE a.report_id IN :ids AND b.report_id NOT IN :ids GROUP BY b.report_id"
).bindparams(bindparam("ids", expanding=True))


def time_bare_links(app, seeded: dict, repeats: int) -> tuple[list[float], list[float]]:
    engine = app.extensions["ugly_mugs.engine"]
    one, page_times = [], []
    with engine.connect() as conn:
        page = list(conn.scalars(select(Report.id).order_by(Report.id).limit(49))) + [seeded["hub"]]
        for _ in range(repeats):
            started = time.perf_counter()
            conn.execute(BARE_LINKS, {"ids": [seeded["hub"]]}).all()
            one.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            conn.execute(BARE_LINKS, {"ids": page}).all()
            page_times.append((time.perf_counter() - started) * 1000)
    return one, page_times


def time_bare_rewrite(app, rows: int) -> float:
    """The baseline of rotation: the database alone copying ``rows`` index rows into a scratch
    table and deleting them again (no digests computed, no sections opened), in seconds."""
    engine = app.extensions["ugly_mugs.engine"]
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_rewrite AS SELECT * FROM identifier_index WHERE 1 = 0"))
        conn.execute(text("INSERT INTO bench_rewrite SELECT * FROM identifier_index ORDER BY id LIMIT :n"), {"n": rows})
        conn.execute(text("DELETE FROM bench_rewrite"))
        conn.execute(text("DROP TABLE bench_rewrite"))
    return time.perf_counter() - started


def run(kind: str, url: str, args) -> str:
    """Seed, time and print one database's figures; returns its ``summary:`` line."""
    migrate.upgrade(url)
    app = create_app(
        overrides={"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "MATCHING_KEY": os.urandom(32)}, env={}
    )
    try:
        print(f"\n== {kind}: seeding {args.identifiers:,} identifiers, {args.rotation_reports:,} reports with sections")
        seeded = seed(app, args.identifiers, args.rotation_reports)
        with app.extensions["ugly_mugs.sessionmaker"]() as session:
            total = session.scalar(select(func.count()).select_from(IdentifierIndex))
        print(f"seeded {total:,} index rows in {seeded['seed_seconds']:.0f} s")

        with LoadSampler() as load:
            health = time_health(app, args.requests)
            latencies, found = time_checks(app, seeded, args.requests)
            p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
            base50 = percentile(health, 50)
            verdict = "met" if p95 < TARGET_P95_MS else "NOT met"
            print(
                f"check API ({len(latencies)} requests, {found} with warnings): p50 {p50:.2f} ms "
                f"({ratio(p50, base50)} base), p95 {p95:.2f} ms (target p95 < {TARGET_P95_MS:.0f} ms: {verdict})"
            )
            print(
                f"  baseline GET /healthz (one trivial query): p50 {base50:.2f} ms, p95 {percentile(health, 95):.2f} ms"
            )

            lookups, counts, n_shared = time_links(app, seeded, args.link_repeats)
            bare_one, bare_page = time_bare_links(app, seeded, args.link_repeats)
            links50, counts50 = percentile(lookups, 50), percentile(counts, 50)
            print(
                f"linked reports of a report with 20 identifiers ({n_shared} shared, 60 links): "
                f"p50 {links50:.2f} ms ({ratio(links50, percentile(bare_one, 50))} base), "
                f"p95 {percentile(lookups, 95):.2f} ms"
            )
            print(
                f"linked_counts for a page of 50 reports: p50 {counts50:.2f} ms "
                f"({ratio(counts50, percentile(bare_page, 50))} base), p95 {percentile(counts, 95):.2f} ms"
            )
            print(
                f"  baseline one plain self-join: p50 {percentile(bare_one, 50):.2f} ms for the report, "
                f"{percentile(bare_page, 50):.2f} ms for the page"
            )

            started = time.perf_counter()
            done = rotate.rotate(
                app.extensions["ugly_mugs.sessionmaker"],
                seeded["passphrase"],
                os.urandom(32),
                batch=args.rotation_batch,
            )
            seconds = time.perf_counter() - started
            bare = time_bare_rewrite(app, done.rows_written)
            per_report = seconds / max(done.reports, 1)
            print(
                f"rotation: {done.reports:,} reports, {done.rows_written:,} rows written, "
                f"{done.old_rows_deleted:,} old rows deleted in {seconds:.1f} s ({per_report * 1000:.2f} ms per "
                f"report; {ratio(seconds, bare)} base)"
            )
            print(f"  baseline: the database copying and deleting {done.rows_written:,} rows alone, {bare:.1f} s")
            if done.reports < 100_000:
                print(
                    f"  extrapolated to 100,000 reports: about {per_report * 100_000:.0f} s "
                    f"(measured on {done.reports:,})"
                )
        print(f"while it ran: {load.text()}")
        return (
            f"summary: matching {kind} {total:,} identifiers: check p95 {p95:.1f} ms "
            f"({ratio(p50, base50)} base at p50, target < {TARGET_P95_MS:.0f} ms: {verdict}); "
            f"linked p95 {percentile(lookups, 95):.1f} ms ({ratio(links50, percentile(bare_one, 50))}); "
            f"linked_counts p95 {percentile(counts, 95):.1f} ms ({ratio(counts50, percentile(bare_page, 50))}); "
            f"rotation {seconds:.0f} s for {done.reports:,} reports ({ratio(seconds, bare)}); {load.text()}"
        )
    finally:
        app.extensions["ugly_mugs.engine"].dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--identifiers", type=int, default=1_000_000)
    parser.add_argument("--rotation-reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--link-repeats", type=int, default=200)
    parser.add_argument("--rotation-batch", type=int, default=1000)
    parser.add_argument("--pg-url", default=harness.DEFAULT_PG_URL)
    parser.add_argument("--quick", action="store_true", help="100,000 identifiers, 5,000 reports, 500 checks")
    args = parser.parse_args(argv)
    if args.quick:
        args.identifiers, args.rotation_reports, args.requests, args.link_repeats = 100_000, 5_000, 500, 50
    print(f"load average: {load_average()}; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    summaries = []
    for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
        if kind not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {kind!r}")
        with harness.scratch_database(kind, args.pg_url) as url:
            summaries.append(run(kind, url, args))
    print()
    for line in summaries:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
