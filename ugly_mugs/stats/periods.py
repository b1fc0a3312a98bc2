"""Reporting periods: week, four weeks, month, quarter and year, and the buckets charts use.

A period is the half-open range ``[start, end)`` of whole days. The start a person picks is
moved back to where that kind of period begins (a Monday, the first of a month or quarter,
the first of January). Charts split a period into weeks (clipped to the period), or into
months for a year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from ugly_mugs import dates

KINDS = {
    "week": "Week",
    "four_weeks": "Four weeks",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
}


@dataclass(frozen=True)
class Bucket:
    start: date
    end: date  # exclusive

    @property
    def label(self) -> str:
        return self.start.isoformat()


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # exclusive

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def title(self) -> str:
        return f"{KINDS[self.kind]} {self.start:%d %B %Y} to {self.last_day:%d %B %Y}"

    @property
    def in_sentence(self) -> str:
        """The title after "During the": the kind in lower case, the month names as they are."""
        return f"{KINDS[self.kind].lower()} {self.start:%d %B %Y} to {self.last_day:%d %B %Y}"

    @property
    def bucket_name(self) -> str:
        return "month" if self.kind == "year" else "week"

    def buckets(self) -> list[Bucket]:
        if self.kind == "year":
            starts = [date(self.start.year, m, 1) for m in range(1, 13)]
        else:
            first_monday = self.start + timedelta(days=(7 - self.start.weekday()) % 7)
            starts = [self.start] + [
                first_monday + timedelta(weeks=i)
                for i in range(0, 60)
                if self.start < first_monday + timedelta(weeks=i) < self.end
            ]
        ends = starts[1:] + [self.end]
        return [Bucket(s, e) for s, e in zip(starts, ends, strict=True)]

    def previous(self) -> Period | None:
        """The period before, or None before ``dates.EARLIEST``."""
        day = self.start - timedelta(days=1)
        return period_for(self.kind, day) if dates.in_range(day) else None

    def next(self) -> Period | None:
        """The period after, or None after ``dates.LATEST``."""
        return period_for(self.kind, self.end) if dates.in_range(self.end) else None


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_for(kind: str, start: date) -> Period:
    """The period of ``kind`` that contains ``start``.

    Raises ``dates.DateProblem`` for a start outside ``dates.EARLIEST``..``dates.LATEST`` (so no
    period runs past the calendar's end) and ValueError for an unknown kind.
    """
    dates.check_day(start)
    if kind == "week":
        begin = start - timedelta(days=start.weekday())
        return Period(kind, begin, begin + timedelta(weeks=1))
    if kind == "four_weeks":
        begin = start - timedelta(days=start.weekday())
        return Period(kind, begin, begin + timedelta(weeks=4))
    if kind == "month":
        begin = start.replace(day=1)
        return Period(kind, begin, _add_months(begin, 1))
    if kind == "quarter":
        begin = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, begin, _add_months(begin, 3))
    if kind == "year":
        return Period(kind, date(start.year, 1, 1), date(start.year + 1, 1, 1))
    raise ValueError(f"unknown kind of period {kind!r}")


def four_weeks_to(day: date) -> Period:
    """The four whole weeks (Monday to Sunday) that end with the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return period_for("four_weeks", monday - timedelta(weeks=3))


def default_period(today: date, latest_report_day: Callable[[date], date | None] | None = None) -> Period:
    """The period the monitoring pages open on: the last four complete weeks, as the Leeds
    overview reports them.

    When those weeks hold no report and ``latest_report_day`` is given, the four weeks that end
    with the week of the latest report instead (the current, unfinished week included), so that a
    new installation or a quiet month does not open on an empty page. ``latest_report_day(end)``
    answers the day the latest counted report was received before ``end`` (exclusive), or None.
    """
    usual = four_weeks_to(today - timedelta(weeks=1))
    if latest_report_day is None:
        return usual
    before_end = latest_report_day(usual.end)
    if before_end is not None and before_end >= usual.start:
        return usual
    latest = latest_report_day(today + timedelta(days=1))
    return usual if latest is None else four_weeks_to(latest)
