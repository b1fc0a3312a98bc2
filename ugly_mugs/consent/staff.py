"""Consent a reporter gave by phone or in person, recorded by one coordinator and approved by
another (DESIGN.md §2, P2: no single coordinator can widen what police may read). No Flask imports.

Recording seals nothing. Approval by a second coordinator applies the level with
``consent.seals.apply_level``, opening section keys with the scheme key.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.consent.seals import apply_level
from ugly_mugs.crypto import sealing
from ugly_mugs.keys import keystore
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import Account, Report, ReportSection, StaffConsent
from ugly_mugs.models.base import utcnow
from ugly_mugs.reports import sections, statuses

GIVEN_BY = ("phone", "in_person")
GIVEN_BY_LABELS = {"phone": "By phone", "in_person": "In person"}


def record(session: Session, report: Report, coordinator: Account, level: str, given_by: str) -> StaffConsent:
    """First coordinator: note consent given by phone or in person. Nothing is sealed yet.

    Raises ConsentError for an unknown level or way of giving it, or an erased report.
    """
    if level not in consent.LEVELS or given_by not in GIVEN_BY:
        raise consent.ConsentError("Choose the level and how the person gave it.")
    if report.status == statuses.ERASED:
        raise consent.ConsentError("This report was deleted.")
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


def pending(session: Session, report_id: str) -> list[StaffConsent]:
    """Requests recorded for ``report_id`` still waiting for a second coordinator."""
    return list(
        session.scalars(
            select(StaffConsent).where(StaffConsent.report_id == report_id, StaffConsent.state == "pending")
        )
    )


def decide(
    session: Session, request: StaffConsent, coordinator: Account, scheme_pair: sealing.KeyPair, approve: bool
) -> None:
    """Second coordinator: approve (the unit's seals then follow the new level) or reject.

    Raises ConsentError when already decided or when the same coordinator recorded it.
    """
    if request.state != "pending":
        raise consent.ConsentError("This has already been decided.")
    if request.recorded_by == coordinator.id:
        raise consent.ConsentError("A second coordinator must approve consent that you recorded.")
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
    if approve and report.status != statuses.ERASED:
        # The scheme key, and a key it replaces while a rotation is under way (keys.rotation).
        scheme_ids = {keystore.scheme_key(session).id, *keystore.retiring_ids(session)}

        def open_key(section: ReportSection, erasure_key: ReportKey) -> bytes:
            own = next(s for s in section.sealed_keys if s.holder == sections.SCHEME and s.group_key_id in scheme_ids)
            return sections.open_with_key_pair(
                scheme_pair, own.sealed, report.id, section.name, section.version, sections.SCHEME, erasure_key
            )

        apply_level(session, report, request.level, "staff", open_key)
    session.flush()
