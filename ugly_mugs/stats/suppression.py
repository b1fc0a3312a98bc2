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
"""

from __future__ import annotations

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
            return hidden
        victim = min(exposed, key=repr)
        hidden.add(_complement(victim, containing.get(victim, []), equations, hidden, values))


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
