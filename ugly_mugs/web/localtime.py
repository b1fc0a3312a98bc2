"""The configured time zone in requests: today's local date, and the template filters that show
every stored (UTC) time as local time with its zone (``dates.local``).

Templates write ``{{ moment|local_time }}`` ("01 July 2026 00:30 BST") for a time and
``{{ moment|local_day }}`` ("01 July 2026") for the day of one; ``local_day`` leaves a plain
``date`` (a week, an outcome's date) as it is.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from ugly_mugs.dates import local

EXTENSION = "ugly_mugs.timezone"


def zone() -> ZoneInfo:
    """The app's zone (``UGLY_MUGS_TIMEZONE``)."""
    return current_app.extensions[EXTENSION]


def today() -> date:
    return local.today(zone())


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = local.load(app.config["TIMEZONE"])

    @app.template_filter("local_time")
    def _local_time(moment, spelling: str = "%d %B %Y %H:%M") -> str:
        return local.shown_time(moment, zone(), spelling)

    @app.template_filter("local_day")
    def _local_day(moment, spelling: str = "%d %B %Y") -> str:
        return local.shown_day(moment, zone(), spelling)
