"""Coarse time (P4): the one rule for recording and returning when a reporter did something.

A reporter's acts — filing, changing consent, adding information, asking for deletion — are
kept and shown only to the hour (UTC), so that no record can be matched to the second against
a web server's log, a phone's history or a witness. Every place that stores or returns such a
time goes through ``coarse`` (or ``now``); nothing else rounds on its own. No Flask imports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The finest a reporter's act is ever recorded or returned.
RESOLUTION = timedelta(hours=1)


def coarse(moment: datetime) -> datetime:
    """``moment`` rounded down to ``RESOLUTION`` (the start of its hour), as an aware UTC datetime.

    Raises ValueError for a naive datetime: the hour it belongs to would be a guess.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    moment = moment.astimezone(UTC)
    step = int(RESOLUTION.total_seconds())
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    start_of_day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start_of_day + timedelta(seconds=seconds - seconds % step)


def now() -> datetime:
    """The current time, coarse: for recording a reporter's act."""
    return coarse(datetime.now(UTC))


def is_coarse(moment: datetime) -> bool:
    """Whether ``moment`` carries nothing finer than ``RESOLUTION``."""
    return coarse(moment) == moment.astimezone(UTC)
