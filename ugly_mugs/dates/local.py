"""The scheme's one time zone (``UGLY_MUGS_TIMEZONE``, default Europe/London): where every day,
week and month begins and ends, and how every time is shown. No Flask imports.

Stored times stay UTC (``models.base.UTCDateTime``). A day typed or counted is the local day:
its start is local midnight, turned into UTC here (``day_start``) for queries, so that a report
received at 00:30 on 1 July in British summer time (23:30 UTC on 30 June) counts in July and
shows as received on 1 July. Times shown carry the zone's abbreviation (``01 July 2026 00:30
BST``). The zone travels in ``Session.info`` (``session_info``, set from the configuration like
the matching key), so services that count or show days find it without a request.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "Europe/London"
ZONE = "ugly_mugs.timezone"


def load(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` (e.g. ``Europe/Bucharest``); ValueError if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{name!r} is not a time zone name such as Europe/London") from None


def session_info(name: str = DEFAULT) -> dict:
    return {ZONE: load(name)}


def of(session) -> ZoneInfo:
    """The zone a database session was configured with (``session_info``), else the default."""
    return session.info.get(ZONE) or load(DEFAULT)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` begins in ``zone`` (its local midnight)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def day_of(moment: datetime, zone: ZoneInfo) -> date:
    """The local day of an aware ``moment`` in ``zone``."""
    return moment.astimezone(zone).date()


def now(zone: ZoneInfo) -> datetime:
    return datetime.now(zone)


def today(zone: ZoneInfo) -> date:
    """Today in ``zone``."""
    return datetime.now(zone).date()


def shown_day(moment: datetime | date | None, zone: ZoneInfo, spelling: str = "%d %B %Y") -> str:
    """The local day of ``moment`` as shown on pages ("01 July 2026"); a plain ``date`` is shown
    as it is; "" for None."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = day_of(moment, zone)
    return moment.strftime(spelling)


def shown_time(moment: datetime | None, zone: ZoneInfo, spelling: str = "%d %B %Y %H:%M") -> str:
    """``moment`` in local time with the zone's abbreviation ("01 July 2026 00:30 BST"); "" for None."""
    if moment is None:
        return ""
    local = moment.astimezone(zone)
    return f"{local.strftime(spelling)} {local.tzname()}"
