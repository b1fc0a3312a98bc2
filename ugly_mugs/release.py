"""Passing reports to police, what officers may read, their feedback, and consent recorded by staff.

No Flask imports. The rule that matters is enforced by keys, not by these checks: a unit can
open a section only if its key was sealed to the unit, which happens only through the
reporter's own consent (at filing or with the receipt code) or through ``decide_staff_consent``
after two different coordinators agreed. ``pass_on`` itself seals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, keystore, sections
from ugly_mugs.crypto import DecryptionError, aead, sealing
from ugly_mugs.models import (
    Account,
    ConsentChange,
    PoliceOutcome,
    PoliceRelease,
    Report,
    ReportSection,
    SealedSectionKey,
    StaffConsent,
)
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.police import OUTCOMES

PASSED_TO_POLICE = "passed_to_police"
GIVEN_BY = ("phone", "in_person")
MAX_NOTE = 4000


class ReleaseError(ValueError):
    """The action is not allowed for this report; the message is safe to show to staff."""


@dataclass(frozen=True)
class Opened:
    """The sections a key holder could open, by name (each a list of versions, oldest first)."""

    sections: dict[str, list[dict]]

    def __bool__(self) -> bool:
        return bool(self.sections)


def _seal_text(session: Session, text: str, unit_id: int, context: str) -> tuple[bytes, bytes, bytes]:
    """Encrypt short staff text under a fresh key sealed to the scheme key and the unit key."""
    key = aead.new_key()
    scheme = keystore.scheme_key(session)
    unit = keystore.unit_key(session, unit_id)
    ctx = context.encode("ascii")
    return (
        aead.encrypt(key, text.encode("utf-8"), ctx),
        sealing.seal(scheme.public_key, key, ctx + b"|scheme"),
        sealing.seal(unit.public_key, key, ctx + b"|unit"),
    )


def _open_text(blob: bytes | None, sealed_key: bytes | None, pair: sealing.KeyPair, context: str, holder: str) -> str:
    if not blob or not sealed_key:
        return ""
    ctx = context.encode("ascii")
    try:
        key = sealing.unseal(pair, sealed_key, ctx + b"|" + holder.encode("ascii"))
        return aead.decrypt(key, blob, ctx).decode("utf-8")
    except DecryptionError:
        return ""


def unit_seal_count(session: Session, report: Report) -> int:
    return session.scalar(
        select(func.count())
        .select_from(SealedSectionKey)
        .join(ReportSection, SealedSectionKey.section_id == ReportSection.id)
        .where(ReportSection.report_id == report.id, SealedSectionKey.holder == sections.UNIT)
    )


def can_pass_on(report: Report) -> bool:
    return (
        report.status != "erased" and report.police_unit_id is not None and report.consent_level != consent.ALERT_ONLY
    )


def pass_on(session: Session, report: Report, coordinator: Account, note: str = "") -> PoliceRelease:
    """Pass a consented report to its area's unit. Refused for 'alert only' and for reports
    that are already with that unit. Seals nothing: what the unit can open was sealed by consent."""
    if not can_pass_on(report):
        raise ReleaseError("This report cannot be passed to the police: the reporter has not agreed to it.")
    existing = session.scalar(
        select(PoliceRelease).where(
            PoliceRelease.report_id == report.id, PoliceRelease.police_unit_id == report.police_unit_id
        )
    )
    if existing is not None:
        raise ReleaseError("This report has already been passed to the police.")
    note = note.strip()[:MAX_NOTE]
    release = PoliceRelease(
        report_id=report.id,
        police_unit_id=report.police_unit_id,
        passed_by=coordinator.id,
        passed_at=utcnow(),
    )
    session.add(release)
    session.flush()
    if note:
        release.note, release.note_key_scheme, release.note_key_unit = _seal_text(
            session, note, report.police_unit_id, f"release-note|{release.id}"
        )
    report.status = PASSED_TO_POLICE
    audit.record(
        session, "police_release", actor_id=coordinator.id, report_id=report.id, detail={"unit": report.police_unit_id}
    )
    session.flush()
    return release


def releases_for_unit(session: Session, unit_id: int) -> list[PoliceRelease]:
    return list(
        session.scalars(
            select(PoliceRelease)
            .where(PoliceRelease.police_unit_id == unit_id)
            .order_by(PoliceRelease.passed_at.desc())
        )
    )


def release_for_officer(session: Session, release_id: int, officer: Account) -> PoliceRelease | None:
    """The release if it belongs to the officer's unit; None otherwise, exactly as if it did not exist."""
    release = session.get(PoliceRelease, release_id)
    if release is None or officer.police_unit_id is None or release.police_unit_id != officer.police_unit_id:
        return None
    return release


def open_sections(session: Session, report_id: str, pair: sealing.KeyPair, holder: str, group_key_id: int) -> Opened:
    """Every section whose key is sealed to ``group_key_id`` and opens with ``pair``."""
    opened: dict[str, list[dict]] = {}
    rows = session.execute(
        select(ReportSection, SealedSectionKey.sealed)
        .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
        .where(
            ReportSection.report_id == report_id,
            SealedSectionKey.holder == holder,
            SealedSectionKey.group_key_id == group_key_id,
        )
        .order_by(ReportSection.name, ReportSection.version)
    ).all()
    for section, sealed in rows:
        try:
            key = sections.open_with_key_pair(pair, sealed, report_id, section.name, section.version, holder)
            content = sections.decrypt_section(key, report_id, section.name, section.version, section.ciphertext)
        except DecryptionError:
            continue
        opened.setdefault(section.name, []).append(content)
    return Opened(opened)


def read_for_police(
    session: Session, release: PoliceRelease, officer: Account, unit_pair: sealing.KeyPair, reason: str
) -> Opened:
    """What the officer's unit key opens now; audited. Empty once consent was withdrawn."""
    unit = keystore.unit_key(session, release.police_unit_id)
    opened = open_sections(session, release.report_id, unit_pair, sections.UNIT, unit.id)
    audit.record(
        session,
        "police_read",
        actor_id=officer.id,
        report_id=release.report_id,
        reason=reason,
        detail={"sections": sorted(opened.sections)},
    )
    return opened


def note_for(release: PoliceRelease, pair: sealing.KeyPair, holder: str) -> str:
    key = release.note_key_unit if holder == "unit" else release.note_key_scheme
    return _open_text(release.note, key, pair, f"release-note|{release.id}", holder)


def crime_reference_for(release: PoliceRelease, pair: sealing.KeyPair, holder: str) -> str:
    key = release.crime_reference_key_unit if holder == "unit" else release.crime_reference_key_scheme
    return _open_text(release.crime_reference, key, pair, f"crime-reference|{release.id}", holder)


def acknowledge(session: Session, release: PoliceRelease, officer: Account) -> None:
    if release.acknowledged_at is None:
        release.acknowledged_at = utcnow()
        release.acknowledged_by = officer.id
        audit.record(session, "police_acknowledged", actor_id=officer.id, report_id=release.report_id)


def record_outcome(
    session: Session,
    release: PoliceRelease,
    officer: Account,
    outcome: str,
    outcome_date: date,
    crime_reference: str = "",
) -> None:
    if outcome not in OUTCOMES:
        raise ReleaseError("Choose an outcome from the list.")
    acknowledge(session, release, officer)
    crime_reference = crime_reference.strip()[:64]
    if crime_reference:
        release.crime_reference, release.crime_reference_key_scheme, release.crime_reference_key_unit = _seal_text(
            session, crime_reference, release.police_unit_id, f"crime-reference|{release.id}"
        )
    session.add(
        PoliceOutcome(
            release_id=release.id,
            outcome=outcome,
            outcome_date=outcome_date,
            recorded_by=officer.id,
            recorded_at=utcnow(),
        )
    )
    audit.record(
        session, "police_outcome", actor_id=officer.id, report_id=release.report_id, detail={"outcome": outcome}
    )


def outcomes_for(session: Session, release_ids: list[int]) -> dict[int, list[PoliceOutcome]]:
    found: dict[int, list[PoliceOutcome]] = {}
    if not release_ids:
        return found
    for row in session.scalars(
        select(PoliceOutcome).where(PoliceOutcome.release_id.in_(release_ids)).order_by(PoliceOutcome.outcome_date)
    ):
        found.setdefault(row.release_id, []).append(row)
    return found


def consent_changed(session: Session, report: Report, level: str) -> None:
    """Keep the releases' view of consent in step with the report (called by every consent change).

    Staff requests still waiting for approval were recorded against the consent as it was; approving
    one now could undo what the reporter has just chosen, so they lapse and must be recorded again."""
    withdrawn_at = utcnow() if level == consent.ALERT_ONLY else None
    for release in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)):
        release.consent_withdrawn_at = withdrawn_at
    for request in pending_staff_consent(session, report.id):
        request.state = "superseded"


def record_staff_consent(
    session: Session, report: Report, coordinator: Account, level: str, given_by: str
) -> StaffConsent:
    """First coordinator: note consent given by phone or in person. Nothing is sealed yet."""
    if level not in consent.LEVELS or given_by not in GIVEN_BY:
        raise ReleaseError("Choose the level and how the person gave it.")
    if report.status == "erased":
        raise ReleaseError("This report was deleted by the reporter.")
    request = StaffConsent(
        report_id=report.id, level=level, given_by=given_by, recorded_by=coordinator.id, recorded_at=utcnow()
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        "staff_consent_recorded",
        actor_id=coordinator.id,
        report_id=report.id,
        detail={"level": level, "given_by": given_by, "request": request.id},
    )
    return request


def pending_staff_consent(session: Session, report_id: str) -> list[StaffConsent]:
    return list(
        session.scalars(
            select(StaffConsent).where(StaffConsent.report_id == report_id, StaffConsent.state == "pending")
        )
    )


def decide_staff_consent(
    session: Session,
    request: StaffConsent,
    coordinator: Account,
    scheme_pair: sealing.KeyPair,
    approve: bool,
) -> None:
    """Second coordinator: approve (seal or unseal for the unit as the new level says) or reject."""
    if request.state != "pending":
        raise ReleaseError("This has already been decided.")
    if request.recorded_by == coordinator.id:
        raise ReleaseError("A second coordinator must approve consent that you recorded.")
    report = session.get(Report, request.report_id)
    request.decided_by = coordinator.id
    request.decided_at = utcnow()
    request.state = "approved" if approve else "rejected"
    audit.record(
        session,
        "staff_consent_approved" if approve else "staff_consent_rejected",
        actor_id=coordinator.id,
        report_id=report.id,
        detail={"level": request.level, "request": request.id},
    )
    if approve and report.status != "erased":
        reseal_for_unit(session, report, request.level, scheme_pair)
        session.add(
            ConsentChange(
                report_id=report.id,
                from_level=report.consent_level,
                to_level=request.level,
                actor="staff",
                changed_at=utcnow(),
            )
        )
        report.consent_level = request.level
        consent_changed(session, report, request.level)
    session.flush()


def reseal_for_unit(session: Session, report: Report, level: str, scheme_pair: sealing.KeyPair) -> None:
    """Make the unit's seals match ``level``: open newly covered sections with the scheme key and
    seal them to the unit; delete seals of sections no longer covered."""
    if report.police_unit_id is None:
        return
    unit = keystore.unit_key(session, report.police_unit_id)
    scheme = keystore.scheme_key(session)
    allowed = consent.SECTIONS_FOR_POLICE[level]
    for section in session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        unit_seals = [s for s in section.sealed_keys if s.holder == sections.UNIT]
        if section.name not in allowed:
            if unit_seals:
                session.execute(delete(SealedSectionKey).where(SealedSectionKey.id.in_([s.id for s in unit_seals])))
            continue
        if unit_seals:
            continue
        own = next(s for s in section.sealed_keys if s.holder == sections.SCHEME and s.group_key_id == scheme.id)
        key = sections.open_with_key_pair(
            scheme_pair, own.sealed, report.id, section.name, section.version, sections.SCHEME
        )
        session.add(
            SealedSectionKey(
                section_id=section.id,
                holder=sections.UNIT,
                group_key_id=unit.id,
                sealed=sections.seal_to_public_key(
                    unit.public_key, key, report.id, section.name, section.version, sections.UNIT
                ),
            )
        )


def when(value: datetime | None) -> str:
    return value.strftime("%d %B %Y") if value else ""
