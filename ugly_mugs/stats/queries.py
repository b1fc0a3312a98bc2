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

Alerts are counted from ``alert_message`` by the day each message was published (kind and
severity only; its title and body are never selected). The time from report to alert is taken
for each alert first published in the period whose report is still held (not erased, not
deleted): whole hours from the hour the report was received (``received_at`` truncated to the
hour) to the first publication. Projects reached are the distinct projects with a delivery
made of a message published in the period, from ``delivery.project_id`` and ``status``.

Every day, week and month begins at local midnight in the scheme's time zone
(``UGLY_MUGS_TIMEZONE``, from ``Session.info``: ``dates.local``), turned into the UTC instant the
stored times are compared with; a report received at 00:30 on 1 July in British summer time
counts in July.

Repeat identifiers count the period's reports that share a whole identifier (phone number,
plate, email or username) with another report, from the blind-index rows alone: equal keyed
digests, never an identifier. Links through part of a plate are possible matches, not certain
ones, and are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from zoneinfo import ZoneInfo

from sqlalchemy import case, exists, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from ugly_mugs.dates import local
from ugly_mugs.db import set_local
from ugly_mugs.models import (
    Alert,
    AlertMessage,
    Area,
    DayCount,
    Delivery,
    IdentifierIndex,
    PoliceRelease,
    Project,
    Report,
    ReportCategory,
)
from ugly_mugs.stats import rollup
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
    # (message kind, severity) -> alert messages published in the period
    messages: Counter = field(default_factory=Counter)
    # One entry per alert first published in the period: whole hours from report to alert, or
    # None when its report is no longer held (erased or deleted), so there is nothing to time from.
    alert_hours: list[int | None] = field(default_factory=list)
    # Distinct projects with a delivery made, and with one pending or failed, of the period's messages.
    projects_reached: int = 0
    projects_waiting: int = 0
    # Reports of the period that share a whole identifier with another report.
    repeat_linked: int = 0
    areas: list[AreaRow] = field(default_factory=list)
    # Counted from the rollup rows (``count_period``): the sums ``by`` answers, by positions,
    # instead of ``reports`` (which the rows cannot give: they keep each dimension on its own).
    marginals: dict[tuple[int, ...], Counter] | None = None

    def total(self) -> int:
        if self.marginals is not None:
            return sum(self.marginals[(0,)].values())
        return sum(self.reports.values())

    def by(self, *positions: int) -> Counter:
        """Sum ``reports`` over all but the given key positions (0 bucket, 1 area, 2 type, 3 consent, 4 status).

        From rollup rows only the sums over one position, and over bucket and consent, are known;
        any other raises KeyError."""
        if self.marginals is not None:
            return Counter(self.marginals[positions])
        # itemgetter returns a tuple for several positions and the bare value for one.
        pick = itemgetter(*positions) if len(positions) > 1 else lambda key: (key[positions[0]],)
        result: Counter = Counter()
        for key, n in self.reports.items():
            result[pick(key)] += n
        return result


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """Where ``day`` begins in the scheme's time zone, as a UTC instant (stored times are UTC)."""
    return local.day_start(day, zone)


def _bucket(period: Period, zone: ZoneInfo):
    """The index of the bucket a report was received in, as SQL."""
    ends = [_midnight(b.end, zone) for b in period.buckets()]

    # A binary search over the bucket ends: a report of a year is compared four times, not up
    # to eleven, and this expression is evaluated for every report and category of the period.
    def search(first: int, last: int):
        if first == last:
            return literal_column(str(first))
        middle = (first + last) // 2
        return case((Report.received_at < ends[middle], search(first, middle)), else_=search(middle + 1, last))

    return search(0, len(ends) - 1)


def _in_period(period: Period, zone: ZoneInfo):
    return (
        Report.received_at >= _midnight(period.start, zone),
        Report.received_at < _midnight(period.end, zone),
        Report.status != ERASED,
    )


def count_period(session: Session, period: Period) -> Counts:
    """The counts of ``period`` for the pages: reports and categories summed from the rows per day
    (``rollup``), grouped into buckets by the database; the rest counted as ``direct_counts`` does."""
    set_local(session, "jit", "off")
    counts = Counts(period, marginals={(0,): Counter(), (1,): Counter(), (2,): Counter(), (3,): Counter()})
    counts.marginals.update({(4,): Counter(), (0, 3): Counter()})
    buckets = period.buckets()
    ends = [b.end for b in buckets]

    def search(first: int, last: int):
        if first == last:
            return literal_column(str(first))
        middle = (first + last) // 2
        return case((DayCount.day < ends[middle], search(first, middle)), else_=search(middle + 1, last))

    # Reports and kinds of incident by bucket: a year's buckets are months, so its month rows;
    # weeks are read from day rows. The rest (police, messages, time to alert) over the whole
    # period: month rows for the whole months in it and day rows for the days either side, summed
    # by a plain GROUP BY (every hour from report to alert is a value of its own).
    bucketed = DayCount.dimension.in_([name for _, name in rollup.COLUMNS] + [rollup.CATEGORY])
    span = rollup.MONTH if period.kind == "year" else rollup.DAY
    inner = (
        select(search(0, len(ends) - 1).label("bucket"), DayCount.dimension, DayCount.value, DayCount.n)
        .where(DayCount.span == span, DayCount.day >= period.start, DayCount.day < period.end, bucketed)
        .subquery()
    )
    grouped = select(inner.c.bucket, inner.c.dimension, inner.c.value, func.sum(inner.c.n)).group_by(
        inner.c.bucket, inner.c.dimension, inner.c.value
    )
    whole = (
        select(literal_column("0"), DayCount.dimension, DayCount.value, func.sum(DayCount.n))
        .where(_spans_of(period), ~bucketed)
        .group_by(DayCount.dimension, DayCount.value)
    )
    position = {"area": 1, "reporter": 2, "consent": 3, "status": 4}
    for b, dimension, value, n in [*session.execute(grouped), *session.execute(whole)]:
        b, n = int(b), int(n)
        if not n:
            continue
        if dimension == rollup.CATEGORY:
            counts.categories[(b, value)] += n
            continue
        if dimension == rollup.POLICE:
            counts.police[value] += n  # rollup.NONE is NO_OUTCOME
            continue
        if dimension == rollup.MESSAGE:
            kind, _, severity = value.partition("/")
            counts.messages[(kind, severity)] += n
            continue
        if dimension == rollup.REPEAT:
            counts.repeat_linked += n
            continue
        if dimension == rollup.ALERT_HOURS:
            counts.alert_hours += [None if value == rollup.NONE else int(value)] * n
            continue
        if dimension == "area":
            value = int(value)
        counts.marginals[(position[dimension],)][(value,)] += n
        if dimension == "consent":
            counts.marginals[(0,)][(b,)] += n
            counts.marginals[(0, 3)][(b, value)] += n
    _count_the_rest(session, counts, rolled_up=True)
    return counts


def _months_in(period: Period) -> tuple[date, date]:
    """The whole months inside ``period`` as [first, end); first == end when there is none."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    end = period.end.replace(day=1)
    return (first, end) if first < end else (first, first)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _spans_of(period: Period):
    """The rows that cover ``period`` once: month rows of its whole months, day rows of the rest."""
    first, end = _months_in(period)
    days = (DayCount.span == rollup.DAY) & (
        ((DayCount.day >= period.start) & (DayCount.day < first))
        | ((DayCount.day >= end) & (DayCount.day < period.end))
    )
    if first == end:
        return (DayCount.span == rollup.DAY) & (DayCount.day >= period.start) & (DayCount.day < period.end)
    return ((DayCount.span == rollup.MONTH) & (DayCount.day >= first) & (DayCount.day < end)) | days


def direct_counts(session: Session, period: Period) -> Counts:
    """The counts of ``period`` made from the reports themselves: the source of truth the rollup
    rows are checked against and rebuilt from (``rollup``)."""
    # JIT compilation pays off only for long analytical queries; the figures of a year cross its
    # cost threshold and spend longer compiling than counting. Off for this transaction only.
    set_local(session, "jit", "off")
    counts = Counts(period)
    zone = local.of(session)
    # The bucket is computed in a subquery and grouped on by name outside it: PostgreSQL does
    # not recognise a CASE with bound parameters in GROUP BY as the one in the select list.
    inner = (
        select(
            _bucket(period, zone).label("bucket"),
            Report.area_id,
            Report.reporter_type,
            Report.consent_level,
            Report.status,
        )
        .where(*_in_period(period, zone))
        .subquery()
    )
    columns = (inner.c.bucket, inner.c.area_id, inner.c.reporter_type, inner.c.consent_level, inner.c.status)
    for b, area_id, reporter_type, level, status, n in session.execute(
        select(*columns, func.count()).group_by(*columns)
    ):
        counts.reports[(int(b), area_id, reporter_type, level, status)] += n
    tagged = (
        select(_bucket(period, zone).label("bucket"), ReportCategory.code)
        .select_from(Report)
        .join(ReportCategory, ReportCategory.report_id == Report.id)
        .where(*_in_period(period, zone))
        .subquery()
    )
    for b, code, n in session.execute(
        select(tagged.c.bucket, tagged.c.code, func.count()).group_by(tagged.c.bucket, tagged.c.code)
    ):
        counts.categories[(int(b), code)] += n
    _count_the_rest(session, counts)
    return counts


def _count_the_rest(session: Session, counts: Counts, rolled_up: bool = False) -> None:
    period = counts.period
    if not rolled_up:
        counts.police = count_police(session, period)
        counts.messages = count_messages(session, period)
        counts.alert_hours = alert_hours(session, period)
    counts.projects_reached, counts.projects_waiting = count_projects(session, period)
    if not rolled_up:
        counts.repeat_linked = count_repeat_linked(session, period)
    counts.areas = [
        AreaRow(*row) for row in session.execute(select(Area.id, Area.code, Area.name, Area.active).order_by(Area.id))
    ]


def latest_received_day(session: Session, before: date) -> date | None:
    """The local day the latest report the figures count was received before ``before`` (exclusive), or None."""
    zone = local.of(session)
    latest = session.scalar(
        select(func.max(Report.received_at)).where(
            Report.received_at < _midnight(before, zone), Report.status != ERASED
        )
    )
    return None if latest is None else local.day_of(latest, zone)


def count_police(session: Session, period: Period) -> Counter:
    """Reports passed to police in ``period``, by the latest outcome recorded for each (or NO_OUTCOME)."""
    latest = rollup.latest_outcome()
    # "Not erased" as an anti-join: PostgreSQL then reads only the erased reports, not all of them.
    erased = exists().where(Report.id == PoliceRelease.report_id, Report.status == ERASED)
    passed = (
        select(latest.label("outcome"))
        .where(
            PoliceRelease.passed_at >= _midnight(period.start, local.of(session)),
            PoliceRelease.passed_at < _midnight(period.end, local.of(session)),
            ~erased,
        )
        .subquery()
    )
    found: Counter = Counter()
    for outcome, n in session.execute(select(passed.c.outcome, func.count()).group_by(passed.c.outcome)):
        found[outcome or NO_OUTCOME] += n
    return found


def _published_in(period: Period, zone: ZoneInfo):
    return (
        AlertMessage.published_at >= _midnight(period.start, zone),
        AlertMessage.published_at < _midnight(period.end, zone),
    )


def count_messages(session: Session, period: Period) -> Counter:
    """Alert messages published in ``period`` by (kind, severity): first publications, updates, retractions."""
    found: Counter = Counter()
    query = (
        select(AlertMessage.kind, AlertMessage.severity, func.count())
        .where(*_published_in(period, local.of(session)))
        .group_by(AlertMessage.kind, AlertMessage.severity)
    )
    for kind, severity, n in session.execute(query):
        found[(kind, severity)] += n
    return found


def _hours(dialect: str):
    """Whole hours from the start of the hour of ``received_at`` to ``published_at``, in SQL.

    Never negative in practice (an alert follows its report); ``alert_hours`` clamps at 0 anyway.

    Computed by the database and grouped there, so that a year's alerts come back as a few
    hundred (hours, alerts) pairs instead of thousands of timestamps to convert in Python.
    """
    if dialect == "postgresql":
        seconds = func.extract("epoch", AlertMessage.published_at - func.date_trunc("hour", Report.received_at))
        return func.floor(seconds / 3600)
    # SQLite keeps times as text: whole seconds since the epoch (``unixepoch``, SQLite 3.38 or
    # later), the report's rounded down to its hour, then integer division.
    received = func.unixepoch(Report.received_at)
    return (func.unixepoch(AlertMessage.published_at) - received / 3600 * 3600) / 3600


def alert_hours(session: Session, period: Period) -> list[int | None]:
    """For each alert first published in ``period``: hours from its report, or None without a report."""
    held = (Report.id.is_not(None)) & (Report.status != ERASED)
    hours = case((held, _hours(session.get_bind().dialect.name)), else_=None).label("hours")
    inner = (
        select(hours)
        .select_from(AlertMessage)
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .outerjoin(Report, Report.id == Alert.report_id)
        .where(AlertMessage.kind == "alert", *_published_in(period, local.of(session)))
        .subquery()
    )
    found: list[int | None] = []
    for h, n in session.execute(select(inner.c.hours, func.count()).group_by(inner.c.hours)):
        found += [None if h is None else max(0, int(h))] * n
    return found


def count_projects(session: Session, period: Period) -> tuple[int, int]:
    """Distinct projects with a delivery made, and with one pending or failed, of the period's messages."""
    zone = local.of(session)

    def reached(*wanted: str):
        # Per project, whether any of its deliveries in these states is of a message of the period:
        # the search stops at the first one found, instead of joining every delivery of the period.
        return exists().where(
            Delivery.project_id == Project.id,
            Delivery.status.in_(wanted),
            AlertMessage.id == Delivery.message_id,
            *_published_in(period, zone),
        )

    query = select(
        func.count(case((reached("delivered"), 1))), func.count(case((reached("pending", "failed"), 1)))
    ).select_from(Project)
    delivered, pending = session.execute(query).one()
    return int(delivered or 0), int(pending or 0)


def count_repeat_linked(session: Session, period: Period) -> int:
    """Reports received in ``period`` with a whole identifier that another report has too."""
    mine = aliased(IdentifierIndex)
    return session.scalar(
        select(func.count(func.distinct(Report.id)))
        .select_from(Report)
        .join(mine, mine.report_id == Report.id)
        .where(*_in_period(period, local.of(session)), *rollup.whole_and_shared(mine))
    )
