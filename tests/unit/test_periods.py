"""The period the monitoring pages open on.

Proves: with no way to ask about reports, and whenever the last four complete weeks hold a
report, it is those four weeks (as the Leeds overview reports them); when they hold none, it
is the four whole weeks that end with the week of the latest report up to today (the current
week included), so the page never opens on an empty period while reports exist; with no
report at all it stays the last four complete weeks. Table-driven for the edges of a week and
checked as a property over any set of report days.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugly_mugs.stats.periods import Period, default_period, four_weeks_to

MONDAY = date(2026, 11, 30)
USUAL = Period("four_weeks", date(2026, 11, 2), date(2026, 11, 30))


def latest_of(days):
    """What the query answers: the latest report day before ``end`` (exclusive), or None."""

    def latest_report_day(end: date) -> date | None:
        return max((d for d in days if d < end), default=None)

    return latest_report_day


def test_without_reports_to_ask_about_it_is_the_last_four_complete_weeks():
    for today in (MONDAY, MONDAY + timedelta(days=3), MONDAY + timedelta(days=6)):
        assert default_period(today) == USUAL


@pytest.mark.parametrize(
    ("today", "reports", "opens_on"),
    [
        # No report at all: the usual four weeks.
        (MONDAY, [], USUAL),
        # A report in the usual weeks (their first and last day): the usual weeks.
        (MONDAY, [date(2026, 11, 2)], USUAL),
        (MONDAY + timedelta(days=6), [date(2026, 11, 29), MONDAY + timedelta(days=1)], USUAL),
        # Reports only this week (a new installation): the four weeks ending with this week.
        (MONDAY, [MONDAY], Period("four_weeks", date(2026, 11, 9), date(2026, 12, 7))),
        (
            MONDAY + timedelta(days=6),
            [MONDAY + timedelta(days=6)],
            Period("four_weeks", date(2026, 11, 9), date(2026, 12, 7)),
        ),
        # Only old reports (a quiet month): the four weeks ending with the latest one's week.
        (MONDAY, [date(2026, 3, 4), date(2026, 6, 14)], Period("four_weeks", date(2026, 5, 18), date(2026, 6, 15))),
        (MONDAY, [date(2026, 11, 1)], Period("four_weeks", date(2026, 10, 5), date(2026, 11, 2))),
        # A report dated after today (a clock set wrong) is not a reason to leave the usual weeks.
        (MONDAY, [MONDAY + timedelta(days=9)], USUAL),
    ],
)
def test_opens_on_the_latest_period_with_reports(today, reports, opens_on):
    assert default_period(today, latest_of(reports)) == opens_on


# No deadline: the function is pure and quick; only a loaded machine could make one example slow.
@settings(deadline=None)
@given(
    today=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    offsets=st.lists(st.integers(-400, 20), max_size=8),
)
def test_never_opens_on_an_empty_period_while_reports_exist(today, offsets):
    reports = [today + timedelta(days=n) for n in offsets]
    period = default_period(today, latest_of(reports))
    usual = default_period(today)
    assert period.kind == "four_weeks" and period.start.weekday() == 0
    assert period.end - period.start == timedelta(weeks=4)
    shown = [d for d in reports if period.start <= d < period.end]
    past = [d for d in reports if d <= today]
    if any(usual.start <= d < usual.end for d in reports):
        assert period == usual
    elif past:
        assert max(past) in shown and period == four_weeks_to(max(past))
        assert period.end <= four_weeks_to(today).end
    else:
        assert period == usual
