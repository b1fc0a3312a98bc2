"""Counting reports with SQL GROUP BY on plain columns; nothing here reads an encrypted section.

Three queries serve a whole period: one groups reports by chart bucket and by every plain
column the figures break down by (area, reporter type, consent level, status), one groups
category codes by bucket, and one groups the reports passed to police in the period by the
latest outcome an officer recorded. The bucket is a CASE over the bucket boundaries, which
SQLite and PostgreSQL evaluate alike. Reports erased at their reporter's request are not
counted: the person asked for them to be gone.

A report passed to police belongs to the period in which it was passed on (``passed_at``),
whenever it was received: the partnership asks what went to police in a period and what came
of it. Its outcome is the latest one recorded so far (latest ``outcome_date``, then latest
recorded), so a period's outcomes fill in as officers report back. A report passed on and
later withdrawn from police by its reporter still counts: it was passed on.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from ugly_mugs.models import Area, PoliceOutcome, PoliceRelease, Report, ReportCategory
from ugly_mugs.stats.periods import Period

ERASED = "erased"
# The key under which releases without any recorded outcome are counted.
NO_OUTCOME = "none"


@dataclass(frozen=True)
class AreaRow:
    id: int
    code: str
    name: str
    active: bool


@dataclass
class Counts:
    """Raw counts of one period, before suppression. Keys are plain codes, buckets are indexes."""

    period: Period
    # (bucket, area_id, reporter_type, consent_level, status) -> reports
    reports: Counter = field(default_factory=Counter)
    # (bucket, category code) -> reports with that category
    categories: Counter = field(default_factory=Counter)
    # latest outcome code (or NO_OUTCOME) -> reports passed to police in the period
    police: Counter = field(default_factory=Counter)
    areas: list[AreaRow] = field(default_factory=list)

    def total(self) -> int:
        return sum(self.reports.values())

    def by(self, *positions: int) -> Counter:
        """Sum ``reports`` over all but the given key positions (0 bucket, 1 area, 2 type, 3 consent, 4 status)."""
        result: Counter = Counter()
        for key, n in self.reports.items():
            result[tuple(key[p] for p in positions)] += n
        return result


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _bucket(period: Period):
    buckets = period.buckets()
    if len(buckets) == 1:
        return literal_column("0")
    return case(
        *[(Report.received_at < _midnight(b.end), i) for i, b in enumerate(buckets[:-1])],
        else_=len(buckets) - 1,
    )


def _in_period(period: Period):
    return (
        Report.received_at >= _midnight(period.start),
        Report.received_at < _midnight(period.end),
        Report.status != ERASED,
    )


def count_period(session: Session, period: Period) -> Counts:
    counts = Counts(period)
    # The bucket is computed in a subquery and grouped on by name outside it: PostgreSQL does
    # not recognise a CASE with bound parameters in GROUP BY as the one in the select list.
    inner = (
        select(
            _bucket(period).label("bucket"),
            Report.area_id,
            Report.reporter_type,
            Report.consent_level,
            Report.status,
        )
        .where(*_in_period(period))
        .subquery()
    )
    columns = (inner.c.bucket, inner.c.area_id, inner.c.reporter_type, inner.c.consent_level, inner.c.status)
    for b, area_id, reporter_type, level, status, n in session.execute(
        select(*columns, func.count()).group_by(*columns)
    ):
        counts.reports[(int(b), area_id, reporter_type, level, status)] += n
    tagged = (
        select(_bucket(period).label("bucket"), ReportCategory.code)
        .select_from(Report)
        .join(ReportCategory, ReportCategory.report_id == Report.id)
        .where(*_in_period(period))
        .subquery()
    )
    for b, code, n in session.execute(
        select(tagged.c.bucket, tagged.c.code, func.count()).group_by(tagged.c.bucket, tagged.c.code)
    ):
        counts.categories[(int(b), code)] += n
    counts.police = count_police(session, period)
    counts.areas = [
        AreaRow(*row) for row in session.execute(select(Area.id, Area.code, Area.name, Area.active).order_by(Area.id))
    ]
    return counts


def count_police(session: Session, period: Period) -> Counter:
    """Reports passed to police in ``period``, by the latest outcome recorded for each (or NO_OUTCOME)."""
    # A correlated subquery (which the index on police_outcome.release_id answers per release)
    # rather than a window function: SQLite runs it in half the time, PostgreSQL alike.
    latest = (
        select(PoliceOutcome.outcome)
        .where(PoliceOutcome.release_id == PoliceRelease.id)
        .order_by(PoliceOutcome.outcome_date.desc(), PoliceOutcome.recorded_at.desc(), PoliceOutcome.id.desc())
        .limit(1)
        .correlate(PoliceRelease)
        .scalar_subquery()
    )
    passed = (
        select(latest.label("outcome"))
        .select_from(PoliceRelease)
        .join(Report, Report.id == PoliceRelease.report_id)
        .where(
            PoliceRelease.passed_at >= _midnight(period.start),
            PoliceRelease.passed_at < _midnight(period.end),
            Report.status != ERASED,
        )
        .subquery()
    )
    found: Counter = Counter()
    for outcome, n in session.execute(select(passed.c.outcome, func.count()).group_by(passed.c.outcome)):
        found[outcome or NO_OUTCOME] += n
    return found
