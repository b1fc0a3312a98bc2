"""Counts per local day kept for the monitoring figures (``stats.rollup``), so that a year's
figures read a few thousand small rows instead of every report of the year.

One row per (span, local day, dimension, value): ``n`` reports received that day with that
value (dimensions ``area``, ``reporter``, ``consent``, ``status``, ``category``; also police
outcomes, alert messages and hours from report to alert: ``stats.rollup``), erased reports not
counted. Span ``day`` rows are per day; span ``month`` rows (``day`` the first of the month) hold
the same counts summed over the month, so that a year or quarter reads twelve or three rows per
value whatever the number of days or reports. Only plain codes and counts: nothing from an
encrypted section, no report id. Rows are derived data: ``flask --app wsgi stats rebuild`` makes
them again from the base tables.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base


class DayCount(Base):
    __tablename__ = "stats_day_count"

    span: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
