"""Passing reports to police, what officers may read, and their feedback. No Flask imports.

The rule that matters is enforced by keys, not by these checks: a unit can open a section only
if its key was sealed to the unit, which happens only in ``ugly_mugs.consent`` (the reporter's
own consent, or two coordinators agreeing). ``pass_on`` itself seals no section key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent, disclosure
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import erasure, keystore, sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import Account, PoliceOutcome, PoliceRelease, Report, ReportSection, SealedSectionKey
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.police import OUTCOMES
from ugly_mugs.reports import reading, sections, statuses, withholding

MAX_NOTE = 4000


class ReleaseError(ValueError):
    """The action is not allowed for this report; the message is safe to show to staff."""


def seal_staff_text(
    session: Session, text: str, report_id: str, unit_id: int, context: str
) -> tuple[bytes, bytes, bytes]:
    """Short staff text for police about ``report_id``: (ciphertext, key sealed to the scheme,
    key sealed to the unit), both seals wrapped by the report's erasure key."""
    ciphertext, sealed = sealed_text.seal(
        text,
        context,
        {
            sections.SCHEME: keystore.scheme_key(session).public_key,
            sections.UNIT: keystore.unit_key(session, unit_id).public_key,
        },
        erasure.report_key(session, report_id),
    )
    return ciphertext, sealed[sections.SCHEME], sealed[sections.UNIT]


def unit_seal_count(session: Session, report: Report) -> int:
    return session.scalar(
        select(func.count())
        .select_from(SealedSectionKey)
        .join(ReportSection, SealedSectionKey.section_id == ReportSection.id)
        .where(ReportSection.report_id == report.id, SealedSectionKey.holder == sections.UNIT)
    )


def pass_refusal(report: Report) -> str | None:
    """Why ``report`` cannot be passed to the police now (safe to show to staff), or None. Her
    consent can change while a coordinator has the page open, so the message says it is now."""
    if report.status == statuses.ERASED:
        return "This report was deleted, so it cannot be passed to the police."
    if report.police_unit_id is None:
        return "This report's area has no police unit, so it cannot be passed to the police."
    if report.consent_level == consent.ALERT_ONLY:
        return (
            "The reporter's consent is now “alert only” (she may have changed it since this page was opened), "
            "so this report cannot be passed to the police."
        )
    return None


def can_pass_on(report: Report) -> bool:
    return pass_refusal(report) is None


class NoteBlocked(ReleaseError):
    """The covering note repeats something that identifies the reporter, below "full report";
    the message names each phrase (``disclosure.Blocked``)."""


def check_note(
    session: Session, report: Report, coordinator: Account, note: str, pair: sealing.KeyPair | None, region: str
) -> None:
    """Pass a covering note through the disclosure guard unless her consent is "full report".

    A covering note is sealed to the unit: below "full report" it must not say who she is or
    how to find her, which a single coordinator could otherwise hand police (P2, P3). Reads the
    report with the scheme key ``pair`` (audited, reason "police"). Raises ``NoteBlocked``, or
    ``ReleaseError`` without the scheme key.
    """
    if not note or report.consent_level == consent.FULL_REPORT:
        return
    if pair is None:
        raise ReleaseError("You need the scheme key to check a covering note. See the Keys page, or leave it empty.")
    opened = reading.open_with_scheme_key(session, report.id, pair)
    audit.record(
        session,
        "report_read",
        actor_id=coordinator.id,
        report_id=report.id,
        reason="police",
        detail={"for": "covering note check"},
    )
    profile = disclosure.profile_from(opened.sections, region)
    try:
        disclosure.guard({"the covering note": note}, profile).require()
    except disclosure.Blocked as blocked:
        raise NoteBlocked(
            f"{blocked} The reporter agreed to anonymous intelligence only: police may not learn who she is "
            "or how to find her."
        ) from None


def pass_on(
    session: Session,
    report: Report,
    coordinator: Account,
    note: str = "",
    pair: sealing.KeyPair | None = None,
    region: str = "GB",
) -> PoliceRelease:
    """Pass a consented report to its area's unit. Refused (``pass_refusal``) for 'alert only',
    a deleted report or one without a unit, and for reports that are already with that unit; a
    covering note below "full report" must pass the disclosure guard (``check_note``, with the
    scheme key ``pair``). Seals no section key: what the unit can open was sealed by consent."""
    refusal = pass_refusal(report)
    if refusal is not None:
        raise ReleaseError(refusal)
    existing = session.scalar(
        select(PoliceRelease).where(
            PoliceRelease.report_id == report.id, PoliceRelease.police_unit_id == report.police_unit_id
        )
    )
    if existing is not None:
        raise ReleaseError("This report has already been passed to the police.")
    note = note.strip()[:MAX_NOTE]
    check_note(session, report, coordinator, note, pair, region)
    release = PoliceRelease(
        report_id=report.id,
        police_unit_id=report.police_unit_id,
        passed_by=coordinator.id,
        passed_at=utcnow(),
    )
    session.add(release)
    session.flush()
    if note:
        release.note, release.note_key_scheme, release.note_key_unit = seal_staff_text(
            session, note, report.id, report.police_unit_id, sealed_text.release_note_context(release.id)
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


@dataclass(frozen=True)
class PoliceView:
    """What an officer reads of a release: ``opened``, the sections their unit key opens (below
    "full report" with every passage of the reporter's withheld, ``opened.withheld`` marking the
    fields), and the covering ``note`` withheld the same way."""

    opened: reading.Opened
    note: str


def read_for_police(
    session: Session, release: PoliceRelease, officer: Account, unit_pair: sealing.KeyPair, reason: str
) -> PoliceView:
    """What the officer's unit key opens now, as police may see it; audited. Empty once consent
    was withdrawn. The one place the police view is built: the page and the exports read it."""
    unit = keystore.unit_key(session, release.police_unit_id)
    opened, profile = reading.below_full(
        reading.open_sections(session, release.report_id, unit_pair, sections.UNIT, unit.id),
        matching_index.region_of(session),
    )
    note = note_for(session, release, unit_pair, sections.UNIT)
    if sections.IDENTITY not in opened.sections:
        note = withholding.withhold_text(note, profile)
    audit.record(
        session,
        "police_read",
        actor_id=officer.id,
        report_id=release.report_id,
        reason=reason,
        detail={"sections": sorted(opened.sections)},
    )
    return PoliceView(opened, note)


def read_photo_for_police(
    session: Session, release: PoliceRelease, officer: Account, unit_pair: sealing.KeyPair, reason: str, ref
) -> bytes | None:
    """The photo ``ref`` (``reading.PhotoRef``) of a release if the unit key opens it — only the
    photos the consent covers are sealed to the unit (``consent.SECTIONS_FOR_POLICE``) — else
    None (also once consent was withdrawn); audited with the photo named."""
    if release.consent_withdrawn_at is not None:
        return None
    unit = keystore.unit_key(session, release.police_unit_id)
    data = reading.open_photo(session, release.report_id, ref, unit_pair, sections.UNIT, unit.id)
    if data is not None:
        audit.record(
            session,
            "police_photo_read",
            actor_id=officer.id,
            report_id=release.report_id,
            reason=reason,
            detail={"photo": f"{ref.name}/{ref.version}"},
        )
    return data


def photos_for_export(
    session: Session, release: PoliceRelease, unit_pair: sealing.KeyPair, refs
) -> list[tuple[reading.PhotoRef, bytes]]:
    """The photos ``refs`` (from the officer's ``PoliceView``) that the unit key opens, with their
    bytes, for an export (which the export's own audit entry records)."""
    if release.consent_withdrawn_at is not None:
        return []
    unit = keystore.unit_key(session, release.police_unit_id)
    found = []
    for ref in refs:
        data = reading.open_photo(session, release.report_id, ref, unit_pair, sections.UNIT, unit.id)
        if data is not None:
            found.append((ref, data))
    return found


def _erasure_key(session: Session, release: PoliceRelease) -> ReportKey | None:
    try:
        return erasure.report_key(session, release.report_id)
    except erasure.ReportErased:
        return None


def note_for(session: Session, release: PoliceRelease, pair: sealing.KeyPair, holder: str) -> str:
    """The covering note as ``holder`` ("scheme" or "unit") opens it with ``pair``; "" when there
    is none (never written, or removed when consent narrowed), it does not open, or the report
    was erased."""
    key = release.note_key_unit if holder == "unit" else release.note_key_scheme
    erasure_key = _erasure_key(session, release) if release.note else None
    if erasure_key is None:
        return ""
    return sealed_text.open_text(
        release.note, key, pair, sealed_text.release_note_context(release.id), holder, erasure_key
    )


def crime_reference_for(session: Session, release: PoliceRelease, pair: sealing.KeyPair, holder: str) -> str:
    """The crime reference, like ``note_for``."""
    key = release.crime_reference_key_unit if holder == "unit" else release.crime_reference_key_scheme
    erasure_key = _erasure_key(session, release) if release.crime_reference else None
    if erasure_key is None:
        return ""
    return sealed_text.open_text(
        release.crime_reference,
        key,
        pair,
        sealed_text.crime_reference_context(release.id),
        holder,
        erasure_key,
    )


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
        try:
            sealed = seal_staff_text(
                session,
                crime_reference,
                release.report_id,
                release.police_unit_id,
                sealed_text.crime_reference_context(release.id),
            )
        except erasure.ReportErased:
            # Sealed under the report's erasure key, which went with the report: nothing new is
            # kept about a report she deleted.
            raise ReleaseError(
                "The person this happened to has deleted the report, so no crime reference can be kept "
                "with it. Record the outcome without one."
            ) from None
        release.crime_reference, release.crime_reference_key_scheme, release.crime_reference_key_unit = sealed
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
