"""The help box of the reporter pages and the printed receipt card (``_help.html``): the numbers
an admin set (``ugly_mugs.helplines``) as the template shows them, the UK defaults' descriptions
in the reader's language. A database that does not answer gets the defaults: help is never what
fails a page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import g
from flask_babel import gettext

from ugly_mugs import helplines
from ugly_mugs.web import database


@dataclass(frozen=True)
class Line:
    """A number as shown (``number``) and as dialled (``tel``, digits and a leading +)."""

    number: str
    tel: str


@dataclass(frozen=True)
class ShownService:
    name: str
    phone: Line | None
    url: str
    host: str
    description: str


@dataclass(frozen=True)
class Shown:
    emergency: Line
    non_emergency: Line | None
    scheme_name: str
    scheme_phone: Line | None
    scheme_hours: str
    services: tuple[ShownService, ...]


def _line(number: str) -> Line | None:
    if not number:
        return None
    digits = "".join(ch for ch in number if ch.isdigit())
    return Line(number, ("+" if number.lstrip().startswith("+") else "") + digits)


def _described(text: str) -> str:
    # Only the defaults' own wording goes through the catalog: what an admin wrote is shown as
    # written (and never as a format string).
    return gettext(text) if text in helplines.TRANSLATED_DESCRIPTIONS else text


def _load() -> helplines.HelpInfo:
    try:
        return helplines.load(database.session())
    except database.UNAVAILABLE:
        database.rollback()
        return helplines.DEFAULTS


def shown() -> Shown:
    """The help box of this request (read once per request)."""
    if "help_shown" not in g:
        info = _load()
        g.help_shown = Shown(
            emergency=_line(info.emergency) or Line("999", "999"),
            non_emergency=_line(info.non_emergency),
            scheme_name=info.scheme_name,
            scheme_phone=_line(info.scheme_phone),
            scheme_hours=info.scheme_hours,
            services=tuple(
                ShownService(
                    name=s.name,
                    phone=_line(s.phone),
                    url=s.url,
                    host=(urlsplit(s.url).hostname or "").removeprefix("www.") if s.url else "",
                    description=_described(s.description),
                )
                for s in info.services
            ),
        )
    return g.help_shown
