"""Help where she is: the safety and support numbers shown to reporters (start page, after filing,
the receipt page, the printed receipt card), edited by an admin. No Flask imports.

What is stored (``SiteSetting`` named ``help``) is what the scheme publishes anyway: the
emergency and non-emergency police numbers, the scheme's own line and its opening hours, and a
short list of local or national services. Nothing about a report or a person.

The fixed wording around these numbers is translated in the pages. A service's name and
description are shown as the admin wrote them, except the UK defaults below, whose descriptions
are marked for the catalogs (``N_``) and shown in the reader's language while left unchanged.

UK defaults (checked against each service's own published number):
- 999: emergency services (112 also works in the UK);
- 101: police, when it is not an emergency;
- Samaritans: 116 123, free, 24 hours (samaritans.org);
- National Domestic Abuse Helpline (run by Refuge): 0808 2000 247, free, 24 hours
  (nationaldahelpline.org.uk);
- Rape Crisis 24/7 Support Line for England and Wales: 0808 500 2222 (247sexualabusesupport.org.uk;
  Scotland: Rape Crisis Scotland, 08088 01 03 02);
The scheme's own line has no default (a local scheme, or National Ugly Mugs' number where it is
a member): until an admin sets it, none is shown. No default names this kind of scheme, so that
an installation whose name and titles are set to look ordinary (``SITE_NAME``, ``PAGE_TITLES``)
stays ordinary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ugly_mugs import audit
from ugly_mugs.catalog import N_
from ugly_mugs.models import SiteSetting
from ugly_mugs.models.base import utcnow

SETTING = "help"
MAX_SERVICES = 8
MAX_NAME = 80
MAX_TEXT = 200
MAX_URL = 200
# A phone number as people write it: digits, spaces, +, brackets, dashes and dots; 3 to 15 digits
# (ITU-T E.164 allows at most 15), so 999, 101 and 116 123 are numbers too.
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.]+$")


class HelpError(ValueError):
    """What an admin typed cannot be saved; ``field`` names the part, the message is safe to show."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Service:
    name: str
    phone: str = ""
    url: str = ""
    description: str = ""


@dataclass(frozen=True)
class HelpInfo:
    emergency: str = "999"
    non_emergency: str = "101"
    scheme_name: str = ""
    scheme_phone: str = ""
    scheme_hours: str = ""
    services: tuple[Service, ...] = field(default_factory=tuple)


DEFAULT_SERVICES = (
    Service(
        "Samaritans",
        "116 123",
        "https://www.samaritans.org",
        N_("Someone to talk to, day or night. Free to call."),
    ),
    Service(
        "National Domestic Abuse Helpline",
        "0808 2000 247",
        "https://www.nationaldahelpline.org.uk",
        N_("If a partner, ex-partner or family member hurts, threatens or controls you. Free, day or night."),
    ),
    Service(
        "Rape Crisis",
        "0808 500 2222",
        "https://247sexualabusesupport.org.uk",
        N_("Support after rape or sexual assault, however long ago (England and Wales). Free, day or night."),
    ),
)
DEFAULTS = HelpInfo(services=DEFAULT_SERVICES)
# The descriptions shown in the reader's language (the pages translate exactly these).
TRANSLATED_DESCRIPTIONS = frozenset(s.description for s in DEFAULT_SERVICES)


def _from_stored(value: dict) -> HelpInfo:
    services = tuple(
        Service(**{k: str(s.get(k, "")) for k in ("name", "phone", "url", "description")})
        for s in value.get("services", [])
        if isinstance(s, dict)
    )
    plain = {k: str(value.get(k, getattr(DEFAULTS, k))) for k in HelpInfo.__dataclass_fields__ if k != "services"}
    return HelpInfo(**plain, services=services)


def load(session: Session) -> HelpInfo:
    """What the pages show: the admin's settings, or the UK defaults if none were saved."""
    stored = session.get(SiteSetting, SETTING)
    return _from_stored(stored.value) if stored is not None and isinstance(stored.value, dict) else DEFAULTS


def _text(value: str, name: str, limit: int, required: bool = False) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise HelpError(name, "This cannot be empty.")
    if len(value) > limit:
        raise HelpError(name, f"At most {limit} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise HelpError(name, "Remove the invisible characters.")
    if "<" in value or ">" in value:
        # The pages escape everything anyway; markup in a phone list is a mistake or an attack.
        raise HelpError(name, "Angle brackets (< >) are not allowed here.")
    return value


def clean_phone(value: str, name: str, required: bool = False) -> str:
    """A phone number as people write it (``999``, ``116 123``, ``+44 113 496 0000``), spaces
    tidied; HelpError if it holds anything else or fewer than 3 / more than 15 digits."""
    value = _text(value, name, 32, required)
    if not value:
        return value
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value) or not 3 <= digits <= 15:
        raise HelpError(name, "Write a phone number with digits only (spaces, + and brackets are fine).")
    return value


def clean_url(value: str, name: str) -> str:
    """An https (or http) address with a host and no spaces or credentials; HelpError otherwise."""
    value = (value or "").strip()
    if not value:
        return value
    if len(value) > MAX_URL:
        raise HelpError(name, f"At most {MAX_URL} characters.")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise HelpError(name, "Write a web address starting with https://.") from None
    if (
        parts.scheme not in ("https", "http")
        or not parts.hostname
        or "." not in parts.hostname
        or parts.username
        or parts.password
        or any(ch.isspace() or ch in "<>\"'" or unicodedata.category(ch).startswith("C") for ch in value)
    ):
        raise HelpError(name, "Write a web address starting with https://.")
    return value


def clean(raw: dict) -> HelpInfo:
    """The settings from what an admin typed (``raw``: the fields of ``HelpInfo`` as text, and
    ``services`` a list of dicts of ``Service``'s fields; an entry with every field empty is
    dropped). Raises HelpError naming the first field that cannot be saved
    (``services-<i>-<field>`` for a service)."""
    services = []
    for i, entry in enumerate(raw.get("services") or []):
        if not any((entry.get(k) or "").strip() for k in ("name", "phone", "url", "description")):
            continue
        prefix = f"services-{i}-"
        service = Service(
            name=_text(entry.get("name", ""), prefix + "name", MAX_NAME, required=True),
            phone=clean_phone(entry.get("phone", ""), prefix + "phone"),
            url=clean_url(entry.get("url", ""), prefix + "url"),
            description=_text(entry.get("description", ""), prefix + "description", MAX_TEXT),
        )
        if not service.phone and not service.url:
            raise HelpError(prefix + "phone", "Give a phone number or a web address.")
        services.append(service)
    if len(services) > MAX_SERVICES:
        raise HelpError("services", f"At most {MAX_SERVICES} services.")
    return HelpInfo(
        emergency=clean_phone(raw.get("emergency", ""), "emergency", required=True),
        non_emergency=clean_phone(raw.get("non_emergency", ""), "non_emergency"),
        scheme_name=_text(raw.get("scheme_name", ""), "scheme_name", MAX_NAME),
        scheme_phone=clean_phone(raw.get("scheme_phone", ""), "scheme_phone"),
        scheme_hours=_text(raw.get("scheme_hours", ""), "scheme_hours", MAX_TEXT),
        services=tuple(services),
    )


def save(session: Session, raw: dict, actor_id: int) -> HelpInfo:
    """Check and store ``raw`` (see ``clean``) and audit the change (which fields, never a value
    judgement); the caller commits. Raises HelpError."""
    info = clean(raw)
    before = load(session)
    stored = session.get(SiteSetting, SETTING)
    value = asdict(info)
    value["services"] = [asdict(s) for s in info.services]
    if stored is None:
        session.add(SiteSetting(name=SETTING, value=value, changed_at=utcnow()))
    else:
        stored.value = value
        stored.changed_at = utcnow()
    changed = sorted(k for k in HelpInfo.__dataclass_fields__ if getattr(before, k) != getattr(info, k))
    audit.record(session, "help_info_changed", actor_id=actor_id, detail={"changed": changed})
    return info


def reset(session: Session, actor_id: int) -> None:
    """Go back to the UK defaults (audited); the caller commits."""
    stored = session.get(SiteSetting, SETTING)
    if stored is not None:
        session.delete(stored)
    audit.record(session, "help_info_changed", actor_id=actor_id, detail={"changed": ["reset"]})
