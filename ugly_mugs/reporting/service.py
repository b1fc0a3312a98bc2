"""Filing reports and the reporter's return visits with a receipt code.

Every function takes a SQLAlchemy session and plain values; none touches Flask. Report
content is encrypted here before anything reaches the database, and a report is never
stored if a key it needs is missing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, keystore, release, sections
from ugly_mugs.crypto import aead, receipt
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import (
    Area,
    ConsentChange,
    GroupKey,
    PoliceRelease,
    Report,
    ReportCategory,
    ReportSection,
    SealedSectionKey,
)
from ugly_mugs.models.base import new_id, utcnow

REPORTER_TYPES = ("self", "outreach", "third_party")

RECEIVED = "received"
REVIEWED = "reviewed"
ALERT_PUBLISHED = "alert_published"
PASSED_TO_POLICE = "passed_to_police"
# Set by a coordinator when nothing more is to be done.
CLOSED = "closed"
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
    # True once a police unit acknowledged receiving the report.
    police_received: bool = False


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _new_reference() -> str:
    # 30^7 references: a clash is left to the unique constraint (the form is then shown back).
    return "UM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


@dataclass(frozen=True)
class _Holders:
    """The public keys a report's section keys are sealed to."""

    scheme: GroupKey
    unit: GroupKey | None


def _holders(session: Session, police_unit_id: int | None) -> _Holders:
    """Both keys in one query; raises KeyUnavailable if either is missing (never a silent fallback)."""
    wanted = GroupKey.kind == keystore.SCHEME
    if police_unit_id is not None:
        wanted = or_(wanted, GroupKey.police_unit_id == police_unit_id)
    found = session.scalars(select(GroupKey).where(wanted)).all()
    scheme = next((g for g in found if g.kind == keystore.SCHEME), None)
    unit = next((g for g in found if g.police_unit_id == police_unit_id), None) if police_unit_id else None
    if scheme is None:
        raise keystore.KeyUnavailable("the scheme key does not exist; run setup")
    if police_unit_id is not None and unit is None:
        raise keystore.KeyUnavailable(f"police unit {police_unit_id} has no key")
    return _Holders(scheme, unit)


def _encrypt_section(
    report_id: str, name: str, version: int, content: dict, receipt_key: bytes, holders: _Holders, level: str
) -> tuple[dict, list[dict]]:
    """The section row and its sealed-key rows: scheme, receipt and, where consent allows, the unit."""
    key = aead.new_key()
    row = {
        "report_id": report_id,
        "name": name,
        "version": version,
        "ciphertext": sections.encrypt_section(key, report_id, name, version, content),
    }
    scheme = holders.scheme
    seals = [
        {
            "holder": sections.SCHEME,
            "group_key_id": scheme.id,
            "sealed": sections.seal_to_public_key(scheme.public_key, key, report_id, name, version, sections.SCHEME),
        },
        {
            "holder": sections.RECEIPT,
            "group_key_id": None,
            "sealed": sections.seal_to_receipt(receipt_key, key, report_id, name, version),
        },
    ]
    unit = holders.unit
    if unit is not None and name in consent.SECTIONS_FOR_POLICE[level]:
        seals.append(
            {
                "holder": sections.UNIT,
                "group_key_id": unit.id,
                "sealed": sections.seal_to_public_key(unit.public_key, key, report_id, name, version, sections.UNIT),
            }
        )
    return row, seals


def _insert_sections(session: Session, encrypted: list[tuple[dict, list[dict]]]) -> None:
    """Two statements for any number of sections: the sections (returning ids), then all seals."""
    conn = session.connection()
    section_table = ReportSection.__table__
    ids = (
        conn.execute(
            insert(section_table).returning(section_table.c.id, sort_by_parameter_order=True),
            [row for row, _ in encrypted],
        )
        .scalars()
        .all()
    )
    conn.execute(
        insert(SealedSectionKey.__table__),
        [
            dict(seal, section_id=section_id)
            for section_id, (_, seals) in zip(ids, encrypted, strict=True)
            for seal in seals
        ],
    )


def file_report(session: Session, new: NewReport, valid_categories: set[str]) -> Filed:
    """Encrypt and store a new report; the caller commits. Returns the reference and receipt code.

    Everything is read and encrypted first and written last, in a handful of statements, so
    that a database write lock is held only for the inserts.
    """
    if new.consent_level not in consent.LEVELS:
        raise ReportError("Choose what may be passed to the police.")
    if new.reporter_type not in REPORTER_TYPES:
        raise ReportError("Say who the report is for.")
    unknown = set(new.categories) - valid_categories
    if unknown:
        raise ReportError("One of the chosen kinds of incident is not known here.")
    area = session.execute(
        select(Area.id, Area.police_unit_id).where(Area.code == new.area_code, Area.active.is_(True))
    ).first()
    holders = _holders(session, area.police_unit_id if area else None)
    if area is None:
        raise ReportError("Choose the area where it happened.")

    code = receipt.new_code()
    receipt_key = receipt.receipt_key(code)
    report_id = new_id()
    now = utcnow()
    encrypted = [
        _encrypt_section(report_id, name, 1, content, receipt_key, holders, new.consent_level)
        for name, content in (("identity", new.identity), ("incident", new.incident), ("perpetrator", new.perpetrator))
    ]
    reference = _new_reference()
    # Blind indexes of his phone numbers, plate, emails and usernames, stored with the report.
    index_rows = matching_index.prepare(session, report_id, new.perpetrator)
    # Core inserts: the ORM's unit of work would cost more than the encryption does.
    conn = session.connection()
    conn.execute(
        insert(Report.__table__),
        [
            {
                "id": report_id,
                "reference": reference,
                "receipt_lookup": receipt.lookup_id(code),
                # Only the hour, so that it cannot be matched to the second against other records.
                "received_at": now.replace(minute=0, second=0, microsecond=0),
                "incident_week": week_of(new.incident_date),
                "area_id": area.id,
                "police_unit_id": area.police_unit_id,
                "reporter_type": new.reporter_type,
                "consent_level": new.consent_level,
                "status": RECEIVED,
                "language": new.language,
                "filed_by_account_id": new.filed_by_account_id,
                "project_id": new.project_id,
            }
        ],
    )
    if new.categories:
        conn.execute(
            insert(ReportCategory.__table__),
            [{"report_id": report_id, "code": c} for c in sorted(set(new.categories))],
        )
    _insert_sections(session, encrypted)
    matching_index.store(session, index_rows)
    conn.execute(
        insert(ConsentChange.__table__),
        [
            {
                "report_id": report_id,
                "from_level": None,
                "to_level": new.consent_level,
                "actor": "reporter" if new.reporter_type != "outreach" else "outreach",
                "changed_at": now,
            }
        ],
    )
    if new.filed_by_account_id is not None:
        # Filing by a reporter is not audited: the log would time-stamp it. Staff filing is.
        audit.record(
            session,
            "report_filed",
            actor_id=new.filed_by_account_id,
            report_id=report_id,
            detail={"consent_level": new.consent_level, "reporter_type": new.reporter_type},
        )
    return Filed(reference=reference, receipt_code=code)


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
        police_received=session.scalar(
            select(PoliceRelease.id).where(
                PoliceRelease.report_id == report.id, PoliceRelease.acknowledged_at.is_not(None)
            )
        )
        is not None,
    )


def add_information(session: Session, report: Report, code: str, additions: dict[str, dict]) -> None:
    """Store each non-empty addition as the next version of its section, sealed like the first."""
    if any(name not in sections.SECTION_NAMES for name in additions):
        raise ReportError("Unknown part of the report.")
    latest = dict(
        session.execute(
            select(ReportSection.name, func.max(ReportSection.version))
            .where(ReportSection.report_id == report.id)
            .group_by(ReportSection.name)
        ).all()
    )
    holders = _holders(session, report.police_unit_id)
    receipt_key = receipt.receipt_key(code)
    encrypted = [
        _encrypt_section(report.id, name, latest.get(name, 0) + 1, content, receipt_key, holders, report.consent_level)
        for name, content in additions.items()
        if content
    ]
    index_rows = matching_index.prepare(session, report.id, additions.get("perpetrator"))
    if encrypted:
        _insert_sections(session, encrypted)
    matching_index.store(session, index_rows)
    audit.record(session, "report_information_added", report_id=report.id, coarse=True)


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
    release.consent_changed(session, report, level)
    session.flush()


def erase(session: Session, report: Report) -> None:
    """Crypto-shred: delete every section and every sealed copy of its keys; keep only plain metadata."""
    for section in _sections_with_seals(session, report.id):
        session.delete(section)
    matching_index.forget(session, report.id)
    report.receipt_lookup = None
    report.status = ERASED
    # An officer who had it sees that consent ended, not an empty report.
    release.consent_changed(session, report, consent.ALERT_ONLY)
    audit.record(session, "report_erased", report_id=report.id, coarse=True)
    session.flush()
