"""A seeded set of plain report rows for the monitoring tests and benchmark-like checks.

Rows are inserted with SQLAlchemy Core straight into ``report``, ``report_category``,
``police_release`` and ``police_outcome``: statistics read only those plain columns, so no
section needs to exist, and inserting hundreds of reports this way takes milliseconds.
Reports passed to police (and some later erased) get a release a few days to weeks after
they were received, so that some cross a period's edge, and none to three outcomes whose
dates need not follow the order they were recorded in. ``expected`` recounts the same rows
in plain Python, independently of the SQL the stats code runs.

Alerts: reports with an alert published (and some passed to police or later erased) get an
alert first published hours to weeks after they came in, some with updates and a retraction,
each message delivered to a few of the seeded projects (delivered, pending or failed). A few
reports are "deleted": their row is never inserted and their alert has no report, as after a
report row is removed (``alert.report_id`` is set null).
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select

from ugly_mugs import consent
from ugly_mugs.dates import local
from ugly_mugs.models import (
    Account,
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
from ugly_mugs.reports.reporter_types import ALL as REPORTER_TYPES
from ugly_mugs.stats import rollup

CATEGORIES = ("physical-assault", "sexual-assault", "robbery", "refused-to-pay", "condom", "threats", "harassment")
LEVELS = consent.LEVELS
REPORTERS = REPORTER_TYPES
STATUSES = ("received", "reviewed", "alert_published", "passed_to_police", "erased")
SEED_OFFICER = "seeded-officer"
PROJECTS = 8
DELIVERY_STATUSES = ("delivered", "pending", "failed")


@dataclass(frozen=True)
class AlertSeed:
    # (kind, severity, published at, deliveries as (project index, status)) in publishing order.
    messages: tuple[tuple[str, str, datetime, tuple[tuple[int, str], ...]], ...]


@dataclass(frozen=True)
class Row:
    received_at: datetime
    area_code: str
    reporter_type: str
    consent_level: str
    status: str
    categories: tuple[str, ...]
    # When it was passed to police, if it was, and the outcomes recorded: (outcome, date, recorded at).
    passed_at: datetime | None = None
    outcomes: tuple[tuple[str, date, datetime], ...] = ()
    alert: AlertSeed | None = None
    # False: the report row is gone (never inserted); its alert, if any, has no report.
    kept: bool = True


def make_rows(count: int, start: date, days: int, seed: int = 8, rare_area: str | None = None) -> list[Row]:
    """``count`` reports spread over ``days`` days from ``start``; ``rare_area`` gets only a couple."""
    rng = random.Random(seed)
    areas = ["city-centre", "holbeck", "harehills", "chapeltown"]
    rows = []
    for i in range(count):
        at = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=rng.randrange(days * 24))
        area = rare_area if rare_area and i % 150 == 0 else rng.choice(areas)
        rows.append(
            Row(
                received_at=at,
                area_code=area,
                reporter_type=rng.choices(REPORTERS, weights=(6, 3, 1))[0],
                consent_level=rng.choices(LEVELS, weights=(4, 3, 2))[0],
                status=rng.choices(STATUSES, weights=(3, 3, 3, 2, 1))[0],
                categories=tuple(sorted(rng.sample(CATEGORIES, rng.choice((0, 1, 1, 1, 2, 3))))),
            )
        )
    return _alerts(_pass_to_police(rows, random.Random(seed * 7919)), random.Random(seed * 104729))


def _deliveries(rng: random.Random) -> tuple[tuple[int, str], ...]:
    # Project 0 is never sent anything, so "projects reached" is not simply every project; only
    # projects 5 to 7 have deliveries pending or failed, so that count is small and withheld.
    projects = rng.sample(range(1, PROJECTS), rng.choice((1, 2, 3)))
    return tuple((p, rng.choices(DELIVERY_STATUSES, weights=(8, 1, 1))[0] if p >= 5 else "delivered") for p in projects)


def _alerts(rows: list[Row], rng: random.Random) -> list[Row]:
    """An alert for every report with one published, and for some passed to police or erased."""
    done, made = [], 0
    for row in rows:
        if row.status == "alert_published" or (row.status in ("passed_to_police", "erased") and rng.random() < 0.3):
            severity = rng.choice(SEVERITIES)
            # Mostly within days, some within the hour, a few after weeks.
            delay = rng.choice(
                (rng.randrange(0, 3), rng.randrange(3, 72), rng.randrange(72, 400), rng.randrange(0, 900))
            )
            first = row.received_at + timedelta(hours=delay, minutes=rng.randrange(60))
            messages = [("alert", severity, first, _deliveries(rng))]
            at = first
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
                at += timedelta(hours=rng.randrange(1, 15 * 24))
                messages.append(("update", rng.choice(SEVERITIES), at, _deliveries(rng)))
            if rng.random() < 0.15:
                at += timedelta(hours=rng.randrange(1, 20 * 24))
                messages.append(("retraction", severity, at, _deliveries(rng)))
            row = replace(row, alert=AlertSeed(tuple(messages)))
            made += 1
            # Every 20th report with an alert is deleted outright (unless passed to police, whose release holds it).
            if made % 20 == 0 and not row.passed_at:
                row = replace(row, kept=False)
        done.append(row)
    return done


def _pass_to_police(rows: list[Row], rng: random.Random) -> list[Row]:
    """Releases for the reports passed to police and for half the erased ones (passed on, then erased)."""
    done = []
    for row in rows:
        if row.status == "passed_to_police" or (row.status == "erased" and rng.random() < 0.5):
            passed_at = row.received_at + timedelta(hours=rng.randrange(1, 40 * 24))
            outcomes = tuple(
                (
                    rng.choice(OUTCOMES),
                    passed_at.date() + timedelta(days=rng.randrange(0, 60)),
                    passed_at + timedelta(hours=rng.randrange(1, 90 * 24)),
                )
                for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))
            )
            row = replace(row, passed_at=passed_at, outcomes=outcomes)
        done.append(row)
    return done


def _seed_officer(conn) -> int:
    """An inactive placeholder account for the releases and outcomes to point to; it cannot log in."""
    found = conn.execute(select(Account.id).where(Account.username == SEED_OFFICER)).scalar()
    if found is not None:
        return found
    return conn.execute(
        insert(Account.__table__).values(
            username=SEED_OFFICER,
            display_name="Seeded officer",
            role="police",
            password_hash="!",
            public_key=bytes(32),
            key_salt=bytes(16),
            key_params={},
            encrypted_private_key=b"!",
            recovery_private_key=b"!",
            active=False,
        )
    ).inserted_primary_key[0]


def insert_rows(engine: Engine, rows: list[Row], zone: str = local.DEFAULT) -> None:
    with engine.begin() as conn:
        area_ids = dict(conn.execute(select(Area.code, Area.id)).all())
        unit_id = conn.execute(select(PoliceUnit.id).order_by(PoliceUnit.id)).scalar()
        officer = _seed_officer(conn) if any(r.passed_at for r in rows) else None
        reports, categories, released, alerted = [], [], [], []
        for row in rows:
            report_id = secrets.token_hex(16)
            if row.alert:
                alerted.append((report_id if row.kept else None, row))
            if not row.kept:
                continue
            reports.append(
                {
                    "id": report_id,
                    "reference": "UM-" + secrets.token_hex(5).upper(),
                    "receipt_lookup": None,
                    "received_at": row.received_at,
                    "incident_week": (row.received_at - timedelta(days=row.received_at.weekday())).date(),
                    "area_id": area_ids[row.area_code],
                    "police_unit_id": unit_id if row.passed_at else None,
                    "reporter_type": row.reporter_type,
                    "consent_level": row.consent_level,
                    "status": row.status,
                    "language": "en",
                }
            )
            categories += [{"report_id": report_id, "code": c} for c in row.categories]
            if row.passed_at:
                released.append((report_id, row))
        if reports:
            conn.execute(insert(Report.__table__), reports)
        if categories:
            conn.execute(insert(ReportCategory.__table__), categories)
        for report_id, row in released:
            release_id = conn.execute(
                insert(PoliceRelease.__table__).values(
                    report_id=report_id, police_unit_id=unit_id, passed_by=officer, passed_at=row.passed_at
                )
            ).inserted_primary_key[0]
            # One at a time, in order, so that ids follow the order the outcomes were listed in.
            for outcome, day, recorded_at in row.outcomes:
                conn.execute(
                    insert(PoliceOutcome.__table__).values(
                        release_id=release_id,
                        outcome=outcome,
                        outcome_date=day,
                        recorded_by=officer,
                        recorded_at=recorded_at,
                    )
                )
        if alerted:
            _insert_alerts(conn, alerted, _seed_officer(conn))
        # Rows inserted with Core pass no ORM event: the counts per day are made again, as after a restore.
        rollup.rebuild_connection(conn, local.load(zone))


def _seed_projects(conn) -> list[tuple[int, int]]:
    """The seeded projects and one email channel each: (project id, channel id) per project index."""
    found = []
    for i in range(PROJECTS):
        name = f"Seeded project {i}"
        project_id = conn.execute(select(Project.id).where(Project.name == name)).scalar()
        if project_id is None:
            project_id = conn.execute(insert(Project.__table__).values(name=name)).inserted_primary_key[0]
        channel_id = conn.execute(select(ProjectChannel.id).where(ProjectChannel.project_id == project_id)).scalar()
        if channel_id is None:
            channel_id = conn.execute(
                insert(ProjectChannel.__table__).values(
                    project_id=project_id, kind="email", target=f"project{i}@example.org", active=True
                )
            ).inserted_primary_key[0]
        found.append((project_id, channel_id))
    return found


def _insert_alerts(conn, alerted: list[tuple[str | None, Row]], author: int) -> None:
    projects = _seed_projects(conn)
    for report_id, row in alerted:
        messages = row.alert.messages
        retraction = next((at for kind, _, at, _ in messages if kind == "retraction"), None)
        alert_id = conn.execute(
            insert(Alert.__table__).values(
                reference="A-" + secrets.token_hex(4).upper(),
                report_id=report_id,
                status="retracted" if retraction else "published",
                severity=messages[0][1],
                created_by=author,
                published_at=messages[0][2],
                retracted_at=retraction,
            )
        ).inserted_primary_key[0]
        for sequence, (kind, severity, at, deliveries) in enumerate(messages, start=1):
            message_id = conn.execute(
                insert(AlertMessage.__table__).values(
                    alert_id=alert_id,
                    sequence=sequence,
                    kind=kind,
                    message_id=secrets.token_hex(16),
                    severity=severity,
                    title="Seeded alert",
                    body="Seeded alert text.",
                    areas="Seeded area",
                    published_by=author,
                    published_at=at,
                )
            ).inserted_primary_key[0]
            if deliveries:
                conn.execute(
                    insert(Delivery.__table__),
                    [
                        {
                            "message_id": message_id,
                            "project_id": projects[p][0],
                            "channel_id": projects[p][1],
                            "kind": "email",
                            "status": status,
                            "attempts": 1 if status != "pending" else 0,
                            "next_attempt_at": at,
                            "delivered_at": at + timedelta(minutes=1) if status == "delivered" else None,
                        }
                        for p, status in deliveries
                    ],
                )


def expected(rows: list[Row], start: date, end: date) -> dict[str, Counter]:
    """Counts of the reports received in [start, end) and not erased, by each breakdown."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    kept = [r for r in rows if lo <= r.received_at < hi and r.status != "erased" and r.kept]
    passed = [r for r in rows if r.passed_at and lo <= r.passed_at < hi and r.status != "erased" and r.kept]
    sent = [(r, m) for r in rows if r.alert for m in r.alert.messages if lo <= m[2] < hi]
    return {
        "messages": Counter((kind, severity) for _, (kind, severity, _, _) in sent),
        "alert_hours": Counter(
            _hours(r.received_at, at) if r.kept and r.status != "erased" else None
            for r, (kind, _, at, _) in sent
            if kind == "alert"
        ),
        "projects": Counter(
            {
                "reached": len({p for _, m in sent for p, status in m[3] if status == "delivered"}),
                "waiting": len({p for _, m in sent for p, status in m[3] if status != "delivered"}),
            }
        ),
        "police": Counter(latest_outcome(r) for r in passed),
        "total": Counter({"all": len(kept)}),
        "area": Counter(r.area_code for r in kept),
        "reporter": Counter(r.reporter_type for r in kept),
        "consent": Counter(r.consent_level for r in kept),
        "status": Counter(r.status for r in kept),
        "category": Counter(c for r in kept for c in r.categories),
        "monday": Counter((r.received_at.date() - timedelta(days=r.received_at.weekday())) for r in kept),
    }


def _hours(received_at: datetime, published_at: datetime) -> int:
    """Whole hours from the start of the hour the report came in."""
    hour = datetime(received_at.year, received_at.month, received_at.day, received_at.hour, tzinfo=UTC)
    return int((published_at - hour) / timedelta(hours=1))


def latest_outcome(row: Row) -> str:
    """The outcome with the latest date; on the same date the one recorded last, then the one listed last."""
    if not row.outcomes:
        return "none"
    ranked = max(enumerate(row.outcomes), key=lambda item: (item[1][1], item[1][2], item[0]))
    return ranked[1][0]
