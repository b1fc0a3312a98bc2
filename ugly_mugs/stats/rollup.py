"""Counts per local day and month (``models.DayCount``), kept in the transaction of every change they count.

Every report not erased adds 1 to the row of the local day it was received (in the scheme's
zone, ``dates.local``, so days and their DST changes are those the periods use) for each of its
area, who filed it, its consent level, its status and each kind of incident ticked, and, when it
shares a whole identifier with another report, to REPEAT. Every release of a report not erased
adds 1 on the day it was passed on under its latest outcome (POLICE); every alert message on the
day it was published under its kind and severity (MESSAGE), a first publication also under its
whole hours from the report, or NONE once the report is gone (ALERT_HOURS). Each row is also
summed into its month's row. A period's buckets are whole local days, so the figures of any
period are sums of these rows (``queries.count_period``); ``queries.direct_counts`` counts the
same from the base tables and is the source of truth the rebuild (``rebuild_connection``,
``flask stats rebuild``) restores.

Kept up to date by:

* filing (Core inserts, so ``filing.store_report`` applies ``filed_rows`` and the index's
  ``store_new`` changes itself);
* every ORM change of a report's area, who filed, consent level or status, every kind of
  incident added or removed, every release, outcome and alert message, through ``before_flush``
  and ``after_flush`` (installed on every session by ``db.make_sessionmaker``): status and
  consent changes, erasure (an erased report leaves every row, as the figures have always left
  erased reports out), release to police, outcomes, publishing. A change made with a Core
  ``UPDATE`` of those columns must call ``moved`` itself;
* erasure, before its alerts lose their report (``report_alerts_untimed``), and the blind
  index's ``store`` and ``forget`` (``RepeatChange``: which reports are linked, read before and
  after).

Each change is an upsert ``n = n + delta`` (``INSERT … ON CONFLICT DO UPDATE``), so two
transactions counting the same day never lose an increment; rows are written in key order, so
two transactions never wait on each other's rows in opposite orders; a row taken to nought is
deleted. No Flask imports.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, bindparam, delete, event, exists, inspect, or_, select, text, union_all
from sqlalchemy.orm import Session, aliased

from ugly_mugs import db
from ugly_mugs.dates import local
from ugly_mugs.models import (
    Alert,
    AlertMessage,
    DayCount,
    IdentifierIndex,
    PoliceOutcome,
    PoliceRelease,
    Report,
    ReportCategory,
)

ERASED = "erased"
# Report columns counted, in the order of ``Key``: dimension name per column.
COLUMNS = (("area_id", "area"), ("reporter_type", "reporter"), ("consent_level", "consent"), ("status", "status"))
CATEGORY = "category"
# By the local day a report was passed to police: the latest outcome recorded for it, or NONE.
POLICE = "police"
# By the local day a message was published: "kind/severity".
MESSAGE = "message"
# By the local day an alert was first published: whole hours from its report, or NONE.
ALERT_HOURS = "alert_hours"
# By the local day a report was received: "linked" when it shares a whole identifier with another.
REPEAT = "repeat"
LINKED = "linked"
NONE = "none"
DIMENSIONS = tuple(name for _, name in COLUMNS) + (CATEGORY, POLICE, MESSAGE, ALERT_HOURS, REPEAT)
_RELEASES_BEFORE = "ugly_mugs.rollup.releases_before"


def _rows(day: date, values: dict, categories: Iterable[str]) -> Counter:
    """The (day, dimension, value) rows one report adds 1 to; none for an erased report."""
    found: Counter = Counter()
    if values["status"] == ERASED:
        return found
    for column, name in COLUMNS:
        found[(day, name, str(values[column]))] += 1
    for code in set(categories):
        found[(day, CATEGORY, code)] += 1
    return found


DAY = "day"
MONTH = "month"


def spans(changes: Counter) -> list[dict]:
    """The rows of ``changes[(day, dimension, value)]``: each day's row and its month's, in key order."""
    found: Counter = Counter()
    for (day, dimension, value), n in changes.items():
        if n:
            found[(DAY, day, dimension, value)] += n
            found[(MONTH, day.replace(day=1), dimension, value)] += n
    return [
        {"span": k[0], "day": k[1], "dimension": k[2], "value": k[3], "n": n} for k, n in sorted(found.items()) if n
    ]


@functools.cache
def _upsert(dialect_name: str):
    """Adding to a row of counts, made when missing, for a dialect (built once: every filing adds)."""
    statement = db.upsert_insert(dialect_name, DayCount.__table__)
    return statement.on_conflict_do_update(
        index_elements=["span", "day", "dimension", "value"],
        set_={"n": DayCount.__table__.c.n + statement.excluded.n},
    )


def apply(connection: Session | Connection, changes: Counter) -> None:
    """Add each ``changes[(day, dimension, value)]`` (positive or negative) to its day's row and its month's."""
    rows = spans(changes)
    if not rows:
        return
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    connection.execute(_upsert(bind.dialect.name), rows)
    emptied = [(r["span"], r["day"], r["dimension"], r["value"]) for r in rows if r["n"] < 0]
    if emptied:
        # A row taken down to nought goes, so that no row remembers a report that was erased or
        # moved (SQLite overwrites deleted rows: secure_delete, ``db.make_engine``).
        key = (DayCount.span, DayCount.day, DayCount.dimension, DayCount.value)
        for chunk in _chunks(emptied):
            connection.execute(delete(DayCount).where(DayCount.n == 0, any_of(key, chunk)))


# Terms per OR: SQLite parses ``a OR b OR …`` as a tree as deep as it is long (at most 1000).
OR_TERMS = 200


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), OR_TERMS):
        yield items[start : start + OR_TERMS]


def any_of(columns: tuple, values: Iterable[tuple]):
    """``columns`` equal to one of ``values`` (tuples in column order), written as an OR of ANDs:
    SQLite searches an index for each (MULTI-INDEX OR) but scans the whole table for the same
    test written as a row value ``(a, b) IN ((…), (…))``."""
    return or_(*(and_(*(column == value for column, value in zip(columns, row, strict=True))) for row in values))


def filed_rows(session: Session, received_at: datetime, values: dict, categories: Iterable[str]) -> Counter:
    """The changes that count a report just inserted, for ``apply``: ``values`` holds its
    ``area_id``, ``reporter_type``, ``consent_level`` and ``status``; ``categories`` its codes."""
    return _rows(local.day_of(received_at, local.of(session)), values, categories)


def moved(session: Session, received_at: datetime, before: dict, after: dict, categories: Iterable[str]) -> None:
    """A report's counted columns went from ``before`` to ``after`` (same keys as ``filed``)."""
    day = local.day_of(received_at, local.of(session))
    categories = list(categories)
    changes = _rows(day, after, categories)
    changes.subtract(_rows(day, before, categories))
    apply(session, changes)


def _report_values(report: Report, old: bool) -> dict:
    state = inspect(report)
    values = {}
    for column, _ in COLUMNS:
        history = state.attrs[column].history
        values[column] = history.deleted[0] if old and history.deleted else getattr(report, column)
    return values


def before_flush(session: Session, _context, _instances) -> None:
    """Count the ORM changes about to be flushed (see the module docstring)."""
    changes: Counter = Counter()
    zone: ZoneInfo | None = None
    changed_reports: dict[str, Report] = {}
    # Tags counted through their report's collection, not to be counted again on their own.
    new_tags: set[int] = set()
    for report in session.dirty:
        if not isinstance(report, Report) or report.received_at is None:
            continue
        before, after = _report_values(report, old=True), _report_values(report, old=False)
        tags = inspect(report).attrs.categories.history
        new_tags.update(id(tag) for tag in (*tags.added, *tags.deleted))
        if before != after or tags.added or tags.deleted:
            changed_reports[report.id] = report
            zone = zone or local.of(session)
            day = local.day_of(report.received_at, zone)
            # The kinds of incident stored now, and after this flush (a tag may have been both
            # removed and added back, so both as sets).
            stored = set(session.scalars(select(ReportCategory.code).where(ReportCategory.report_id == report.id)))
            kept = (stored - {t.code for t in tags.deleted}) | {t.code for t in tags.added}
            changes.update(_rows(day, after, kept))
            changes.subtract(_rows(day, before, stored))
    for report in session.new:
        if isinstance(report, Report):
            zone = zone or local.of(session)
            codes = [tag.code for tag in report.categories]
            new_tags.update(id(tag) for tag in report.categories)
            changes.update(_rows(local.day_of(report.received_at, zone), _report_values(report, False), codes))
    for sign, objects in ((1, session.new), (-1, session.deleted)):
        for tag in objects:
            if not isinstance(tag, ReportCategory) or id(tag) in new_tags:
                continue
            report = session.get(Report, tag.report_id) if tag.report_id else None
            if report is None or report.status == ERASED:
                continue
            zone = zone or local.of(session)
            changes[(local.day_of(report.received_at, zone), CATEGORY, tag.code)] += sign
    for report in session.deleted:
        if isinstance(report, Report) and report.id not in changed_reports:
            # A report row deleted outright takes its categories with it (ON DELETE CASCADE).
            zone = zone or local.of(session)
            values = _report_values(report, old=True)
            codes = session.scalars(select(ReportCategory.code).where(ReportCategory.report_id == report.id))
            changes.subtract(_rows(local.day_of(report.received_at, zone), values, list(codes)))
    zone = zone or local.of(session)
    for message in session.new:
        if isinstance(message, AlertMessage):
            changes.update(_message_rows(session, message, zone))
    # A release counts under its latest outcome: what it counted under before this flush is
    # taken away after it (``after_flush``), when the new latest can be read back.
    touched = {o.release_id for o in session.new if isinstance(o, PoliceOutcome)}
    touched |= {r.id for r in session.dirty if isinstance(r, PoliceRelease)}
    erased_now = [r.id for r in changed_reports.values() if r.status == ERASED]
    if erased_now:
        touched |= set(session.scalars(select(PoliceRelease.id).where(PoliceRelease.report_id.in_(erased_now))))
    touched.discard(None)
    before = police_rows(session, touched, zone) if touched else Counter()
    session.info[_RELEASES_BEFORE] = (touched, before)
    apply(session, changes)


def after_flush(session: Session, _context) -> None:
    """Count the releases this flush made or changed under their latest outcome now."""
    touched, before = session.info.pop(_RELEASES_BEFORE, (set(), Counter()))
    touched = set(touched) | {r.id for r in session.new if isinstance(r, PoliceRelease)}
    if not touched:
        return
    changes = police_rows(session, touched, local.of(session))
    changes.subtract(before)
    apply(session, changes)


def _hours(received_at: datetime, published_at: datetime) -> int:
    """Whole hours from the start of the hour of ``received_at`` to ``published_at``, at least 0
    (as ``queries.alert_hours`` computes them in SQL)."""
    seconds = (published_at - received_at.replace(minute=0, second=0, microsecond=0)).total_seconds()
    return max(0, int(seconds // 3600))


def _message_rows(session: Session, message: AlertMessage, zone: ZoneInfo) -> Counter:
    day = local.day_of(message.published_at, zone)
    found = Counter({(day, MESSAGE, f"{message.kind}/{message.severity}"): 1})
    if message.kind == "alert":
        alert = session.get(Alert, message.alert_id)
        report = session.get(Report, alert.report_id) if alert is not None and alert.report_id else None
        held = report is not None and report.status != ERASED
        found[(day, ALERT_HOURS, str(_hours(report.received_at, message.published_at)) if held else NONE)] += 1
    return found


def report_alerts_untimed(session: Session, report: Report) -> None:
    """``report`` is about to be erased: its alerts can no longer be timed (call before the
    alerts lose their link to it; a no-op for a report already erased)."""
    if report.status == ERASED:
        return
    zone = local.of(session)
    changes: Counter = Counter()
    query = (
        select(AlertMessage.published_at)
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .where(Alert.report_id == report.id, AlertMessage.kind == "alert")
    )
    for (published_at,) in session.execute(query):
        day = local.day_of(published_at, zone)
        changes[(day, ALERT_HOURS, str(_hours(report.received_at, published_at)))] -= 1
        changes[(day, ALERT_HOURS, NONE)] += 1
    apply(session, changes)


def latest_outcome():
    """The latest outcome recorded for a release, as a scalar subquery correlated to
    ``PoliceRelease`` (by outcome date, then when it was recorded, then id); NULL for none. A
    correlated subquery, which the index on police_outcome.release_id answers per release, rather
    than a window function: SQLite runs it in half the time, PostgreSQL alike."""
    return (
        select(PoliceOutcome.outcome)
        .where(PoliceOutcome.release_id == PoliceRelease.id)
        .order_by(PoliceOutcome.outcome_date.desc(), PoliceOutcome.recorded_at.desc(), PoliceOutcome.id.desc())
        .limit(1)
        .correlate(PoliceRelease)
        .scalar_subquery()
    )


def police_rows(connection: Session | Connection, release_ids: Iterable[int] | None, zone: ZoneInfo) -> Counter:
    """The rows the given releases (every release for None) count in: the local day each was
    passed on and its latest outcome (``queries.count_police``'s order), reports erased left out."""
    query = (
        select(PoliceRelease.passed_at, latest_outcome())
        .join(Report, Report.id == PoliceRelease.report_id)
        .where(Report.status != ERASED)
    )
    if release_ids is not None:
        query = query.where(PoliceRelease.id.in_(sorted(release_ids)))
    found: Counter = Counter()
    for passed_at, outcome in connection.execute(query):
        found[(local.day_of(passed_at, zone), POLICE, outcome or NONE)] += 1
    return found


def install(maker) -> None:
    """Keep the counts up to date in every session ``maker`` makes."""
    event.listen(maker, "before_flush", before_flush)
    event.listen(maker, "after_flush", after_flush)


def whole_and_shared(mine) -> tuple:
    """Conditions on index row ``mine`` (an alias of IdentifierIndex) that make its report a
    linked one: a whole identifier (not from a partial plate, not a plate fragment) that another
    report has too, whole."""
    other = aliased(IdentifierIndex)
    shared = exists().where(
        other.kind == mine.kind,
        other.digest == mine.digest,
        other.key_version == mine.key_version,
        other.report_id != mine.report_id,
        other.partial.is_(False),
    )
    return mine.partial.is_(False), mine.kind != "vehicle_part", shared


# The statements below are built once and run with bound values: every filing runs them, and
# building them anew cost more than running them.


@functools.cache
def _linked_statement(restricted: bool):
    mine = aliased(IdentifierIndex)
    linked = exists().where(mine.report_id == Report.id, *whole_and_shared(mine))
    query = select(Report.received_at).where(Report.status != ERASED, linked)
    if restricted:
        query = query.where(Report.id.in_(bindparam("report_ids", expanding=True)))
    return query


def linked_rows(connection: Session | Connection, report_ids: Iterable[str] | None, zone: ZoneInfo) -> Counter:
    """The REPEAT rows of the given reports (every report for None) that share a whole identifier
    with another report, as ``queries.count_repeat_linked`` decides it."""
    if report_ids is None:
        rows = connection.execute(_linked_statement(False))
    else:
        rows = connection.execute(_linked_statement(True), {"report_ids": sorted(report_ids)})
    found: Counter = Counter()
    for (received_at,) in rows:
        found[(local.day_of(received_at, zone), REPEAT, LINKED)] += 1
    return found


@functools.cache
def _holders_statement(count: int):
    """A UNION ALL of ``count`` index searches: identifier ``i`` is bound as ``kind_i``,
    ``digest_i`` and ``version_i``, the reports left out as ``changing``."""
    changing = bindparam("changing", expanding=True)
    parts = [
        select(IdentifierIndex.kind, IdentifierIndex.digest, IdentifierIndex.key_version, IdentifierIndex.report_id)
        .where(
            IdentifierIndex.kind == bindparam(f"kind_{i}"),
            IdentifierIndex.digest == bindparam(f"digest_{i}"),
            IdentifierIndex.key_version == bindparam(f"version_{i}"),
            IdentifierIndex.partial.is_(False),
            IdentifierIndex.report_id.not_in(changing),
        )
        .limit(2)
        .subquery()
        for i in range(count)
    ]
    return union_all(*(select(*part.c) for part in parts))


def _other_holders(session: Session, keys: list[tuple], changing: set[str]) -> dict[tuple, list[str]]:
    """For each whole identifier of ``keys`` ((kind, digest, key_version)), up to two reports
    outside ``changing`` that hold it whole too: one statement, a search of the index per key,
    however many reports hold it (a number reported a thousand times reads two rows)."""
    found: dict[tuple, list[str]] = {}
    wanted = sorted({k for k in keys if k[0] != "vehicle_part"})
    for chunk in _chunks(wanted):
        values: dict[str, object] = {"changing": sorted(changing)}
        for i, (kind, digest, version) in enumerate(chunk):
            values.update({f"kind_{i}": kind, f"digest_{i}": digest, f"version_{i}": version})
        for kind, digest, version, report_id in session.execute(_holders_statement(len(chunk)), values):
            found.setdefault((kind, digest, version), []).append(report_id)
    return found


class RepeatChange:
    """Index rows of ``report_ids`` are about to be written (``keys``: their (kind, digest,
    key_version)) or, with ``keys`` None, deleted: which reports count as linked is read for every
    report whose link could change (``_other_holders``), before and, at ``done()``, after, and
    the difference counted. ``new``: the reports were inserted in this transaction and hold no
    index rows yet.

    ``filed``: the rows of one report inserted in this transaction (dicts with ``report_id``,
    ``kind``, ``digest``, ``key_version`` and ``partial``) and its ``received_at``, given instead
    of ``report_ids``, ``keys`` and ``new``. When none of the reports it comes to share an
    identifier with could change (each such identifier held whole by two or more others), only
    its own link changes, and that is known without reading it back (``changes``)."""

    def __init__(
        self,
        session: Session,
        report_ids: Iterable[str] = (),
        keys: list[tuple] | None = None,
        *,
        new: bool = False,
        filed: tuple[list[dict], datetime] | None = None,
    ) -> None:
        self.session, self.zone = session, local.of(session)
        self.filed = filed
        if filed is not None:
            rows, _ = filed
            report_ids, new = {row["report_id"] for row in rows}, True
            keys = [(row["kind"], row["digest"], row["key_version"]) for row in rows]
            if len(report_ids) != 1:
                raise ValueError("filed: the rows of one report")
        ids = set(report_ids)
        if keys is None:
            keys = [
                tuple(r)
                for r in session.execute(
                    select(IdentifierIndex.kind, IdentifierIndex.digest, IdentifierIndex.key_version).where(
                        IdentifierIndex.report_id.in_(sorted(ids))
                    )
                )
            ]
        # Only a report that is the one other whole holder of an identifier can be linked or
        # unlinked by the change; where two or more others hold it, they stay linked by each
        # other whatever the change is (``whole_and_shared``: a partial or fragment row links
        # nobody), so they are neither read nor counted.
        holders = _other_holders(session, keys or [], ids)
        # None of these identifiers held whole by another report (the common case of a new
        # report): writing or deleting them links or unlinks nobody, so nothing is read or counted.
        self.unchanged = not holders
        others = {held[0] for held in holders.values() if len(held) == 1}
        self.ids = ids | others
        # New reports (``new``: inserted in this transaction, no index rows yet) are linked to
        # nothing before: only the others are read.
        read = others if new else self.ids
        self.holders = holders
        self.others = others
        self.before = linked_rows(session, read, self.zone) if read and not self.unchanged else Counter()

    def changes(self) -> Counter:
        """The REPEAT changes the written or deleted rows made, for ``apply`` (call after the
        rows are written or deleted)."""
        if self.unchanged:
            return Counter()
        if self.filed is not None and not self.others:
            return self._filed_link()
        changes = linked_rows(self.session, self.ids, self.zone)
        changes.subtract(self.before)
        return changes

    def _filed_link(self) -> Counter:
        """The filed report's own link, as ``whole_and_shared`` decides it: one of its rows whole,
        not a plate fragment, with another report holding the same identifier whole (such
        holders, ``_other_holders``, are only ever looked up for those). It was linked to nothing
        before, and no report it links changes (each of its identifiers held by two or more)."""
        rows, received_at = self.filed
        linked = any(
            not row["partial"]
            and row["kind"] != "vehicle_part"
            and (row["kind"], row["digest"], row["key_version"]) in self.holders
            for row in rows
        )
        return Counter({(local.day_of(received_at, self.zone), REPEAT, LINKED): 1}) if linked else Counter()

    def done(self) -> None:
        """Count the changes (``changes``, applied)."""
        apply(self.session, self.changes())


# --- rebuilding from the reports ---------------------------------------------------------------


def counted_rows(connection: Session | Connection, zone: ZoneInfo) -> Counter:
    """Every row's count, made again from the reports and their categories (not erased)."""
    found: Counter = Counter()
    days: dict[str, date] = {}
    query = select(Report.id, Report.received_at, *(getattr(Report, c) for c, _ in COLUMNS)).where(
        Report.status != ERASED
    )
    for report_id, received_at, *values in connection.execute(query.execution_options(yield_per=5000)):
        day = local.day_of(received_at, zone)
        days[report_id] = day
        for (_, name), value in zip(COLUMNS, values, strict=True):
            found[(day, name, str(value))] += 1
    for report_id, code in connection.execute(
        select(ReportCategory.report_id, ReportCategory.code).execution_options(yield_per=5000)
    ):
        if report_id in days:
            found[(days[report_id], CATEGORY, code)] += 1
    found.update(police_rows(connection, None, zone))
    found.update(linked_rows(connection, None, zone))
    messages = (
        select(AlertMessage.kind, AlertMessage.severity, AlertMessage.published_at, Report.received_at, Report.status)
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .outerjoin(Report, Report.id == Alert.report_id)
    )
    for kind, severity, published_at, received_at, status in connection.execute(
        messages.execution_options(yield_per=5000)
    ):
        day = local.day_of(published_at, zone)
        found[(day, MESSAGE, f"{kind}/{severity}")] += 1
        if kind == "alert":
            held = received_at is not None and status != ERASED
            found[(day, ALERT_HOURS, str(_hours(received_at, published_at)) if held else NONE)] += 1
    return found


def rebuild_connection(connection: Session | Connection, zone: ZoneInfo | None = None) -> int:
    """Replace every row with counts made from the reports; the caller commits. Returns the rows written.

    Safe while reports are being filed: the old rows are locked against writers first (on
    PostgreSQL ``LOCK TABLE … IN SHARE ROW EXCLUSIVE MODE``; on SQLite the ``DELETE`` takes the
    database's one write lock), so a filing either committed before the counting began, and is
    counted by it, or waits and adds its 1 to the rebuilt rows after."""
    if zone is None:
        zone = local.of(connection) if isinstance(connection, Session) else local.load(_configured_zone())
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    if bind.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE stats_day_count IN SHARE ROW EXCLUSIVE MODE"))
    connection.execute(delete(DayCount))
    rows = spans(counted_rows(connection, zone))
    for first in range(0, len(rows), 5000):
        connection.execute(DayCount.__table__.insert(), rows[first : first + 5000])
    return len(rows)


def _configured_zone() -> str:
    """The scheme's zone from the configuration, for migrations (which run without an app)."""
    import os

    return (os.environ.get("UGLY_MUGS_TIMEZONE") or local.DEFAULT).strip()
