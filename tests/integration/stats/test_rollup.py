"""The monitoring counts per day (``stats.rollup``) against counting the reports themselves.

Proves: for any sequence of filings (at local days either side of midnight and of both daylight
saving changes, some sharing phone numbers or a plate with others, so linked as repeats, some
with only a partly remembered plate, which never links), status
changes, reclassifications (kinds of incident added or removed), consent
changes by the reporter, releases to police with outcomes, and erasures, all through the real
services, the figures the pages build from the rows per day equal, number for number and
withheld for withheld, those built by counting the reports (``queries.direct_counts``, the old
way and the source of truth), for weeks, months, quarters and years around those days; a
rolled-back change leaves the rows as they were; ``flask stats rebuild`` makes the same rows
again (and again: idempotent) after they were damaged; two filings at once both count.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, func, select, update

from tests.support.staff import create
from ugly_mugs import consent
from ugly_mugs.consent import reporter as consent_reporter
from ugly_mugs.coordinator import casework
from ugly_mugs.models import Account, DayCount, PoliceRelease, Report, ReportCategory
from ugly_mugs.police import release
from ugly_mugs.reports import erasure, statuses
from ugly_mugs.reports import filing as service
from ugly_mugs.stats import figures, queries, rollup
from ugly_mugs.stats.periods import period_for

# UTC instants around local midnight (Europe/London) on ordinary days and on both DST changes.
MOMENTS = (
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC),  # 23:30 GMT, 28 March
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 00:30 GMT, 29 March, the day clocks go forward
    datetime(2026, 3, 29, 23, 10, tzinfo=UTC),  # 00:10 BST, 30 March (filed as 00:00 BST)
    datetime(2026, 6, 30, 22, 40, tzinfo=UTC),  # 23:40 BST, 30 June
    datetime(2026, 6, 30, 23, 20, tzinfo=UTC),  # 00:20 BST, 1 July
    datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 00:30 BST, 25 October, the day clocks go back
    datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 23:30 GMT, 25 October
    datetime(2026, 12, 31, 23, 50, tzinfo=UTC),  # 23:50 GMT, 31 December
    datetime(2027, 1, 1, 0, 10, tzinfo=UTC),  # 00:10 GMT, 1 January
)
PERIODS = sorted(
    {
        period_for(kind, m.date())
        for m in MOMENTS
        for kind in ("week", "four_weeks", "month", "quarter", "year")
        if m.year == 2026
    }
    | {period_for("week", date(2026, 3, 30)), period_for("month", date(2027, 1, 1))},
    key=lambda p: (p.start, p.kind),
)
AREAS = ("holbeck", "other")
CATEGORIES = ("threats", "robbery", "physical-assault")

file_op = st.tuples(
    st.just("file"),
    st.sampled_from(MOMENTS),
    st.sampled_from(AREAS),
    st.sets(st.sampled_from(CATEGORIES), max_size=2),
    st.sampled_from(consent.LEVELS),
    st.sampled_from(("self", "outreach", "third_party")),
    st.sets(st.sampled_from(("07700 900123", "07700 900456")), max_size=2),
    # A whole plate, the same plate partly remembered, another plate: whole identifiers link,
    # plate fragments and partial plates never count as linked.
    st.sampled_from(("", "AB12 CDE", "AB12 C??", "XY70 ZZZ")),
)
other_op = st.one_of(
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(statuses.SETTABLE)),
    st.tuples(st.just("reclassify"), st.integers(0, 50), st.sampled_from(CATEGORIES)),
    st.tuples(st.just("consent"), st.integers(0, 50), st.sampled_from(consent.LEVELS)),
    st.tuples(st.just("police"), st.integers(0, 50), st.sampled_from(("charged", "no_further_action", ""))),
    st.tuples(st.just("erase"), st.integers(0, 50)),
)
operations = st.lists(st.one_of(file_op, other_op), min_size=1, max_size=10)


def assert_rollups_match(session) -> None:
    # No row at nought (it would remember a report erased or moved) or below.
    assert not session.scalar(select(func.count()).select_from(DayCount).where(DayCount.n <= 0))
    for period in PERIODS:
        rolled, direct = queries.count_period(session, period), queries.direct_counts(session, period)
        assert rolled.total() == direct.total(), period
        for positions in ((0,), (1,), (2,), (3,), (4,), (0, 3)):
            assert rolled.by(*positions) == direct.by(*positions), (period, positions)
        assert +rolled.categories == +direct.categories, period
        for threshold in (1, 5):
            assert figures.build(rolled, [], threshold) == figures.build(direct, [], threshold), period


@pytest.fixture
def staff(app, passphrase):
    coordinator, officer = create(app, "carla", "coordinator"), create(app, "pc.smith", "police")
    return coordinator.id, officer.id


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_rollups_equal_counting_the_reports(app, staff, ops):
    filed: list[tuple[str, str]] = []  # (report id, receipt code), kept across examples in this database
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        filed += [(r, "") for r in session.scalars(select(Report.id).order_by(Report.received_at, Report.id))]
        carla, smith = session.get(Account, staff[0]), session.get(Account, staff[1])
        for op in ops:
            if op[0] == "file":
                _, moment, area, categories, level, reporter_type, phones, plate = op
                perpetrator = {"phone_numbers": sorted(phones)} if phones else {}
                if plate:
                    perpetrator["vehicle"] = {"registration": plate}
                with time_machine.travel(moment, tick=False):
                    done = service.file_report(
                        session,
                        service.NewReport(
                            incident_date=date(2026, 3, 1),
                            area_code=area,
                            categories=sorted(categories),
                            consent_level=level,
                            reporter_type=reporter_type,
                            identity={"name": "Reporter"},
                            incident={"what_happened": "He threatened me."},
                            perpetrator=perpetrator,
                        ),
                        {c.code for c in app.config["CATEGORIES"]},
                    )
                filed.append((done.report_id, done.receipt_code))
            elif filed:
                report_id, code = filed[op[1] % len(filed)]
                report = session.get(Report, report_id)
                if report.status == statuses.ERASED:
                    continue
                if op[0] == "status":
                    casework.set_status(session, report, carla, op[2])
                elif op[0] == "reclassify":
                    tag = next((t for t in report.categories if t.code == op[2]), None)
                    if tag is None:
                        report.categories.append(ReportCategory(code=op[2]))
                    else:
                        report.categories.remove(tag)
                elif op[0] == "consent" and code:
                    consent_reporter.change(session, report, code, op[2])
                elif op[0] == "police" and release.can_pass_on(report):
                    passed = session.scalar(select(PoliceRelease).where(PoliceRelease.report_id == report.id))
                    passed = passed or release.pass_on(session, report, carla)
                    if op[2]:
                        release.record_outcome(session, passed, smith, op[2], date(2026, 11, 1))
                elif op[0] == "erase":
                    erasure.erase(session, report, erasure.BY_REPORTER)
            session.commit()
        assert_rollups_match(session)


def test_reclassifying_moves_the_counts(app, staff):
    """Kinds of incident added to and removed from a stored report's collection, with a status change."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        report = session.get(Report, _file(app, session))
        session.commit()
        report.categories.append(ReportCategory(code="robbery"))
        session.commit()
        (threats,) = [t for t in report.categories if t.code == "threats"]
        report.categories.remove(threats)
        report.status = statuses.REVIEWED
        session.commit()
        session.add(ReportCategory(report_id=report.id, code="physical-assault"))
        session.commit()
        codes = {
            r.value: r.n
            for r in session.scalars(
                select(DayCount).where(DayCount.span == rollup.DAY, DayCount.dimension == rollup.CATEGORY)
            )
        }
        # The row taken down to nought is gone, not kept at 0.
        assert codes == {"robbery": 1, "physical-assault": 1}
        assert not session.scalar(select(func.count()).select_from(DayCount).where(DayCount.n <= 0))
        assert_rollups_match(session)


def _rows(session) -> dict:
    return {(r.span, r.day, r.dimension, r.value): r.n for r in session.scalars(select(DayCount)) if r.n}


def test_a_rolled_back_change_leaves_the_rows_as_they_were(app, staff):
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        report = _file(app, session)
        session.commit()
        before = _rows(session)
        casework.set_status(session, session.get(Report, report), session.get(Account, staff[0]), "closed")
        assert _rows(session) != before
        session.rollback()
        assert _rows(session) == before


def _file(app, session, moment: datetime | None = MOMENTS[0], perpetrator: dict | None = None) -> str:
    if moment is not None:
        with time_machine.travel(moment, tick=False):
            return _file(app, session, None, perpetrator)
    return service.file_report(
        session,
        service.NewReport(
            incident_date=date(2026, 3, 1),
            area_code="holbeck",
            categories=["threats"],
            consent_level=consent.ALERT_ONLY,
            reporter_type="self",
            identity={"name": "Reporter"},
            incident={"what_happened": "He threatened me."},
            perpetrator=perpetrator or {},
        ),
        {c.code for c in app.config["CATEGORIES"]},
    ).report_id


# Filings one after another, each naming a perpetrator: the first holder of an identifier links
# nobody; the second links itself and the one other holder (read back); from the third on only
# the new report's own link changes (known without reading it back). A partial plate and plate
# fragments never link; a report sharing nothing whole is not linked.
LINKING_FILINGS = (
    {"phone_numbers": ["07700 900123"]},
    {"phone_numbers": ["07700 900123"]},
    {"phone_numbers": ["07700 900123"]},
    {"vehicle": {"registration": "AB12 CDE"}},
    {"vehicle": {"registration": "AB12 C??"}},
    {"vehicle": {"registration": "AB12 CDE"}},
    {"vehicle": {"registration": "AB12 CDE"}},
    {"vehicle": {"registration": "AB12 C??"}},
    {"phone_numbers": ["07700 900123", "07700 900456"], "vehicle": {"registration": "XY70 ZZZ"}},
    {"phone_numbers": ["07700 900456"]},
    {"phone_numbers": ["07700 900999"], "vehicle": {"registration": "AB12 CDE"}},
    {},
)


def test_each_filing_counts_the_links_it_makes(app, staff):
    """After every filing of ``LINKING_FILINGS`` (on days either side of local midnight and the
    clock changes), the rows equal counting the reports; then after an erasure of a linked one."""
    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        ids = []
        for n, perpetrator in enumerate(LINKING_FILINGS):
            ids.append(_file(app, session, MOMENTS[n % len(MOMENTS)], perpetrator))
            session.commit()
            assert_rollups_match(session)
        linked = session.scalar(
            select(func.sum(DayCount.n)).where(
                DayCount.span == rollup.DAY, DayCount.dimension == rollup.REPEAT, DayCount.value == rollup.LINKED
            )
        )
        # All but the partial plates (4, 7), the report sharing nothing whole and the empty one.
        assert linked == len(LINKING_FILINGS) - 3
        erasure.erase(session, session.get(Report, ids[1]), erasure.BY_REPORTER)
        session.commit()
        assert_rollups_match(session)


def test_rebuild_command_restores_damaged_rows_and_is_idempotent(app, runner, staff):
    maker = app.extensions["ugly_mugs.sessionmaker"]
    with maker() as session:
        for moment in MOMENTS:
            _file(app, session, moment)
        session.commit()
        good = _rows(session)
        # Damage: a count changed, a row removed, a row that should not be there.
        session.execute(update(DayCount).where(DayCount.dimension == "area").values(n=DayCount.n + 7))
        session.execute(delete(DayCount).where(DayCount.dimension == "category"))
        session.add(DayCount(span=rollup.DAY, day=date(2026, 5, 5), dimension="status", value="closed", n=3))
        session.commit()
        assert _rows(session) != good
    for _ in range(2):
        result = runner.invoke(args=["stats", "rebuild"])
        assert result.exit_code == 0, result.output
        assert "rows" in result.output
        with maker() as session:
            assert _rows(session) == good
            assert_rollups_match(session)


def test_two_filings_at_once_both_count(app, staff):
    """Each in its own transaction and thread, on the same local day: neither increment is lost."""
    maker = app.extensions["ugly_mugs.sessionmaker"]
    barrier, errors = threading.Barrier(4), []
    with maker() as session:  # one filing first: the erasure key store makes its tables on first use
        _file(app, session, None)
        session.commit()

    def one() -> None:
        try:
            with maker() as session:
                barrier.wait(timeout=30)
                _file(app, session, None)  # at the real time: time travel is not per thread
                session.commit()
        except Exception as problem:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(problem)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    with maker() as session:
        day = max(session.scalars(select(DayCount.day)))
        n = session.scalar(
            select(func.sum(DayCount.n)).where(
                DayCount.span == rollup.DAY, DayCount.day == day, DayCount.dimension == rollup.CATEGORY
            )
        )
        assert n == 5
        assert_rollups_match(session)


@pytest.mark.parametrize("keys", [1, 3, rollup.OR_TERMS + 1])
def test_who_shares_an_identifier_is_found_through_the_index(app, keys):
    """Read on every filing and erasure, while the database is being written: a search of the
    index for each identifier (reading at most two holders, however many reports hold it),
    never a scan of every report's identifiers (a row-value IN would be one on SQLite)."""
    engine = app.extensions["ugly_mugs.engine"]
    wanted = [("phone", f"{n:064x}", 1) for n in range(keys)]
    emptied = [("day", date(2026, 3, n % 28 + 1), "status", "received") for n in range(keys)]
    day_key = (DayCount.span, DayCount.day, DayCount.dimension, DayCount.value)
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    with app.extensions["ugly_mugs.sessionmaker"]() as session:
        event.listen(engine, "before_cursor_execute", keep)
        try:
            assert rollup._other_holders(session, wanted, {"a-report"}) == {}
            for chunk in rollup._chunks(emptied):
                session.execute(select(DayCount.n).where(DayCount.n == 0, rollup.any_of(day_key, chunk))).all()
        finally:
            event.remove(engine, "before_cursor_execute", keep)
    assert len(seen) == 2 * -(-keys // rollup.OR_TERMS)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            for statement, parameters in seen:
                plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
                # Scanning the two rows a key's subquery gave is fine; scanning a table is not.
                assert not [step for step in plan if step.startswith(("SCAN identifier_index", "SCAN stats_day"))], plan
                assert any("USING" in step for step in plan), plan
