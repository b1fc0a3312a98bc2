"""A seeded set of plain report rows for the monitoring tests and benchmark-like checks.

Rows are inserted with SQLAlchemy Core straight into ``report`` and ``report_category``:
statistics read only those plain columns, so no section needs to exist, and inserting
hundreds of reports this way takes milliseconds. ``expected`` recounts the same rows in
plain Python, independently of the SQL the stats code runs.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select

from ugly_mugs.models import Area, Report, ReportCategory

CATEGORIES = ("physical-assault", "sexual-assault", "robbery", "refused-to-pay", "condom", "threats", "harassment")
LEVELS = ("alert_only", "anonymous_intel", "full")
REPORTERS = ("self", "outreach", "third_party")
STATUSES = ("received", "reviewed", "alert_published", "passed_to_police", "erased")


@dataclass(frozen=True)
class Row:
    received_at: datetime
    area_code: str
    reporter_type: str
    consent_level: str
    status: str
    categories: tuple[str, ...]


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
    return rows


def insert_rows(engine: Engine, rows: list[Row]) -> None:
    with engine.begin() as conn:
        area_ids = dict(conn.execute(select(Area.code, Area.id)).all())
        reports, categories = [], []
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
                    "police_unit_id": None,
                    "reporter_type": row.reporter_type,
                    "consent_level": row.consent_level,
                    "status": row.status,
                    "language": "en",
                }
            )
            categories += [{"report_id": report_id, "code": c} for c in row.categories]
        conn.execute(insert(Report.__table__), reports)
        if categories:
            conn.execute(insert(ReportCategory.__table__), categories)


def expected(rows: list[Row], start: date, end: date) -> dict[str, Counter]:
    """Counts of the reports received in [start, end) and not erased, by each breakdown."""
    lo = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    hi = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
    kept = [r for r in rows if lo <= r.received_at < hi and r.status != "erased"]
    return {
        "total": Counter({"all": len(kept)}),
        "area": Counter(r.area_code for r in kept),
        "reporter": Counter(r.reporter_type for r in kept),
        "consent": Counter(r.consent_level for r in kept),
        "status": Counter(r.status for r in kept),
        "category": Counter(c for r in kept for c in r.categories),
        "monday": Counter((r.received_at.date() - timedelta(days=r.received_at.weekday())) for r in kept),
    }
