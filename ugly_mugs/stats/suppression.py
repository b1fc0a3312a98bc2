"""Small-number suppression with secondary suppression, over a system of linear equations.

Every published number is a variable with a known value; every additive relation a reader
could use ("the row total is the sum of its cells", "consent to police = anonymous
intelligence + full report") is an equation ``total = sum(parts)``. A count between 1 and
``threshold - 1`` is suppressed (primary). Then, while any suppressed variable can be
worked out exactly from the published numbers through the equations, one more number in an
equation it appears in is suppressed (secondary). "Worked out" is exact linear algebra, not
just one subtraction: a suppressed variable is determined when the unit vector of that
variable lies in the row space of the equations restricted to the suppressed variables.

Tables that share numbers (a week's total in two charts) are one system, so a total hidden
in one table is hidden in all of them.

Not being determined exactly is not enough: with threshold 5, a total of 7 split 5 + 1 + 1
that publishes the total and the 5 leaves the two 1s summing to 2, so each lies between 0
and 2. Every table is therefore then **audited by bounds** (the *protection interval* of
statistical disclosure control): for each withheld number, the smallest and the largest
value it can take given every shown number, every equation and that counts are not
negative, found with a linear programming solver (``scipy.optimize.linprog``, HiGHS). Where
that interval is narrower than the threshold, one more number is withheld beside it, and
the audit runs again, until every withheld number could be anything in a range at least the
threshold wide. The bounds are those of the linear relaxation; for tables with margins, as
these are, they are the integer bounds too (the constraint matrix is totally unimodular).

What a reader knows of a withheld number is only that it is not negative: the pages label
every withheld number alike (``figures.withheld_text``), because labelling the small ones
"fewer than 5" would itself narrow them to 1–4 and undo the protection.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

Key = Hashable


@dataclass(frozen=True)
class Equation:
    total: Key
    parts: tuple[Key, ...]


def is_small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _rref(rows: list[dict[Key, Fraction]], order: list[Key]) -> list[dict[Key, Fraction]]:
    """Reduced row echelon form of sparse rows (variable -> coefficient), pivoting in ``order``."""
    rows = [dict(r) for r in rows if r]
    reduced: list[dict[Key, Fraction]] = []
    for var in order:
        pivot_index = next((i for i, r in enumerate(rows) if r.get(var)), None)
        if pivot_index is None:
            continue
        pivot = rows.pop(pivot_index)
        factor = pivot[var]
        pivot = {k: v / factor for k, v in pivot.items()}
        for group in (rows, reduced):
            for i, other in enumerate(group):
                coefficient = other.get(var)
                if coefficient:
                    updated = dict(other)
                    for k, v in pivot.items():
                        new = updated.get(k, Fraction(0)) - coefficient * v
                        if new:
                            updated[k] = new
                        else:
                            updated.pop(k, None)
                    group[i] = updated
        reduced.append(pivot)
        rows = [r for r in rows if r]
    return reduced


def determined(equations: Iterable[Equation], hidden: set[Key]) -> set[Key]:
    """The hidden variables whose value follows exactly from the equations and the shown numbers."""
    rows: list[dict[Key, Fraction]] = []
    for eq in equations:
        row: dict[Key, Fraction] = {}
        if eq.total in hidden:
            row[eq.total] = row.get(eq.total, Fraction(0)) - 1
        for part in eq.parts:
            if part in hidden:
                row[part] = row.get(part, Fraction(0)) + 1
        row = {k: v for k, v in row.items() if v}
        if row:
            rows.append(row)
    order = sorted(hidden, key=repr)
    return {next(iter(r)) for r in _rref(rows, order) if len(r) == 1}


def suppress(
    values: Mapping[Key, int],
    equations: Iterable[Equation],
    threshold: int,
) -> set[Key]:
    """The keys to withhold: every small count, and enough others that none of them can be derived."""
    equations = list(equations)
    for eq in equations:
        missing = [k for k in (eq.total, *eq.parts) if k not in values]
        if missing:
            raise KeyError(f"equation refers to unknown numbers {missing}")
    hidden = {k for k, v in values.items() if is_small(v, threshold)}
    if not hidden:
        return hidden
    containing: dict[Key, list[Equation]] = {}
    for eq in equations:
        for key in (eq.total, *eq.parts):
            containing.setdefault(key, []).append(eq)
    while True:
        exposed = determined(equations, hidden)
        if not exposed:
            break
        victim = min(exposed, key=repr)
        hidden.add(_complement(victim, containing.get(victim, []), equations, hidden, values))
    return _widen(values, equations, hidden, threshold, containing)


# --- the audit by bounds ------------------------------------------------------------------

# Slack for the solver's floating point: an interval this much short of the threshold is wide enough.
_TOLERANCE = 1e-6


def bounds(
    values: Mapping[Key, int], equations: Iterable[Equation], hidden: set[Key]
) -> dict[Key, tuple[float, float]]:
    """The smallest and largest value each hidden number can take, given the shown numbers,
    the equations and that no count is negative (``math.inf`` when nothing limits it above).

    One linear program (HiGHS) answers for every hidden number at once: for each number and
    direction a copy of the equations of its group (the hidden numbers joined to it through
    equations), copies sharing nothing, their objectives summed. Each copy of a sum of
    independent programs reaches its own optimum, so one call does the work of two per number.
    Numbers are capped at ``ceiling`` (more than all the published numbers together, so no
    true value is cut off): one that nothing limits reaches the ceiling instead of making the
    whole program unbounded.
    """
    # Imported here: SciPy takes seconds to import, and only an audit with something withheld needs it.
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import csr_array

    equations = list(equations)
    ceiling = sum(values.values()) + 1
    found: dict[Key, tuple[float, float]] = {}
    blocks = []  # (key, column of its minimising copy's variable, column of its maximising one)
    data, rows_at, cols_at, rhs = [], [], [], []
    row_offset = col_offset = 0
    for group, rows in _groups(equations, hidden):
        if not rows:
            found.update({key: (0.0, math.inf) for key in group})
            continue
        n, m = len(group), len(rows)
        d, r, c, b = _system(values, group, rows, hidden)
        for copy in range(2 * n):
            data += d
            rows_at += [row_offset + i for i in r]
            cols_at += [col_offset + j for j in c]
            rhs += b
            row_offset += m
            if copy < n:
                blocks.append((group[copy], col_offset + copy, col_offset + n * n + copy))
            col_offset += n
    if blocks:
        matrix = csr_array((np.array(data, dtype=float), (rows_at, cols_at)), shape=(row_offset, col_offset))
        objective = np.zeros(col_offset)
        for _key, low_column, high_column in blocks:
            objective[low_column] = 1.0
            objective[high_column] = -1.0
        result = linprog(objective, A_eq=matrix, b_eq=np.array(rhs, dtype=float), bounds=(0, ceiling), method="highs")
        if result.status != 0:
            raise ValueError(f"the published figures are inconsistent: {result.message}")
        for key, low_column, high_column in blocks:
            high = float(result.x[high_column])
            found[key] = (float(result.x[low_column]), math.inf if high >= ceiling - _TOLERANCE else high)
    return found


def _system(values, group: list[Key], rows: list[Equation], hidden: set[Key]):
    """One group's equations as sparse (data, row, column) and right-hand sides:
    sum(hidden parts) - hidden total = shown total - sum(shown parts)."""
    column = {key: i for i, key in enumerate(group)}
    data, row_index, col_index, rhs = [], [], [], []
    for r, eq in enumerate(rows):
        constant = 0
        for key, sign in ((eq.total, -1), *((part, 1) for part in eq.parts)):
            if key in hidden:
                data.append(sign)
                row_index.append(r)
                col_index.append(column[key])
            else:
                constant -= sign * values[key]
        rhs.append(constant)
    return data, row_index, col_index, rhs


def _groups(equations: list[Equation], hidden: set[Key]) -> list[tuple[list[Key], list[Equation]]]:
    """Hidden numbers joined by the equations they share, each with its equations."""
    parent = {key: key for key in hidden}

    def root(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching = []
    for eq in equations:
        members = [k for k in (eq.total, *eq.parts) if k in hidden]
        if not members:
            continue
        touching.append((eq, members))
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[Key, tuple[list[Key], list[Equation]]] = {}
    for key in sorted(hidden, key=repr):
        groups.setdefault(root(key), ([], []))[0].append(key)
    for eq, members in touching:
        groups[root(members[0])][1].append(eq)
    return list(groups.values())


def narrow(values, equations, hidden: set[Key], threshold: int) -> dict[Key, tuple[float, float]]:
    """The hidden numbers whose protection interval is narrower than ``threshold``, with their bounds."""
    return {
        key: (low, high)
        for key, (low, high) in bounds(values, equations, hidden).items()
        if high - low < threshold - _TOLERANCE
    }


def _widen(values, equations: list[Equation], hidden: set[Key], threshold: int, containing) -> set[Key]:
    """Withhold more until every withheld number keeps a protection interval of ``threshold``."""
    while True:
        short = narrow(values, equations, hidden, threshold)
        if not short:
            return hidden
        touched: set[Equation] = set()
        for key in sorted(short, key=repr):
            own = containing.get(key, [])
            if touched.intersection(own):
                continue  # a number withheld beside it this round may be enough; audit again
            low, high = short[key]
            added = _widening(own, hidden, values, threshold - (high - low))
            if added is None:
                linked = [eq for eq in equations if any(k in hidden for k in (eq.total, *eq.parts))]
                added = _widening(linked, hidden, values, threshold - (high - low))
            if added is None:
                if touched:
                    break  # the bounds were those before this round's withholding: audit again
                # Every number of every equation it is in is withheld: a reader knows nothing of
                # it but that it is not negative. Only the solver's cap (``bounds``) was narrow.
                return hidden
            hidden.add(added)
            touched.update(own)


def _widening(equations: list[Equation], hidden: set[Key], values: Mapping[Key, int], needed: float) -> Key | None:
    """The shown number to withhold beside a number whose interval is ``needed`` too narrow:
    a cell large enough to give that room at once if there is one (the smallest such), else
    the largest; cells before totals, equations with few hidden numbers first."""
    best: tuple | None = None
    for eq in equations:
        members = (eq.total, *eq.parts)
        unknowns = sum(1 for k in members if k in hidden)
        for key in members:
            if key in hidden:
                continue
            value = values[key]
            enough = value >= needed
            rank = (not enough, key == eq.total, unknowns, value if enough else -value, repr(key))
            if best is None or rank < best[0]:
                best = (rank, key)
    return None if best is None else best[1]


def _complement(
    victim: Key,
    own: list[Equation],
    everything: list[Equation],
    hidden: set[Key],
    values: Mapping[Key, int],
) -> Key:
    """The cheapest shown number that shares an equation with ``victim``.

    Cheapest: in the equation with the fewest hidden numbers (where one more unknown helps
    most), the smallest count (least information lost), preferring cells to totals. Should
    every equation of ``victim`` be hidden already, it is pinned down through other
    equations, so a number from any equation with a hidden member is taken instead.
    """
    found = _cheapest(own, hidden, values)
    if found is None:
        found = _cheapest([eq for eq in everything if any(k in hidden for k in (eq.total, *eq.parts))], hidden, values)
    if found is None:
        raise ValueError(f"cannot protect {victim!r}: every number is already hidden")
    return found


def _cheapest(equations: list[Equation], hidden: set[Key], values: Mapping[Key, int]) -> Key | None:
    best: tuple | None = None
    for eq in equations:
        members = (eq.total, *eq.parts)
        unknowns = sum(1 for k in members if k in hidden)
        for key in members:
            if key in hidden:
                continue
            rank = (unknowns, key == eq.total, values[key], repr(key))
            if best is None or rank < best[0]:
                best = (rank, key)
    return None if best is None else best[1]
