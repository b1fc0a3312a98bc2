"""Filing reports and the reporter's return visits with a receipt code.

Every function takes a SQLAlchemy session and plain values; none touches Flask. Report
content is encrypted here before anything reaches the database, and a report is never
stored if a key it needs is missing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, keystore, sections
from ugly_mugs.crypto import aead, receipt
from ugly_mugs.models import (
    Area,
    ConsentChange,
    Report,
    ReportCategory,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.models.base import utcnow

REPORTER_TYPES = ("self", "outreach", "third_party")

RECEIVED = "received"
REVIEWED = "reviewed"
ALERT_PUBLISHED = "alert_published"
PASSED_TO_POLICE = "passed_to_police"
ERASED = "erased"

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class ReportError(ValueError):
    """The report cannot be stored as given; the message is safe to show."""


@dataclass
class NewReport:
    incident_date: date
    area_code: str
    categories: list[str]
    consent_level: str
    reporter_type: str
    identity: dict[str, str]
    incident: dict[str, object]
    perpetrator: dict[str, object]
    language: str = "en"
    filed_by_account_id: int | None = None
    project_id: int | None = None


@dataclass(frozen=True)
class Filed:
    reference: str
    receipt_code: str


@dataclass(frozen=True)
class Status:
    reference: str
    status: str
    consent_level: str
    consent_history: list[tuple[str, datetime]] = field(default_factory=list)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _new_reference(session: Session) -> str:
    while True:
        ref = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
        reference = f"UM-{ref}"
        if session.scalar(select(Report.id).where(Report.reference == reference)) is None:
            return reference


def _store_section(session: Session, report: Report, name: str, content: dict, receipt_key: bytes) -> None:
    """Encrypt one section (next version) and seal its key to scheme, receipt and, if allowed, the unit."""
    version = 1 + (
        session.scalar(
            select(func.max(ReportSection.version)).where(
                ReportSection.report_id == report.id, ReportSection.name == name
            )
        )
        or 0
    )
    scheme = keystore.scheme_key(session)
    key = aead.new_key()
    section = ReportSection(
        report_id=report.id,
        name=name,
        version=version,
        ciphertext=sections.encrypt_section(key, report.id, name, version, content),
    )
    session.add(section)
    session.flush()
    seals = [
        SealedSectionKey(
            section_id=section.id,
            holder=sections.SCHEME,
            group_key_id=scheme.id,
            sealed=sections.seal_to_public_key(scheme.public_key, key, report.id, name, version, sections.SCHEME),
        ),
        SealedSectionKey(
            section_id=section.id,
            holder=sections.RECEIPT,
            sealed=sections.seal_to_receipt(receipt_key, key, report.id, name, version),
        ),
    ]
    if name in consent.SECTIONS_FOR_POLICE[report.consent_level] and report.police_unit_id is not None:
        unit = keystore.unit_key(session, report.police_unit_id)
        seals.append(
            SealedSectionKey(
                section_id=section.id,
                holder=sections.UNIT,
                group_key_id=unit.id,
                sealed=sections.seal_to_public_key(unit.public_key, key, report.id, name, version, sections.UNIT),
            )
        )
    session.add_all(seals)


def file_report(session: Session, new: NewReport, valid_categories: set[str]) -> Filed:
    """Encrypt and store a new report; the caller commits. Returns the reference and receipt code."""
    if new.consent_level not in consent.LEVELS:
        raise ReportError("Choose what may be passed to the police.")
    if new.reporter_type not in REPORTER_TYPES:
        raise ReportError("Say who the report is for.")
    unknown = set(new.categories) - valid_categories
    if unknown:
        raise ReportError("One of the chosen kinds of incident is not known here.")
    # Refuse before writing anything if any key is missing: never a silent fallback.
    keystore.scheme_key(session)
    area = session.scalar(select(Area).where(Area.code == new.area_code, Area.active.is_(True)))
    if area is None:
        raise ReportError("Choose the area where it happened.")
    if area.police_unit_id is not None:
        keystore.unit_key(session, area.police_unit_id)

    code = receipt.new_code()
    now = utcnow()
    report = Report(
        reference=_new_reference(session),
        receipt_lookup=receipt.lookup_id(code),
        received_at=now.replace(minute=0, second=0, microsecond=0),
        incident_week=week_of(new.incident_date),
        area_id=area.id,
        police_unit_id=area.police_unit_id,
        reporter_type=new.reporter_type,
        consent_level=new.consent_level,
        status=RECEIVED,
        language=new.language,
        filed_by_account_id=new.filed_by_account_id,
        project_id=new.project_id,
    )
    session.add(report)
    report.categories = [ReportCategory(code=c) for c in sorted(set(new.categories))]
    session.flush()
    receipt_key = receipt.receipt_key(code)
    for name, content in (
        ("identity", new.identity),
        ("incident", new.incident),
        ("perpetrator", new.perpetrator),
    ):
        _store_section(session, report, name, content, receipt_key)
    session.add(
        ConsentChange(
            report_id=report.id,
            from_level=None,
            to_level=new.consent_level,
            actor="reporter" if new.reporter_type != "outreach" else "outreach",
            changed_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        "report_filed",
        actor_id=new.filed_by_account_id,
        report_id=report.id,
        detail={"consent_level": new.consent_level, "reporter_type": new.reporter_type},
        coarse=new.filed_by_account_id is None,
    )
    return Filed(reference=report.reference, receipt_code=code)


def find_by_receipt(session: Session, code: str) -> Report | None:
    """The live report this receipt code belongs to, or None (also for malformed codes)."""
    try:
        lookup = receipt.lookup_id(code)
    except receipt.InvalidReceiptCode:
        return None
    return session.scalar(select(Report).where(Report.receipt_lookup == lookup, Report.status != ERASED))


def status_of(session: Session, report: Report) -> Status:
    history = session.execute(
        select(ConsentChange.to_level, ConsentChange.changed_at)
        .where(ConsentChange.report_id == report.id)
        .order_by(ConsentChange.id)
    ).all()
    return Status(
        reference=report.reference,
        status=report.status,
        consent_level=report.consent_level,
        consent_history=[(level, at) for level, at in history],
    )


def add_information(session: Session, report: Report, code: str, additions: dict[str, dict]) -> None:
    """Store each non-empty addition as a new version of its section, sealed like the first."""
    receipt_key = receipt.receipt_key(code)
    for name, content in additions.items():
        if name not in sections.SECTION_NAMES:
            raise ReportError("Unknown part of the report.")
        if content:
            _store_section(session, report, name, content, receipt_key)
    audit.record(session, "report_information_added", report_id=report.id, coarse=True)
    session.flush()


def _sections_with_seals(session: Session, report_id: str) -> list[ReportSection]:
    return list(session.scalars(select(ReportSection).where(ReportSection.report_id == report_id)))


def change_consent(session: Session, report: Report, code: str, level: str, actor: str = "reporter") -> None:
    """Raise, narrow or withdraw consent. Raising seals the newly covered section keys to the
    area's unit using the receipt key; narrowing deletes the unit's sealed keys at once."""
    if level not in consent.LEVELS:
        raise ReportError("Choose what may be passed to the police.")
    if level == report.consent_level:
        return
    allowed = consent.SECTIONS_FOR_POLICE[level]
    receipt_key = receipt.receipt_key(code)
    unit = keystore.unit_key(session, report.police_unit_id) if report.police_unit_id is not None else None
    for section in _sections_with_seals(session, report.id):
        unit_seals = [s for s in section.sealed_keys if s.holder == sections.UNIT]
        if section.name not in allowed:
            for seal in unit_seals:
                section.sealed_keys.remove(seal)
                session.delete(seal)
        elif unit is not None and not unit_seals:
            own = next(s for s in section.sealed_keys if s.holder == sections.RECEIPT)
            key = sections.open_with_receipt(receipt_key, own.sealed, report.id, section.name, section.version)
            section.sealed_keys.append(
                SealedSectionKey(
                    holder=sections.UNIT,
                    group_key_id=unit.id,
                    sealed=sections.seal_to_public_key(
                        unit.public_key,
                        key,
                        report.id,
                        section.name,
                        section.version,
                        sections.UNIT,
                    ),
                )
            )
    session.add(
        ConsentChange(
            report_id=report.id,
            from_level=report.consent_level,
            to_level=level,
            actor=actor,
            changed_at=utcnow(),
        )
    )
    audit.record(
        session,
        "consent_changed",
        report_id=report.id,
        detail={"from": report.consent_level, "to": level, "by": actor},
        coarse=actor == "reporter",
    )
    report.consent_level = level
    session.flush()


def erase(session: Session, report: Report) -> None:
    """Crypto-shred: delete every section and every sealed copy of its keys; keep only plain metadata."""
    for section in _sections_with_seals(session, report.id):
        session.delete(section)
    report.receipt_lookup = None
    report.status = ERASED
    audit.record(session, "report_erased", report_id=report.id, coarse=True)
    session.flush()
