"""The one parser of days people type (``ugly_mugs.dates``) and the periods built on it.

Proves, table-driven at the calendar's edges and as properties over every day: a day from
1900-01-01 to 2100-12-31 is read back exactly; a day outside that range is refused as out of
range (never accepted, never an ``OverflowError`` later); text that is no day is refused as
such; and every period of every kind that starts on an accepted day can be built, bucketed and
stepped back and forward without ever leaving the calendar (``date.max`` is 9999-12-31).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ugly_mugs import dates
from ugly_mugs.reports import intake
from ugly_mugs.stats.periods import KINDS, period_for

CASES = [
    ("2026-11-21", date(2026, 11, 21)),
    (" 2026-11-21 ", date(2026, 11, 21)),
    ("1900-01-01", date(1900, 1, 1)),
    ("2100-12-31", date(2100, 12, 31)),
    ("2024-02-29", date(2024, 2, 29)),
    ("", None),
    ("   ", None),
    (None, None),
    ("1899-12-31", dates.RANGE),
    ("2101-01-01", dates.RANGE),
    ("0001-01-01", dates.RANGE),
    ("9999-06-01", dates.RANGE),
    ("9999-12-31", dates.RANGE),
    ("2023-02-29", dates.FORMAT),
    ("2026-13-01", dates.FORMAT),
    ("0000-01-01", dates.FORMAT),
    ("10000-01-01", dates.FORMAT),
    ("-2026-01-01", dates.FORMAT),
    ("2026-1-1\x00", dates.FORMAT),
    ("２０２６-０１-０１", dates.FORMAT),
    ("9" * 5000, dates.FORMAT),
    ("21/11/2026", dates.FORMAT),
    (20261121, dates.FORMAT),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_days_at_the_edges(raw, expected):
    if isinstance(expected, str):
        with pytest.raises(dates.DateProblem) as refused:
            dates.parse_day(raw)
        assert refused.value.code == expected
        assert str(refused.value) == dates.MESSAGES[expected]
    else:
        assert dates.parse_day(raw) == expected


@given(st.dates(dates.EARLIEST, dates.LATEST))
def test_every_day_in_range_is_read_back(day):
    assert dates.parse_day(day.isoformat()) == day
    assert dates.parse_day(day.strftime("%d/%m/%Y"), intake.DATE_FORMATS) == day


@given(st.dates(date.min, dates.EARLIEST - timedelta(days=1)) | st.dates(dates.LATEST + timedelta(days=1), date.max))
def test_every_day_out_of_range_is_refused_as_such(day):
    with pytest.raises(dates.DateProblem) as refused:
        dates.parse_day(f"{day.year:04d}-{day.month:02d}-{day.day:02d}")
    assert refused.value.code == dates.RANGE and refused.value.day == day
    # The reporter's form reads the same day and says it is too old or in the future.
    assert intake.parse_date(f"{day.year:04d}-{day.month:02d}-{day.day:02d}") == day


@given(kind=st.sampled_from(sorted(KINDS)), day=st.dates(dates.EARLIEST, dates.LATEST))
def test_every_period_of_an_accepted_day_stays_in_the_calendar(kind, day):
    period = period_for(kind, day)
    assert period.start <= day < period.end
    buckets = period.buckets()
    assert buckets[0].start == period.start and buckets[-1].end == period.end
    before, after = period.previous(), period.next()
    # Four weeks step by a week (they roll); every other kind steps to its neighbour.
    assert before is None or before.start < period.start <= before.end
    assert after is None or after.start <= period.end < after.end
    assert (before is None) == (period.start == dates.EARLIEST)  # 1900-01-01 was a Monday
    assert (after is None) == (period.end > dates.LATEST)
    assert period.title and period.in_sentence


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("day", [date(1, 1, 1), date(1899, 12, 31), date(2101, 1, 1), date(9999, 6, 1), date.max])
def test_periods_out_of_range_are_refused(kind, day):
    with pytest.raises(dates.DateProblem):
        period_for(kind, day)
