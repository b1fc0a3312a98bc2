"""Checking a phone number, plate, email or username against the PUBLISHED alerts. No Flask imports.

The answer is built only from alerts whose status is ``published`` (retracted ones and drafts
are left out) and from the text of their published messages, which is already shared with
every project: the original description of him, then each update in order (an update says
what changed, and would be useless without the description it changes). Reports without a
published alert give exactly the same answer as no report at all: no count, no hint. Nothing
about a check is stored or logged; the value checked lives only in this call.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ugly_mugs.matching import index, normalise
from ugly_mugs.models import Alert, AlertMessage, IdentifierIndex, Project

# Said with every answer, found or not.
NOT_SAFE = "No warning does not mean he is safe. Trust your instincts, and tell someone where you are going."
CHECK_KINDS = (normalise.PHONE, normalise.VEHICLE, normalise.EMAIL, normalise.USERNAME)
MAX_INPUT = normalise.MAX_INPUT


class CheckError(ValueError):
    """The value cannot be checked; the message is safe to show, ``code`` names the problem."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class UpdateText:
    """An update of a published alert, as sent."""

    title: str
    body: str
    published_at: datetime


@dataclass(frozen=True)
class AlertText:
    """One published alert: its original ``title`` and ``body`` (the description of him), its
    ``updates`` oldest first, the severity and time of its newest message."""

    reference: str
    severity: str
    title: str
    body: str
    areas: str
    published_at: datetime
    updates: tuple[UpdateText, ...] = ()


@dataclass(frozen=True)
class Answer:
    alerts: list[AlertText] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def latest(self) -> datetime | None:
        return max((a.published_at for a in self.alerts), default=None)


def identifiers(raw: object, kind: str | None, region: str) -> list[normalise.Identifier]:
    if kind is not None and kind not in CHECK_KINDS:
        raise CheckError("kind", "Choose what kind of detail this is: phone, plate, email or username.")
    if not isinstance(raw, str) or not raw.strip():
        raise CheckError("empty", "Type the phone number, plate, email or username to check.")
    if len(raw) > MAX_INPUT:
        raise CheckError("long", f"That is too long to check: at most {MAX_INPUT} characters.")
    found = normalise.for_check(raw, kind, region)
    if not found:
        raise CheckError("unusable", "That does not look like a phone number, a whole plate, an email or a username.")
    return found


def check(session: Session, raw: object, kind: str | None = None) -> Answer:
    """The published alerts about reports that hold this identifier, newest first."""
    wanted = identifiers(raw, kind, index.region_of(session))
    # During a rotation, under the old and the new key version alike (index.reading_digesters).
    digesters = index.reading_digesters(session)
    if not digesters:
        return Answer()
    # One statement: the reports holding the identifier (by the index), their published alerts'
    # texts, newest message of each alert first.
    holding = select(IdentifierIndex.report_id).where(
        or_(
            *(
                and_(
                    IdentifierIndex.kind == item.kind,
                    IdentifierIndex.digest == digester.digest(item),
                    IdentifierIndex.key_version == digester.version,
                    IdentifierIndex.partial.is_(False),
                )
                for digester in digesters
                for item in wanted
            )
        )
    )
    threads: dict[int, tuple[str, list[AlertMessage]]] = {}
    for reference, message in session.execute(
        select(Alert.reference, AlertMessage)
        .join(AlertMessage, AlertMessage.alert_id == Alert.id)
        .where(Alert.status == "published", Alert.report_id.in_(holding), AlertMessage.kind != "retraction")
        .order_by(AlertMessage.alert_id, AlertMessage.sequence)
    ):
        threads.setdefault(message.alert_id, (reference, []))[1].append(message)
    texts = []
    for reference, messages in threads.values():
        first, last = messages[0], messages[-1]
        updates = tuple(UpdateText(m.title, m.body, m.published_at) for m in messages[1:])
        texts.append(
            AlertText(reference, last.severity, first.title, first.body, last.areas, last.published_at, updates)
        )
    return Answer(sorted(texts, key=lambda t: t.published_at, reverse=True))


# --- per-project API tokens ----------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, project: Project) -> str:
    """A new bearer token for the project (replacing any earlier one); only its digest is stored."""
    token = "umc_" + secrets.token_urlsafe(32)
    project.check_token_digest = token_digest(token)
    session.flush()
    return token


def project_for_token(session: Session, token: str | None) -> Project | None:
    """The active project whose token this is, or None (for a missing, wrong or revoked token alike)."""
    if not token or len(token) > 200:
        return None
    project = session.scalar(select(Project).where(Project.check_token_digest == token_digest(token)))
    return project if project is not None and project.active else None
