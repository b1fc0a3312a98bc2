"""Small-number suppression, proved on random tables with Hypothesis.

Proves, for random two-way tables with row, column and grand totals and for random
thresholds: no shown number lies between 1 and the threshold; no withheld number can be
recovered by subtraction from the shown totals and cells of its row or of its column (every
row and column with a withheld number holds at least two); and, stronger and checked by an
independent graph argument rather than by the module's own algebra, every withheld number
lies on a cycle of withheld numbers, so that adding and subtracting one around that cycle
gives another table with the same shown numbers: no combination of equations pins it down.
Whole periods of figures, with tables that share totals, are checked the same way, and a
total withheld in one table is withheld in every table that shows it; that includes the
police outcomes, whose table adds up to the reports passed to police and whose outcomes
other than "none yet" add up to the headline's "with an outcome recorded"; and the alerts,
whose messages add up by kind over severities, whose bands of time to alert (with the alerts not
timed) add up to the alerts published, shown in two tables and the headline, and whose median
and 90th percentile appear only when at least the threshold of alerts are timed; for the alert
figures the relations are also written out from the tables and checked with a rank test of
their own (float elimination, not the module's exact algebra): no withheld number is pinned down. No chart of a
period, as drawn on the pages and in the PDF, writes a small number or a bar for a withheld one.
Beyond exact recovery, the audit by bounds: the 5 + 1 + 1 example, and random tables in which
every withheld cell can take, by an independent linear program, any value in a range at least
the threshold wide.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from config import Choice
from ugly_mugs.stats import charts, figures, suppression
from ugly_mugs.stats.periods import period_for
from ugly_mugs.stats.queries import NO_OUTCOME, AreaRow, Counts

T = "T"
small_counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


@st.composite
def tables(draw):
    rows = draw(st.integers(1, 6))
    cols = draw(st.integers(1, 6))
    cells = {(i, j): draw(small_counts) for i in range(rows) for j in range(cols)}
    return rows, cols, cells


def with_margins(rows: int, cols: int, cells: dict):
    values = dict(cells)
    equations = []
    for i in range(rows):
        values[(i, T)] = sum(cells[(i, j)] for j in range(cols))
        equations.append(suppression.Equation((i, T), tuple((i, j) for j in range(cols))))
    for j in [*range(cols), T]:
        values[(T, j)] = sum(values[(i, j)] for i in range(rows))
        equations.append(suppression.Equation((T, j), tuple((i, j) for i in range(rows))))
    equations.append(suppression.Equation((T, T), tuple((T, j) for j in range(cols))))
    return values, equations


def lines(rows: int, cols: int):
    """Every row and every column of the full table, totals included."""
    for i in [*range(rows), T]:
        yield [(i, j) for j in [*range(cols), T]]
    for j in [*range(cols), T]:
        yield [(i, j) for i in [*range(rows), T]]


def on_a_cycle(hidden: set) -> set:
    """Hidden cells that lie on a cycle of the bipartite graph rows–columns whose edges are hidden cells.

    An edge is on a cycle exactly when removing it leaves its two ends connected.
    """
    result = set()
    for edge in hidden:
        others = hidden - {edge}
        start, goal = ("r", edge[0]), ("c", edge[1])
        seen, stack = {start}, [start]
        while stack:
            kind, name = stack.pop()
            for i, j in others:
                if kind == "r" and i == name:
                    nxt = ("c", j)
                elif kind == "c" and j == name:
                    nxt = ("r", i)
                else:
                    continue
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        if goal in seen:
            result.add(edge)
    return result


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(2, 10))
def test_two_way_tables(table, threshold):
    rows, cols, cells = table
    values, equations = with_margins(rows, cols, cells)
    hidden = suppression.suppress(values, equations, threshold)
    shown = {k: v for k, v in values.items() if k not in hidden}
    # Primary: nothing small is shown; everything small is hidden.
    assert not [v for v in shown.values() if 0 < v < threshold]
    assert {k for k, v in values.items() if 0 < v < threshold} <= hidden
    # No subtraction within a row or column recovers a hidden number.
    for line in lines(rows, cols):
        assert sum(k in hidden for k in line) != 1, (line, hidden)
    # No combination of rows and columns does either.
    assert on_a_cycle(hidden) == hidden


def test_the_cycle_check_catches_a_pinned_cell():
    # Two 2x2 squares of hidden cells joined by one hidden cell: every line holds two hidden
    # cells or none, yet the joining cell is fixed by the equations (a bridge).
    square = {(0, 0), (0, 1), (1, 0), (1, 1)}
    other = {(2, 2), (2, 3), (3, 2), (3, 3)}
    assert on_a_cycle(square | other | {(1, 2)}) == square | other
    values = {(i, j): 10 for i in range(4) for j in range(4)}
    full, equations = with_margins(4, 4, values)
    assert (1, 2) in suppression.determined(equations, square | other | {(1, 2)})


@settings(max_examples=200, deadline=None)
@given(st.lists(small_counts, min_size=1, max_size=8), st.integers(2, 10))
def test_one_way_tables(parts, threshold):
    values = {("part", i): v for i, v in enumerate(parts)} | {"total": sum(parts)}
    equation = suppression.Equation("total", tuple(("part", i) for i in range(len(parts))))
    hidden = suppression.suppress(values, [equation], threshold)
    assert not [k for k, v in values.items() if k not in hidden and 0 < v < threshold]
    assert sum(k in hidden for k in values) != 1


def test_determined_finds_a_single_unknown():
    eq = suppression.Equation("t", ("a", "b", "c"))
    assert suppression.determined([eq], {"a"}) == {"a"}
    assert suppression.determined([eq], {"a", "b"}) == set()
    assert suppression.determined([eq], {"t", "a"}) == set()


CATEGORIES = (Choice("hit", "Hit"), Choice("rob", "Robbed"), Choice("pay", "Refused to pay"))
AREAS = [AreaRow(1, "north", "North", True), AreaRow(2, "south", "South", True), AreaRow(3, "east", "East", True)]


@st.composite
def periods_of_counts(draw):
    kind = draw(st.sampled_from(["week", "four_weeks", "month"]))
    period = period_for(kind, date(2026, 3, 2))
    buckets = len(period.buckets())
    counts = Counts(period, areas=AREAS)
    for _ in range(draw(st.integers(0, 60))):
        key = (
            draw(st.integers(0, buckets - 1)),
            draw(st.sampled_from([1, 2, 3])),
            draw(st.sampled_from(["self", "outreach", "third_party"])),
            draw(st.sampled_from(["alert_only", "anonymous_intel", "full"])),
            draw(st.sampled_from(["received", "reviewed", "alert_published", "passed_to_police"])),
        )
        counts.reports[key] += 1
        for code in draw(st.sets(st.sampled_from(["hit", "rob", "pay"]), max_size=2)):
            counts.categories[(key[0], code)] += 1
    for code in [*figures.OUTCOME_LABELS, NO_OUTCOME]:
        counts.police[code] = draw(small_counts)
    # Alerts first published: hours to alert (None: report no longer held), each with a severity.
    hours = draw(st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=40))
    counts.alert_hours = hours
    for _ in hours:
        counts.messages[("alert", draw(st.sampled_from(["urgent", "warning", "information"])))] += 1
    for kind in ("update", "retraction"):
        for severity in ("urgent", "warning", "information"):
            counts.messages[(kind, severity)] = draw(st.integers(0, 8))
    counts.projects_reached = draw(small_counts)
    counts.projects_waiting = draw(small_counts)
    counts.repeat_linked = draw(st.integers(0, counts.total()))
    return counts


@settings(max_examples=150, deadline=None)
@given(periods_of_counts(), st.integers(2, 6))
def test_whole_periods(counts, threshold):
    f = figures.build(counts, CATEGORIES, threshold)
    for table in f.tables.values():
        for _, cells in table.rows:
            assert not [c for c in cells if c.shown and 0 < c.value < threshold], table.title
    # Partition tables: the cells of each add up to the shown total, so never exactly one hidden.
    for name in ("per_bucket", "areas", "reporters", "consent", "status", "police", "alert_time", "repeat"):
        column = [cells[0] for _, cells in f.tables[name].rows]
        assert sum(not c.shown for c in column) != 1, name
    grid = f.tables["consent_over_time"]
    for _, cells in grid.rows:
        assert sum(not c.shown for c in cells) != 1
    for j in range(len(grid.columns)):
        assert sum(not cells[j].shown for _, cells in grid.rows) != 1
    categories = f.tables["categories"]
    for j in range(len(categories.columns)):
        assert sum(not cells[j].shown for _, cells in categories.rows) != 1
    # The same number is withheld everywhere it appears.
    totals = {
        name: f.tables[name].rows[-1][1][-1]
        for name in ("per_bucket", "areas", "consent_over_time", "status", "repeat")
    }
    assert len({c.shown for c in totals.values()}) == 1
    weekly = [cells[0] for _, cells in f.tables["per_bucket"].rows[:-1]]
    weekly_again = [cells[-1] for _, cells in grid.rows[:-1]]
    assert weekly == weekly_again
    # Police: the outcomes add up to the reports passed on; those other than "none yet" to the
    # headline's "with an outcome recorded"; so "none yet" is passed on minus recorded. Any other
    # combination of the two sums involves every withheld number of both, so these three suffice.
    police = f.tables["police"].rows
    passed, none_yet = police[-1][1][0], police[-2][1][0]
    recorded = [cells[0] for _, cells in police[:-2]]
    assert police[-2][0] == figures.NO_OUTCOME_LABEL
    for line in ([*recorded, f.police_recorded], [passed, f.police_recorded, none_yet]):
        assert sum(not c.shown for c in line) != 1, line
    if f.police_recorded.shown:
        assert f.police_recorded.value == sum(counts.police[c] for c in figures.OUTCOME_LABELS)
    assert not (f.police_recorded.shown and 0 < f.police_recorded.value < threshold)
    # Alerts: each kind's column adds up over severities; the published total is one number in both
    # tables; the bands add up to the alerts timed (a headline number) and, with those not timed, to
    # the alerts published. Checked as a small system of its own, independently of the module.
    alerts = f.tables["alerts"]
    for j in range(len(alerts.columns)):
        assert sum(not cells[j].shown for _, cells in alerts.rows) != 1, alerts.columns[j]
    time_rows = f.tables["alert_time"].rows
    assert time_rows[-1][1][0] == alerts.rows[-1][1][0]
    bands = [cells[0] for _, cells in time_rows[:4]]
    untimed, published = time_rows[4][1][0], time_rows[5][1][0]
    timed_true = sum(1 for h in counts.alert_hours if h is not None)
    headline = next(h for h in f.headlines if "alerts published" in h)
    # The alerts timed appear (in the headline) only beside the median; shown or withheld there.
    timed_shown = f"over the {timed_true} alerts" in headline
    timed_withheld = f"over the {f.withheld_text} alerts" in headline
    assert sum(not c.shown for c in [*bands, untimed, published]) != 1
    if timed_shown or timed_withheld:
        assert sum(not c.shown for c in bands) + timed_withheld != 1
    if timed_shown:
        # timed = published - untimed, so these two are withheld together or not at all.
        assert untimed.shown == published.shown
    for cell, true in zip(bands, figures.band_counts(counts.alert_hours), strict=True):
        assert cell.value in (true, None)
    if timed_true >= threshold:
        assert f.alert_median_hours is not None and "median time from report to alert" in headline
    else:
        assert f.alert_median_hours is None and f.alert_p90_hours is None
        assert "median" not in headline
    for c in (f.tables["projects"].rows[0][1][0], f.tables["projects"].rows[1][1][0]):
        assert not (c.shown and 0 < c.value < threshold)
    # Charts: no small number written, and a bar only for a shown number.
    for chart in charts.for_figures(f).values():
        for shape in chart.shapes:
            if isinstance(shape, charts.Text) and shape.text.isdigit():
                assert not 0 < int(shape.text) < threshold, (chart.title, shape.text)
    for chart_id, table_id in (
        ("areas", "areas"),
        ("reporters", "reporters"),
        ("police", "police"),
        ("alert_time", "alert_time"),
    ):
        rows = f.tables[table_id].rows[:-1]
        bars = [s for s in charts.for_figures(f)[chart_id].shapes if isinstance(s, charts.Box)]
        assert len(bars) == sum(cells[0].shown for _, cells in rows), chart_id
    # Headline sentences say no small number either.
    for sentence in f.headlines:
        undated = re.sub(r"\d{2} [A-Z][a-z]+ \d{4}|\d+(\.\d)? (hours?|days)", "", sentence)
        numbers = Counter(int(w) for w in undated.replace("(", " ").split() if w.isdigit())
        assert not [n for n in numbers if 0 < n < threshold], sentence


def _rank(rows: list[list[float]]) -> int:
    """Rank by Gaussian elimination in floats: independent of the module's exact algebra."""
    rows = [list(r) for r in rows]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if abs(rows[i][col]) > 1e-9), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and abs(rows[i][col]) > 1e-9:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


@st.composite
def alert_counts(draw):
    counts = Counts(period_for("week", date(2026, 3, 2)), areas=AREAS)
    counts.alert_hours = draw(st.lists(st.one_of(st.none(), st.integers(0, 400)), max_size=30))
    for _ in counts.alert_hours:
        counts.messages[("alert", draw(st.sampled_from(["urgent", "warning", "information"])))] += 1
    for kind in ("update", "retraction"):
        for severity in ("urgent", "warning", "information"):
            counts.messages[(kind, severity)] = draw(small_counts)
    return counts


@settings(max_examples=200, deadline=None)
@given(alert_counts(), st.integers(2, 6))
def test_no_withheld_alert_figure_can_be_worked_out(counts, threshold):
    """Every relation a reader sees between the alert figures, written out here from the tables."""
    f = figures.build(counts, CATEGORIES, threshold)
    alerts, time_rows = f.tables["alerts"], f.tables["alert_time"].rows
    cells: dict = {}
    equations: list[tuple] = []  # (total, parts), as keys into ``cells``
    for i, (_, row) in enumerate(alerts.rows):
        for j, c in enumerate(row):
            cells[("alerts", i, j)] = c
    last = len(alerts.rows) - 1
    for j in range(len(alerts.columns)):
        equations.append((("alerts", last, j), [("alerts", i, j) for i in range(last)]))
    # The time table's total is the "Alerts published" total of the severity table: one number.
    published = ("alerts", last, 0)
    assert time_rows[-1][1][0] == cells[published]
    for i, (_, row) in enumerate(time_rows[:-1]):
        cells[("time", i)] = row[0]
    equations.append((published, [("time", i) for i in range(len(time_rows) - 1)]))
    # The headline gives the alerts timed beside the median: the sum of the four bands.
    headline = next(h for h in f.headlines if "alerts published" in h)
    timed = sum(1 for h in counts.alert_hours if h is not None)
    if f"over the {timed} alerts" in headline or f"over the {f.withheld_text} alerts" in headline:
        cells["timed"] = figures.Cell(timed if f"over the {timed} alerts" in headline else None)
        equations.append(("timed", [("time", i) for i in range(4)]))
    for c in cells.values():
        assert not (c.shown and 0 < c.value < threshold)
    hidden = [k for k, c in cells.items() if not c.shown]
    if not hidden:
        return
    matrix = []
    for total, parts in equations:
        row = [0.0] * len(hidden)
        for k in parts:
            if k in hidden:
                row[hidden.index(k)] += 1
        if total in hidden:
            row[hidden.index(total)] -= 1
        matrix.append(row)
    full = _rank(matrix)
    for i, key in enumerate(hidden):
        # Determined exactly when its column is not in the span of the others.
        without = [r[:i] + r[i + 1 :] for r in matrix]
        assert _rank(without) == full, (key, hidden)


# --- the audit by bounds -------------------------------------------------------------------


def test_five_one_one_is_not_solved_back():
    # Threshold 5, a total of 7 split 5 + 1 + 1. Withholding only the two 1s leaves them summing
    # to 2: neither is determined exactly, yet each is pinned to 0..2.
    values = {"total": 7, "a": 5, "b": 1, "c": 1}
    equation = suppression.Equation("total", ("a", "b", "c"))
    assert suppression.determined([equation], {"b", "c"}) == set()
    assert suppression.bounds(values, [equation], {"b", "c"}) == {"b": (0.0, 2.0), "c": (0.0, 2.0)}
    hidden = suppression.suppress(values, [equation], 5)
    assert hidden == {"a", "b", "c"}
    assert suppression.bounds(values, [equation], hidden) == {k: (0.0, 7.0) for k in "abc"}
    f = figures.withheld_text(5)
    assert f == "withheld*" and "5" not in f  # one label, which says nothing about the range


def test_bounds_of_an_unlimited_number_are_unbounded_above():
    values = {"t": 9, "a": 4, "b": 5}
    equations = [suppression.Equation("t", ("a", "b"))]
    assert suppression.bounds(values, equations, {"t", "a", "b"})["t"] == (0.0, float("inf"))


def independent_bounds(rows: int, cols: int, values: dict, hidden: set) -> dict:
    """Each hidden cell's range from its own two dense linear programs over the table's row and
    column sums (interior point, not the module's block construction nor its equations)."""
    keys = sorted(hidden, key=repr)
    index = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for line in lines(rows, cols):
        total, parts = line[-1], line[:-1]
        row = [0.0] * len(keys)
        rhs = 0.0
        for key, sign in [(total, -1.0), *((p, 1.0) for p in parts)]:
            if key in hidden:
                row[index[key]] += sign
            else:
                rhs -= sign * values[key]
        if any(row):
            a_eq.append(row)
            b_eq.append(rhs)
    found = {}
    for key in keys:
        c = [0.0] * len(keys)
        c[index[key]] = 1.0
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs-ipm")
        high = linprog([-x for x in c], A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None), method="highs-ipm")
        assert low.status == 0
        found[key] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return found


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 4).flatmap(lambda r: st.tuples(st.just(r), st.integers(1, 4))), st.data(), st.integers(2, 8))
def test_every_withheld_cell_keeps_a_range_at_least_the_threshold(shape, data, threshold):
    rows, cols = shape
    cells = {(i, j): data.draw(small_counts) for i in range(rows) for j in range(cols)}
    _check_protected(rows, cols, cells, threshold)


def _check_protected(rows: int, cols: int, cells: dict, threshold: int) -> None:
    values, equations = with_margins(rows, cols, cells)
    hidden = suppression.suppress(values, equations, threshold)
    assert {k for k, v in values.items() if 0 < v < threshold} <= hidden
    for key, (low, high) in independent_bounds(rows, cols, values, hidden).items():
        assert low <= values[key] + 1e-6 and values[key] <= high + 1e-6, key
        assert high - low >= threshold - 1e-6, (key, low, high, hidden)


@pytest.mark.parametrize(("rows", "cols"), [(1, 2), (2, 1), (2, 2)])
@pytest.mark.parametrize("threshold", [2, 3])
def test_every_small_table_is_protected_or_withheld_whole(rows, cols, threshold):
    """Every table of these shapes with counts 0-2: widening one number may make another wide
    enough in the same round (once, 2 0 / 0 1 at threshold 2 withheld everything and then gave
    up on a number that was already protected), and a table withheld whole is an answer."""
    keys = [(i, j) for i in range(rows) for j in range(cols)]
    for counts in itertools.product(range(3), repeat=len(keys)):
        _check_protected(rows, cols, dict(zip(keys, counts, strict=True)), threshold)
