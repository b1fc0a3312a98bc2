"""Passing reports to police, what officers may read, and their feedback. No Flask imports.

The rule that matters is enforced by keys, not by these checks: a unit can open a section only
if its key was sealed to the unit, which happens only in ``ugly_mugs.consent`` (the reporter's
own consent, or two coordinators agreeing). ``pass_on`` itself seals no section key.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import keystore, sealed_text
from ugly_mugs.models import Account, PoliceOutcome, PoliceRelease, Report, ReportSection, SealedSectionKey
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.police import OUTCOMES
from ugly_mugs.reports import reading, sections, statuses

MAX_NOTE = 4000


class ReleaseError(ValueError):
    """The action is not allowed for this report; the message is safe to show to staff."""


def _seal_text(session: Session, text: str, unit_id: int, context: str) -> tuple[bytes, bytes, bytes]:
    """Short staff text for police: (ciphertext, key sealed to the scheme, key sealed to the unit)."""
    ciphertext, sealed = sealed_text.seal(
        text,
        context,
        {
            sections.SCHEME: keystore.scheme_key(session).public_key,
            sections.UNIT: keystore.unit_key(session, unit_id).public_key,
        },
    )
    return ciphertext, sealed[sections.SCHEME], sealed[sections.UNIT]


def unit_seal_count(session: Session, report: Report) -> int:
    return session.scalar(
        select(func.count())
        .select_from(SealedSectionKey)
        .join(ReportSection, SealedSectionKey.section_id == ReportSection.id)
        .where(ReportSection.report_id == report.id, SealedSectionKey.holder == sections.UNIT)
    )


def can_pass_on(report: Report) -> bool:
    return (
        report.status != statuses.ERASED
        and report.police_unit_id is not None
        and report.consent_level != consent.ALERT_ONLY
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
    report.status = statuses.PASSED_TO_POLICE
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


def read_for_police(
    session: Session, release: PoliceRelease, officer: Account, unit_pair: sealing.KeyPair, reason: str
) -> reading.Opened:
    """What the officer's unit key opens now; audited. Empty once consent was withdrawn."""
    unit = keystore.unit_key(session, release.police_unit_id)
    opened = reading.open_sections(session, release.report_id, unit_pair, sections.UNIT, unit.id)
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
    return sealed_text.open_text(release.note, key, pair, f"release-note|{release.id}", holder)


def crime_reference_for(release: PoliceRelease, pair: sealing.KeyPair, holder: str) -> str:
    key = release.crime_reference_key_unit if holder == "unit" else release.crime_reference_key_scheme
    return sealed_text.open_text(release.crime_reference, key, pair, f"crime-reference|{release.id}", holder)


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
