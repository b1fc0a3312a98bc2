"""A seeded set of plain report rows for the monitoring tests and benchmark-like checks.

Rows are inserted with SQLAlchemy Core straight into ``report``, ``report_category``,
``police_release`` and ``police_outcome``: statistics read only those plain columns, so no
section needs to exist, and inserting hundreds of reports this way takes milliseconds.
Reports passed to police (and some later erased) get a release a few days to weeks after
they were received, so that some cross a period's edge, and none to three outcomes whose
dates need not follow the order they were recorded in. ``expected`` recounts the same rows
in plain Python, independently of the SQL the stats code runs.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select

from ugly_mugs.models import Account, Area, PoliceOutcome, PoliceRelease, PoliceUnit, Report, ReportCategory

CATEGORIES = ("physical-assault", "sexual-assault", "robbery", "refused-to-pay", "condom", "threats", "harassment")
LEVELS = ("alert_only", "anonymous_intel", "full")
REPORTERS = ("self", "outreach", "third_party")
STATUSES = ("received", "reviewed", "alert_published", "passed_to_police", "erased")
OUTCOMES = (
    "recorded_as_crime",
    "under_investigation",
    "suspect_arrested",
    "charged",
    "convicted",
    "no_further_action",
)
SEED_OFFICER = "seeded-officer"


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
    return _pass_to_police(rows, random.Random(seed * 7919))


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


def insert_rows(engine: Engine, rows: list[Row]) -> None:
    with engine.begin() as conn:
        area_ids = dict(conn.execute(select(Area.code, Area.id)).all())
        unit_id = conn.execute(select(PoliceUnit.id).order_by(PoliceUnit.id)).scalar()
        officer = _seed_officer(conn) if any(r.passed_at for r in rows) else None
        reports, categories, released = [], [], []
        for row in rows:
            report_id = secrets.token_hex(16)
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


def expected(rows: list[Row], start: date, end: date) -> dict[str, Counter]:
    """Counts of the reports received in [start, end) and not erased, by each breakdown."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    kept = [r for r in rows if lo <= r.received_at < hi and r.status != "erased"]
    passed = [r for r in rows if r.passed_at and lo <= r.passed_at < hi and r.status != "erased"]
    return {
        "police": Counter(latest_outcome(r) for r in passed),
        "total": Counter({"all": len(kept)}),
        "area": Counter(r.area_code for r in kept),
        "reporter": Counter(r.reporter_type for r in kept),
        "consent": Counter(r.consent_level for r in kept),
        "status": Counter(r.status for r in kept),
        "category": Counter(c for r in kept for c in r.categories),
        "monday": Counter((r.received_at.date() - timedelta(days=r.received_at.weekday())) for r in kept),
    }


def latest_outcome(row: Row) -> str:
    """The outcome with the latest date; on the same date the one recorded last, then the one listed last."""
    if not row.outcomes:
        return "none"
    ranked = max(enumerate(row.outcomes), key=lambda item: (item[1][1], item[1][2], item[0]))
    return ranked[1][0]
