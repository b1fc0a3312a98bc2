"""Applying a consent level to a stored report: the unit's sealed keys, the history, the releases.

``apply_level`` is the one function both later ways of changing consent go through (the
reporter with her receipt code, ``consent.reporter``; two coordinators, ``consent.staff``).
It differs between them only in how a section key is opened to be sealed afresh for the
unit: from the receipt seal or from the scheme seal. No Flask imports.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ugly_mugs import coarse_time, consent
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import ConsentChange, PoliceRelease, Report, ReportSection, SealedSectionKey, StaffConsent
from ugly_mugs.reports import sections

# Opens a section's key from one of its own sealed copies (receipt or scheme), unwrapping the
# copy with the report's erasure key; None when the section has no copy of that kind (a version
# written without her receipt key).
KeyOpener = Callable[[ReportSection, ReportKey], bytes | None]


def align_unit_seals(session: Session, report: Report, level: str, open_key: KeyOpener) -> None:
    """Make the unit's sealed copies of ``report``'s section keys exactly what ``level`` allows.

    Sections newly covered are opened with ``open_key`` and sealed to the area's unit key
    (wrapped by the report's erasure key like every seal; those it has no copy to open from are
    left unsealed); seals of sections no longer covered are deleted at once. Raises
    KeyUnavailable when the unit (or the report) has no key, ReportErased for an erased report,
    DecryptionError when ``open_key`` cannot open a section.
    """
    if report.police_unit_id is None:
        return
    unit = None
    erasure_key = None
    for section in session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        unit_seals = [s for s in section.sealed_keys if s.holder == sections.UNIT]
        if section.name == sections.MESSAGE:
            # Messages on the receipt are never sealed to a unit by a consent level
            # (``reports.messages``); a unit seal on one, however it came, goes below "full report".
            if level != consent.FULL_REPORT and unit_seals:
                session.execute(delete(SealedSectionKey).where(SealedSectionKey.id.in_([s.id for s in unit_seals])))
                for seal in unit_seals:
                    section.sealed_keys.remove(seal)
            continue
        if not consent.unit_may_open(level, section.name):
            if unit_seals:
                session.execute(delete(SealedSectionKey).where(SealedSectionKey.id.in_([s.id for s in unit_seals])))
                for seal in unit_seals:
                    section.sealed_keys.remove(seal)
            continue
        if unit_seals:
            continue
        unit = unit or keystore.unit_key(session, report.police_unit_id)
        erasure_key = erasure_key or erasure.report_key(session, report.id)
        key = open_key(section, erasure_key)
        if key is None:
            continue
        section.sealed_keys.append(
            SealedSectionKey(
                holder=sections.UNIT,
                group_key_id=unit.id,
                sealed=sections.seal_to_public_key(
                    unit.public_key, key, report.id, section.name, section.version, sections.UNIT, erasure_key
                ),
            )
        )


def apply_level(session: Session, report: Report, level: str, actor: str, open_key: KeyOpener) -> None:
    """Change ``report``'s consent to ``level`` on behalf of ``actor`` ('reporter' or 'staff').

    Aligns the unit's seals, records the change in the history (to the hour), marks the
    report's police releases as withdrawn (alert only) or live again, and lets staff requests
    still waiting for approval lapse: they were recorded against the consent as it was, and
    approving one now could undo what was just chosen. Raises ConsentError for an unknown level.
    """
    if level not in consent.LEVELS:
        raise consent.ConsentError("Choose what may be passed to the police.")
    if level == report.consent_level:
        # Nothing changes, but seals missing for the level are made: a version written without
        # her receipt key (reports.reclassify) is sealed once two coordinators confirm her level.
        align_unit_seals(session, report, level, open_key)
        return
    align_unit_seals(session, report, level, open_key)
    session.add(
        ConsentChange(
            report_id=report.id,
            from_level=report.consent_level,
            to_level=level,
            actor=actor,
            changed_at=coarse_time.now(),
        )
    )
    previous = report.consent_level
    report.consent_level = level
    releases_follow(session, report, level, previous)
    session.flush()


def releases_follow(session: Session, report: Report, level: str, previous: str | None = None) -> None:
    """Keep the police releases' view of consent in step with ``level``; pending staff requests lapse.

    When consent is narrowed from ``previous`` (or ended: ``previous`` None, as at erasure) the
    covering notes go, both sealed copies: a note was written for the consent as it was, and
    may say what the unit may no longer know.
    """
    # When consent ended is when she (or staff for her) acted: coarse, like every reporter's act.
    withdrawn_at = coarse_time.now() if level == consent.ALERT_ONLY else None
    narrowed = previous is None or consent.LEVELS.index(level) < consent.LEVELS.index(previous)
    for release in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)):
        release.consent_withdrawn_at = withdrawn_at
        if narrowed:
            release.note = release.note_key_scheme = release.note_key_unit = None
    for request in session.scalars(
        select(StaffConsent).where(StaffConsent.report_id == report.id, StaffConsent.state == "pending")
    ):
        request.state = "superseded"
