"""Filing a report: encrypting its sections, sealing their keys, storing it in a few statements.

Every function takes a SQLAlchemy session and plain values; none touches Flask. Report
content is encrypted here before anything reaches the database, and a report is never
stored if a key it needs is missing (KeyUnavailable, never a silent fallback). Each report
gets its erasure key in the key store first (``keys.erasure``); every seal is wrapped by it. Which
sections a police unit may open is asked of ``consent.unit_may_open``; before that, whatever
locates or contacts her in the incident and perpetrator sections is moved to the identity
section (``reports.withholding``), so that "anonymous intelligence" never seals it to police.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, coarse_time, consent
from ugly_mugs.crypto import aead, receipt
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import Area, ConsentChange, GroupKey, Report, ReportCategory, ReportSection, SealedSectionKey
from ugly_mugs.models.base import new_id
from ugly_mugs.reports import reporter_types, sections, statuses, withholding
from ugly_mugs.stats import rollup

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
    report_id: str | None = None


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _new_reference() -> str:
    # 30^7 references: a clash is left to the unique constraint (the form is then shown back).
    return "UM-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


@dataclass(frozen=True)
class Holders:
    """The public keys a report's section keys are sealed to."""

    scheme: GroupKey
    unit: GroupKey | None


def holders_for(session: Session, police_unit_id: int | None) -> Holders:
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
    return Holders(scheme, unit)


def encrypt_section(
    report_id: str,
    name: str,
    version: int,
    content: dict,
    receipt_key: bytes | None,
    holders: Holders,
    level: str,
    erasure: ReportKey,
) -> tuple[dict, list[dict]]:
    """The section row and its sealed-key rows: scheme, receipt and, where consent allows, the
    unit; every seal wrapped by the report's erasure key.

    ``receipt_key`` None: no receipt seal (a version written without her, by ``reports.reclassify``).
    """
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
            "sealed": sections.seal_to_public_key(
                scheme.public_key, key, report_id, name, version, sections.SCHEME, erasure
            ),
        },
    ]
    if receipt_key is not None:
        seals.append(
            {
                "holder": sections.RECEIPT,
                "group_key_id": None,
                "sealed": sections.seal_to_receipt(receipt_key, key, report_id, name, version, erasure),
            }
        )
    unit = holders.unit
    if unit is not None and consent.unit_may_open(level, name):
        seals.append(
            {
                "holder": sections.UNIT,
                "group_key_id": unit.id,
                "sealed": sections.seal_to_public_key(
                    unit.public_key, key, report_id, name, version, sections.UNIT, erasure
                ),
            }
        )
    return row, seals


def insert_sections(session: Session, encrypted: list[tuple[dict, list[dict]]]) -> None:
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


def stored_content(session: Session, new: NewReport) -> dict[str, dict]:
    """The first version of each section as it is stored: her details withheld from the incident
    and perpetrator sections and kept, as she wrote them, in the identity section."""
    region = matching_index.region_of(session)
    written = {sections.IDENTITY: new.identity, sections.INCIDENT: new.incident, sections.PERPETRATOR: new.perpetrator}
    profile = withholding.profile_of({name: [value] for name, value in written.items()}, region)
    stored, entries = withholding.split(written, dict.fromkeys(written, 1), profile)
    stored[sections.IDENTITY] = withholding.with_entries(new.identity, entries)
    return stored


def file_report(session: Session, new: NewReport, valid_categories: set[str]) -> Filed:
    """Encrypt and store a new report; the caller commits. Returns the reference and receipt code.

    Everything is read and encrypted first and written last, in a handful of statements, so
    that a database write lock is held only for the inserts.
    """
    if new.consent_level not in consent.LEVELS:
        raise ReportError("Choose what may be passed to the police.")
    if new.reporter_type not in reporter_types.ALL:
        raise ReportError("Say who the report is for.")
    unknown = set(new.categories) - valid_categories
    if unknown:
        raise ReportError("One of the chosen kinds of incident is not known here.")
    area = session.execute(
        select(Area.id, Area.police_unit_id).where(Area.code == new.area_code, Area.active.is_(True))
    ).first()
    holders = holders_for(session, area.police_unit_id if area else None)
    if area is None:
        raise ReportError("Choose the area where it happened.")
    content = stored_content(session, new)

    code = receipt.new_code()
    receipt_key = receipt.receipt_key(code)
    report_id = new_id()
    # The erasure key is stored (outside the database) before anything is sealed with it.
    erasure_key = erasure.new_report_key(session, report_id)
    # Filing is her act: its times are kept to the hour (coarse_time), here and in the history.
    now = coarse_time.now()
    encrypted = [
        encrypt_section(report_id, name, 1, content[name], receipt_key, holders, new.consent_level, erasure_key)
        for name in sections.SECTION_NAMES
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
                "received_at": now,
                "incident_week": week_of(new.incident_date),
                "area_id": area.id,
                "police_unit_id": area.police_unit_id,
                "reporter_type": new.reporter_type,
                "consent_level": new.consent_level,
                "status": statuses.RECEIVED,
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
    insert_sections(session, encrypted)
    # The monitoring figures' counts per day, in this transaction (Core inserts pass no ORM event).
    rollup.filed(
        session,
        now,
        {
            "area_id": area.id,
            "reporter_type": new.reporter_type,
            "consent_level": new.consent_level,
            "status": statuses.RECEIVED,
        },
        new.categories,
    )
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
    return Filed(reference=reference, receipt_code=code, report_id=report_id)
