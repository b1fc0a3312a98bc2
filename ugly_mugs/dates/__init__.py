"""Days people type, read by one bounded parser, and the one configured time zone (``local``).

No Flask imports. Every day a person supplies — a statistics period's start, the coordinator's
inbox filters, the audit log's filters, an outcome's date, an alert's week, the day of an
incident — is read by ``parse_day``, which accepts only days from ``EARLIEST`` to ``LATEST``.
Outside that range the message says so, and no later step (the end of a period, the next day
of a filter) can run past the calendar's end (``date.max`` is 9999-12-31; a week after it
raises ``OverflowError``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

# A sane range for any day this scheme deals with: reports, alerts, outcomes and their statistics.
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
ISO = ("%Y-%m-%d",)

FORMAT = "format"
RANGE = "range"
MESSAGES = {
    FORMAT: "Write the date as YYYY-MM-DD, for example 2026-11-21.",
    RANGE: f"Give a date between {EARLIEST.year} and {LATEST.year}.",
}


class DateProblem(ValueError):
    """The text is not a day in one of the accepted spellings (``code`` FORMAT), or names a day
    outside ``EARLIEST``..``LATEST`` (``code`` RANGE, the day in ``day``). ``str()`` is a
    message safe to show (English; the reporter's form has its own translated wording)."""

    def __init__(self, code: str, day: date | None = None):
        super().__init__(MESSAGES[code])
        self.code = code
        self.day = day


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def check_day(day: date) -> date:
    """``day`` itself if it lies in the sane range; DateProblem (RANGE) otherwise."""
    if not in_range(day):
        raise DateProblem(RANGE, day)
    return day


def parse_day(raw: object, spellings: Iterable[str] = ISO) -> date | None:
    """The day ``raw`` names in the first of ``spellings`` (``strptime`` formats) that reads it.

    Returns None for empty text (no day given). Raises DateProblem: FORMAT for text that is not
    a day in any spelling (or not text), RANGE for a day outside ``EARLIEST``..``LATEST``.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise DateProblem(FORMAT)
    text = raw.strip()
    if not text:
        return None
    # strptime reads at most 4 digits of year; a longer text cannot be a day anyway.
    if len(text) > 32:
        raise DateProblem(FORMAT)
    for spelling in spellings:
        try:
            day = datetime.strptime(text, spelling).date()
        except ValueError:
            continue
        return check_day(day)
    raise DateProblem(FORMAT)
