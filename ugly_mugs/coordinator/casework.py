"""Coordinators' casework: the triage inbox, reading a report (for a stated reason, always
audited), setting its status and keeping encrypted case notes. No Flask imports.

The inbox reads plain metadata columns only. Case notes are report-derived text, so they are
stored like report sections: encrypted under a fresh key sealed to the scheme key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, matching
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import keystore, sealed_text
from ugly_mugs.models import Account, CaseNote, Report, ReportCategory
from ugly_mugs.models.base import utcnow
from ugly_mugs.reports import reading, sections

READ_REASONS = audit.READ_REASONS


def read_report(
    session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair, reason: str
) -> reading.Opened:
    if reason not in READ_REASONS:
        raise reading.ReadRefused("Choose why you are opening this report.")
    opened = reading.open_with_scheme_key(session, report.id, scheme_pair)
    audit.record(session, "report_read", actor_id=coordinator.id, report_id=report.id, reason=reason)
    return opened


# --- the triage inbox ----------------------------------------------------------------------

OPEN_STATUSES = ("received", "reviewed", "alert_published", "passed_to_police")
# What a coordinator may set by hand; publishing an alert and passing to police set their own.
SETTABLE_STATUSES = {
    "received": "New, not yet reviewed",
    "reviewed": "Reviewed, being worked on",
    "closed": "Closed, nothing more to do",
}
STATUSES = (*OPEN_STATUSES, "closed", "erased")
OPEN = "open"  # the inbox's default: new and open reports
ALL = "all"
PAGE_SIZE = 50
# Below this many reports of a kind, the inbox starts from that kind's index rather than from time.
RARE_CATEGORY_ROWS = 2000


class CaseworkError(ValueError):
    """Not possible for this report; the message is safe to show to staff."""


@dataclass(frozen=True)
class InboxFilter:
    status: str = OPEN
    area_id: int | None = None
    category: str | None = None
    reporter_type: str | None = None
    consent_level: str | None = None
    received_from: date | None = None
    received_to: date | None = None  # inclusive


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the last row's (received_at, id). Keyset paging stays fast on any page."""

    received_at: datetime
    report_id: str

    def encode(self) -> str:
        return f"{self.received_at.strftime('%Y%m%d%H%M%S')}.{self.report_id}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        stamp, _, report_id = text.partition(".")
        try:
            at = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        except ValueError:
            return None
        if not report_id.isalnum() or len(report_id) > 32:
            return None
        return cls(at, report_id)


@dataclass(frozen=True)
class InboxPage:
    rows: list[Report]
    categories: dict[str, list[str]]
    linked: dict[str, int]
    next_cursor: Cursor | None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def rare_category_ids(session: Session, code: str) -> list[str] | None:
    """The ids of the reports of a kind of incident if there are few of them, else None.

    Read from the (code, report_id) index alone. The inbox then looks those reports up by id, a
    plan that does not depend on the database guessing how rare the kind is: a prepared
    statement's generic plan on PostgreSQL cannot know, and walked every report by time instead.
    """
    ids = list(
        session.scalars(
            select(ReportCategory.report_id).where(ReportCategory.code == code).limit(RARE_CATEGORY_ROWS + 1)
        )
    )
    return ids if len(ids) <= RARE_CATEGORY_ROWS else None


def inbox_query(
    filters: InboxFilter, after: Cursor | None, limit: int = PAGE_SIZE, category_ids: list[str] | None = None
):
    """The inbox's one query: ``limit + 1`` rows newest first, so the caller knows if there are more.

    ``category_ids``: the reports of ``filters.category`` when it is rare (``rare_category_ids``).
    """
    query = select(Report)
    if filters.status == OPEN:
        query = query.where(Report.status.in_(OPEN_STATUSES))
    elif filters.status in STATUSES:
        query = query.where(Report.status == filters.status)
    if filters.area_id is not None:
        query = query.where(Report.area_id == filters.area_id)
    if filters.reporter_type:
        query = query.where(Report.reporter_type == filters.reporter_type)
    if filters.consent_level:
        query = query.where(Report.consent_level == filters.consent_level)
    if filters.received_from:
        query = query.where(Report.received_at >= _day_start(filters.received_from))
    if filters.received_to:
        query = query.where(Report.received_at < _day_start(filters.received_to + timedelta(days=1)))
    if filters.category and category_ids is not None:
        # A rare kind: look its few reports up by id and sort them.
        query = query.where(Report.id.in_(category_ids))
    elif filters.category:
        # A common kind: walk the reports newest first and stop after a page; SQLite's planner
        # would otherwise sort every report of that kind.
        query = query.where(
            exists().where(ReportCategory.report_id == Report.id, ReportCategory.code == filters.category)
        )
    if after is not None:
        # The first condition alone bounds an index range scan; the second breaks ties within the hour.
        query = query.where(
            Report.received_at <= after.received_at,
            or_(Report.received_at < after.received_at, Report.id < after.report_id),
        )
    newest = Report.received_at
    if filters.category and category_ids is not None:
        # An expression no index matches, so that the database looks the few reports up by id and
        # sorts them, rather than walking every report by time testing each against the id list
        # (PostgreSQL picks that walk, underestimating the cost of the list).
        newest = func.coalesce(Report.received_at, Report.received_at)
    return query.order_by(newest.desc(), Report.id.desc()).limit(limit + 1)


def inbox(session: Session, filters: InboxFilter, after: Cursor | None = None, limit: int = PAGE_SIZE) -> InboxPage:
    """One page of reports, newest first, metadata only (nothing is decrypted)."""
    ids_of_kind = rare_category_ids(session, filters.category) if filters.category else None
    rows = list(session.scalars(inbox_query(filters, after, limit, ids_of_kind)))
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r.id for r in rows]
    categories: dict[str, list[str]] = {}
    if ids:
        for report_id, code in session.execute(
            select(ReportCategory.report_id, ReportCategory.code).where(ReportCategory.report_id.in_(ids))
        ):
            categories.setdefault(report_id, []).append(code)
    last = rows[-1] if rows and more else None
    return InboxPage(
        rows=rows,
        categories=categories,
        linked=matching.linked_counts(session, ids),
        next_cursor=Cursor(last.received_at, last.id) if last else None,
    )


# --- status --------------------------------------------------------------------------------


def set_status(session: Session, report: Report, coordinator: Account, status: str) -> None:
    """Move a report through the workflow by hand; audited with the old and new status."""
    if status not in SETTABLE_STATUSES:
        raise CaseworkError("Choose a status from the list.")
    if report.status == "erased":
        raise CaseworkError("This report was deleted by the reporter.")
    if report.status == status:
        return
    previous = report.status
    report.status = status
    audit.record(
        session, "report_status", actor_id=coordinator.id, report_id=report.id, detail={"from": previous, "to": status}
    )
    session.flush()


# --- case notes ----------------------------------------------------------------------------

MAX_NOTE = 4000


@dataclass(frozen=True)
class OpenedNote:
    id: int
    author_id: int
    created_at: datetime
    text: str


def _note_context(report_id: str) -> str:
    return f"case-note|{report_id}"


def add_note(session: Session, report: Report, coordinator: Account, text: str) -> CaseNote:
    """Store a note encrypted under a fresh key sealed to the scheme key; audited without its text."""
    text = (text or "").strip()
    if not text:
        raise CaseworkError("Write the note first.")
    if len(text) > MAX_NOTE:
        raise CaseworkError(f"A note can be at most {MAX_NOTE} characters.")
    if report.status == "erased":
        raise CaseworkError("This report was deleted by the reporter.")
    ciphertext, sealed = sealed_text.seal(
        text, _note_context(report.id), {sections.SCHEME: keystore.scheme_key(session).public_key}
    )
    note = CaseNote(
        report_id=report.id,
        author_id=coordinator.id,
        created_at=utcnow(),
        ciphertext=ciphertext,
        sealed_key=sealed[sections.SCHEME],
    )
    session.add(note)
    session.flush()
    audit.record(session, "case_note_added", actor_id=coordinator.id, report_id=report.id, detail={"note": note.id})
    return note


def notes(session: Session, report: Report, pair: sealing.KeyPair) -> list[OpenedNote]:
    """The report's notes, oldest first, opened with the scheme key pair (unreadable ones skipped)."""
    context = _note_context(report.id)
    opened = []
    for note in session.scalars(select(CaseNote).where(CaseNote.report_id == report.id).order_by(CaseNote.id)):
        text = sealed_text.open_text(note.ciphertext, note.sealed_key, pair, context, sections.SCHEME)
        if text:
            opened.append(OpenedNote(note.id, note.author_id, note.created_at, text))
    return opened


def note_count(session: Session, report: Report) -> int:
    return session.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.report_id == report.id)) or 0
