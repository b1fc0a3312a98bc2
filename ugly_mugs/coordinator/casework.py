"""Coordinators' casework: the triage inbox, the report page, reading a report (for a stated
reason, always audited), setting its status and keeping encrypted case notes. No Flask imports.

Each coordinator page gets what it shows from one call here: ``inbox_page`` for the inbox,
``report_page`` for a report.

The inbox reads plain metadata columns only. Case notes are report-derived text, so they are
stored like report sections: encrypted under a fresh key sealed to the scheme key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, dates, matching
from ugly_mugs.consent import staff as consent_staff
from ugly_mugs.crypto import sealing
from ugly_mugs.dates import local
from ugly_mugs.keys import erasure, groups, keystore, sealed_text
from ugly_mugs.matching.linked import LinkedReports, linked_reports
from ugly_mugs.models import (
    Account,
    Alert,
    Area,
    CaseNote,
    ErasureRequest,
    PoliceOutcome,
    PoliceRelease,
    PoliceUnit,
    Report,
    ReportCategory,
    StaffConsent,
)
from ugly_mugs.models.base import utcnow
from ugly_mugs.police import release
from ugly_mugs.reports import erasure as report_erasure
from ugly_mugs.reports import messages, reading, reporter_types, sections, statuses

READ_REASONS = audit.READ_REASONS


def read_report(
    session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair, reason: str
) -> reading.Opened:
    if reason not in READ_REASONS:
        raise reading.ReadRefused("Choose why you are opening this report.")
    opened = reading.open_with_scheme_key(session, report.id, scheme_pair)
    audit.record(session, "report_read", actor_id=coordinator.id, report_id=report.id, reason=reason)
    return opened


def read_photo(
    session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair, reason: str, ref
) -> bytes | None:
    """The cleaned image bytes of photo ``ref`` (``reading.PhotoRef``) of ``report``, opened with
    the scheme key, or None when there is no such photo (or the report was erased); audited
    like a read of the report, with the photo named (never its content)."""
    if reason not in READ_REASONS:
        raise reading.ReadRefused("Choose why you are opening this report.")
    data = reading.open_photo(session, report.id, ref, scheme_pair, sections.SCHEME, keystore.scheme_key(session).id)
    if data is not None:
        audit.record(
            session,
            "photo_read",
            actor_id=coordinator.id,
            report_id=report.id,
            reason=reason,
            detail={"photo": f"{ref.name}/{ref.version}"},
        )
    return data


def read_messages(
    session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair, reason: str
) -> list[messages.Message]:
    """The conversation with the reporter, read for the same stated ``reason`` as the report
    (audited as ``messages_read``); raises ReadRefused without a known reason."""
    if reason not in READ_REASONS:
        raise reading.ReadRefused("Choose why you are opening this report.")
    return messages.for_coordinator(session, report, coordinator, scheme_pair, reason)


# --- the triage inbox ----------------------------------------------------------------------

# The inbox's status filter: one of these, or a single status of ``statuses.ALL``.
SHOW_OPEN = "open"  # the default: the statuses of ``statuses.OPEN``
SHOW_ALL = "all"
SHOW_LABELS = {SHOW_OPEN: "New and open", SHOW_ALL: "All"}
PAGE_SIZE = 50
# Below this many reports of a kind, the inbox starts from that kind's index rather than from time.
RARE_CATEGORY_ROWS = 2000


class CaseworkError(ValueError):
    """Not possible for this report; the message is safe to show to staff."""


@dataclass(frozen=True)
class InboxFilter:
    status: str = SHOW_OPEN
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


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    """Where ``day`` begins in the scheme's time zone, as the UTC instant stored times compare with."""
    return local.day_start(day, zone)


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
    filters: InboxFilter,
    after: Cursor | None,
    limit: int = PAGE_SIZE,
    category_ids: list[str] | None = None,
    zone: ZoneInfo | None = None,
):
    """The inbox's one query: ``limit + 1`` rows newest first, so the caller knows if there are more.

    ``category_ids``: the reports of ``filters.category`` when it is rare (``rare_category_ids``);
    ``zone``: where the received days of the filters begin (default ``dates.local.DEFAULT``).
    """
    zone = zone or local.load(local.DEFAULT)
    query = select(Report)
    if filters.status == SHOW_OPEN:
        query = query.where(Report.status.in_(statuses.OPEN))
    elif filters.status in statuses.ALL:
        query = query.where(Report.status == filters.status)
    if filters.area_id is not None:
        query = query.where(Report.area_id == filters.area_id)
    if filters.reporter_type:
        query = query.where(Report.reporter_type == filters.reporter_type)
    if filters.consent_level:
        query = query.where(Report.consent_level == filters.consent_level)
    if filters.received_from:
        query = query.where(Report.received_at >= _day_start(filters.received_from, zone))
    if filters.received_to:
        # The parser keeps days to 2100 at the latest, so the day after always exists.
        query = query.where(Report.received_at < _day_start(filters.received_to + timedelta(days=1), zone))
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
    rows = list(session.scalars(inbox_query(filters, after, limit, ids_of_kind, local.of(session))))
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


@dataclass(frozen=True)
class InboxView:
    """What the inbox page shows: a page of reports; ``chosen``, the filters as understood (query
    argument → value, "" for none; the keys of ``FILTER_ARGS``); ``problems``, what was wrong with
    the filters asked for (each then ignored); and the areas to choose from."""

    page: InboxPage
    chosen: dict[str, str]
    problems: list[str]
    areas: list[Area]

    @property
    def area_names(self) -> dict[int, str]:
        return {a.id: a.name for a in self.areas}


# The inbox's query arguments besides the cursor ("after"), in the order of its form.
FILTER_ARGS = ("status", "area", "category", "reporter_type", "consent_level", "from", "to")


def _date_arg(raw: str, label: str, problems: list[str]) -> date | None:
    try:
        return dates.parse_day(raw)
    except dates.DateProblem as exc:
        message = str(exc)
        problems.append(f"{label}: {message[:1].lower()}{message[1:]}")
        return None


def inbox_page(session: Session, args: Mapping[str, str], category_labels: Mapping[str, str]) -> InboxView:
    """The triage inbox for the query arguments ``args``: ``status`` (``SHOW_OPEN`` by default,
    ``SHOW_ALL`` or one of ``statuses.ALL``), ``area`` (an area code), ``category`` (a key of
    ``category_labels``, the configured kinds of incident), ``reporter_type``
    (``reporter_types.ALL``), ``consent_level`` (``consent.LEVELS``), ``from`` and ``to`` (received
    dates, YYYY-MM-DD, inclusive) and ``after`` (a ``Cursor``). Never raises for bad arguments: a
    value not in its list is ignored and named in ``problems``; a bad cursor starts from the newest."""
    problems: list[str] = []
    areas = list(session.scalars(select(Area).order_by(Area.id)))
    area_by_code = {a.code: a for a in areas}

    def choice(name: str, allowed, problem: str, default: str = "") -> str:
        value = args.get(name, default)
        if value and value not in allowed:
            problems.append(problem)
            return default
        return value

    status = choice("status", (SHOW_OPEN, SHOW_ALL, *statuses.ALL), "Choose a status from the list.", SHOW_OPEN)
    area_code = choice("area", area_by_code, "Choose an area from the list.")
    category = choice("category", category_labels, "Choose a kind of incident from the list.")
    reporter_type = choice("reporter_type", reporter_types.ALL, "Choose who filed from the list.")
    consent_level = choice("consent_level", consent.LEVELS, "Choose a consent level from the list.")
    received_from = _date_arg(args.get("from", ""), "Received from", problems)
    received_to = _date_arg(args.get("to", ""), "Received to", problems)
    filters = InboxFilter(
        status=status,
        area_id=area_by_code[area_code].id if area_code else None,
        category=category or None,
        reporter_type=reporter_type or None,
        consent_level=consent_level or None,
        received_from=received_from,
        received_to=received_to,
    )
    chosen = {
        "status": status,
        "area": area_code,
        "category": category,
        "reporter_type": reporter_type,
        "consent_level": consent_level,
        "from": received_from.isoformat() if received_from else "",
        "to": received_to.isoformat() if received_to else "",
    }
    page = inbox(session, filters, Cursor.decode(args.get("after")))
    return InboxView(page=page, chosen=chosen, problems=problems, areas=areas)


# --- the report page -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPage:
    """What a coordinator's page of one report shows.

    Metadata always; ``opened`` (the sections the coordinator just read), ``case_notes``, the
    releases' covering ``notes`` and ``crime_references`` (release id → text) only when the page
    was built with the scheme key pair (``case_notes`` is None when the report was not opened).
    """

    report: Report
    area: Area | None
    categories: list[str]  # codes of the kinds of incident ticked
    releases: list[PoliceRelease]
    outcomes: dict[int, list[PoliceOutcome]]  # release id → outcomes, oldest first
    units: dict[int, str]  # police unit id → name
    notes: dict[int, str]
    crime_references: dict[int, str]
    pending: list[StaffConsent]  # consent recorded by a coordinator, waiting for a second one
    erasure_pending: ErasureRequest | None  # deletion asked for by a coordinator, waiting for a second one
    can_pass: bool  # the report may go to its unit and has not yet
    unit_seals: int  # how many section keys the report's unit holds
    holds_key: bool  # the viewer holds a copy of the scheme key
    opened: reading.Opened | None
    case_notes: list[OpenedNote] | None
    note_count: int
    authors: dict[int, str]  # account id → username, for the case notes shown
    alerts: list[Alert]  # written from this report, oldest first
    linked: LinkedReports


def report_by_reference(session: Session, reference: str) -> Report | None:
    """The report with this reference (for example "UM-7K2Q9"), or None."""
    return session.scalar(select(Report).where(Report.reference == reference))


def report_page(
    session: Session,
    report: Report,
    viewer: Account,
    pair: sealing.KeyPair | None = None,
    opened: reading.Opened | None = None,
) -> ReportPage:
    """Everything the page of ``report`` shows to ``viewer``, a coordinator.

    ``pair``: the scheme key pair the caller already opened, to read covering notes and crime
    references and, with ``opened`` (the result of ``read_report``, an audited read), the case
    notes. Reads nothing else and writes nothing. Raises ``keystore.KeyUnavailable`` when the
    installation has no scheme key (it is set up before any coordinator exists).
    """
    releases = list(session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)))
    member = groups.membership(session, keystore.scheme_key(session).id, viewer.id)
    case_notes = notes(session, report, pair) if pair is not None and opened is not None else None
    author_ids = {n.author_id for n in case_notes or []}
    authors = (
        {a.id: a.username for a in session.scalars(select(Account).where(Account.id.in_(author_ids)))}
        if author_ids
        else {}
    )
    return ReportPage(
        report=report,
        area=session.get(Area, report.area_id),
        categories=list(session.scalars(select(ReportCategory.code).where(ReportCategory.report_id == report.id))),
        releases=releases,
        outcomes=release.outcomes_for(session, [r.id for r in releases]),
        units={u.id: u.name for u in session.scalars(select(PoliceUnit))},
        notes={r.id: release.note_for(session, r, pair, sections.SCHEME) for r in releases} if pair else {},
        crime_references={r.id: release.crime_reference_for(session, r, pair, sections.SCHEME) for r in releases}
        if pair
        else {},
        pending=consent_staff.pending(session, report.id),
        erasure_pending=report_erasure.pending_request(session, report.id),
        can_pass=release.can_pass_on(report) and not releases,
        unit_seals=release.unit_seal_count(session, report),
        holds_key=member is not None and member.sealed is not None,
        opened=opened,
        case_notes=case_notes,
        note_count=note_count(session, report),
        authors=authors,
        alerts=list(session.scalars(select(Alert).where(Alert.report_id == report.id).order_by(Alert.id))),
        linked=linked_reports(session, report.id, opened),
    )


def erasure_request(session: Session, request_id: int) -> tuple[ErasureRequest, Report] | None:
    """A coordinator's request to erase a report (``reports.erasure.request``) and its report, or None."""
    asked = session.get(ErasureRequest, request_id)
    if asked is None:
        return None
    return asked, session.get(Report, asked.report_id)


def consent_request(session: Session, request_id: int) -> tuple[StaffConsent, Report] | None:
    """A consent request recorded by a coordinator (``consent.staff.record``) and its report, or None."""
    request = session.get(StaffConsent, request_id)
    if request is None:
        return None
    return request, session.get(Report, request.report_id)


# --- status --------------------------------------------------------------------------------


def set_status(session: Session, report: Report, coordinator: Account, status: str) -> None:
    """Move a report through the workflow by hand; audited with the old and new status."""
    if status not in statuses.SETTABLE:
        raise CaseworkError("Choose a status from the list.")
    if report.status == statuses.ERASED:
        raise CaseworkError("This report was deleted.")
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


def add_note(session: Session, report: Report, coordinator: Account, text: str) -> CaseNote:
    """Store a note encrypted under a fresh key sealed to the scheme key; audited without its text."""
    text = (text or "").strip()
    if not text:
        raise CaseworkError("Write the note first.")
    if len(text) > MAX_NOTE:
        raise CaseworkError(f"A note can be at most {MAX_NOTE} characters.")
    if report.status == statuses.ERASED:
        raise CaseworkError("This report was deleted.")
    ciphertext, sealed = sealed_text.seal(
        text,
        sealed_text.case_note_context(report.id),
        {sections.SCHEME: keystore.scheme_key(session).public_key},
        erasure.report_key(session, report.id),
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
    """The report's notes, oldest first, opened with the scheme key pair (unreadable ones skipped;
    none of an erased report)."""
    context = sealed_text.case_note_context(report.id)
    opened = []
    try:
        erasure_key = erasure.report_key(session, report.id)
    except erasure.ReportErased:
        return opened
    for note in session.scalars(select(CaseNote).where(CaseNote.report_id == report.id).order_by(CaseNote.id)):
        text = sealed_text.open_text(note.ciphertext, note.sealed_key, pair, context, sections.SCHEME, erasure_key)
        if text:
            opened.append(OpenedNote(note.id, note.author_id, note.created_at, text))
    return opened


def note_count(session: Session, report: Report) -> int:
    return session.scalar(select(func.count()).select_from(CaseNote).where(CaseNote.report_id == report.id)) or 0
