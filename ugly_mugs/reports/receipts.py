"""The reporter's return visits with her receipt code: finding her report, its status, adding
information. No Flask imports (the web throttle for wrong codes is ``reporting/receipts.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, coarse_time
from ugly_mugs.crypto import receipt
from ugly_mugs.keys import erasure as erasure_keys
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import ConsentChange, PoliceRelease, Report, ReportSection
from ugly_mugs.reports import erasure, filing, reading, sections, withholding


@dataclass(frozen=True)
class Status:
    """What the reporter sees of her report."""

    reference: str
    status: str
    consent_level: str
    consent_history: list[tuple[str, datetime]] = field(default_factory=list)
    # True once a police unit acknowledged receiving the report.
    police_received: bool = False


def read_code(code: object) -> str | None:
    """The receipt code ``code`` names, as ``crypto.receipt.normalise`` reads what people type
    (dashes, spaces and look-alike letters of any kind), or None if it cannot be a code."""
    if not isinstance(code, str):
        return None
    try:
        return receipt.normalise(code)
    except receipt.InvalidReceiptCode:
        return None


def find_by_receipt(session: Session, code: str) -> Report | None:
    """The report this receipt code belongs to, erased or not, or None (also for malformed codes).
    Whether it was erased: ``is_erased``."""
    try:
        lookup = receipt.lookup_id(code)
    except receipt.InvalidReceiptCode:
        return None
    return session.scalar(select(Report).where(Report.receipt_lookup == lookup))


def is_erased(session: Session, report: Report) -> bool:
    """Whether ``report`` was erased, by her or anyone. A report that a database restored from an
    older backup still holds, but whose erasure the key store remembers, is erased again now
    (committed): her code then answers "deleted", never opens it again."""
    return erasure.settle_if_erased(session, report)


def status_of(session: Session, report: Report) -> Status:
    """Her report's status, consent history (oldest first) and whether police acknowledged it."""
    history = session.execute(
        select(ConsentChange.to_level, ConsentChange.changed_at)
        .where(ConsentChange.report_id == report.id)
        .order_by(ConsentChange.id)
    ).all()
    return Status(
        reference=report.reference,
        status=report.status,
        consent_level=report.consent_level,
        # Rows stored before times were coarse are returned coarse too.
        consent_history=[(level, coarse_time.coarse(at)) for level, at in history],
        police_received=session.scalar(
            select(PoliceRelease.id).where(
                PoliceRelease.report_id == report.id, PoliceRelease.acknowledged_at.is_not(None)
            )
        )
        is not None,
    )


def add_information(session: Session, report: Report, code: str, additions: dict[str, dict]) -> None:
    """Store each non-empty addition (section name -> content) as the next version of its
    section, sealed like the first; what locates or contacts her in an incident or perpetrator
    addition is withheld there and kept in a new identity version (``reports.withholding``),
    judged against everything she wrote before, opened with her receipt code. Raises
    ReportError for an unknown section name."""
    if any(name not in sections.SECTION_NAMES for name in additions):
        raise filing.ReportError("Unknown part of the report.")
    latest = dict(
        session.execute(
            select(ReportSection.name, func.max(ReportSection.version))
            .where(ReportSection.report_id == report.id)
            .group_by(ReportSection.name)
        ).all()
    )
    holders = filing.holders_for(session, report.police_unit_id)
    receipt_key = receipt.receipt_key(code)
    erasure_key = erasure_keys.report_key(session, report.id)
    added = {name: content for name, content in additions.items() if content}
    versions = {name: latest.get(name, 0) + 1 for name in sections.SECTION_NAMES}
    earlier = reading.open_with_receipt(session, report.id, receipt_key).sections
    written = {
        name: [*earlier.get(name, []), *([added[name]] if name in added else [])] for name in sections.SECTION_NAMES
    }
    profile = withholding.profile_of(written, matching_index.region_of(session))
    stored, entries = withholding.split(added, versions, profile)
    if entries:
        stored[sections.IDENTITY] = withholding.with_entries(stored.get(sections.IDENTITY, {}), entries)
    encrypted = [
        filing.encrypt_section(
            report.id, name, versions[name], content, receipt_key, holders, report.consent_level, erasure_key
        )
        for name, content in stored.items()
    ]
    index_rows = matching_index.prepare(session, report.id, additions.get("perpetrator"))
    if encrypted:
        filing.insert_sections(session, encrypted)
    matching_index.store(session, index_rows)
    audit.record(session, "report_information_added", report_id=report.id, coarse=True)
