"""Passing one message on the receipt to the police: at "full report" only, one message at a
time, by a coordinator, audited. No Flask imports.

Messages (``reports.messages``) are sealed to the scheme key and her receipt key only, and no
consent level covers them. When she chose "full report" — everything, including how to contact
her — a coordinator may still judge that one message belongs with what police have (she says
when they may call, say): this seals that message's key to the report's unit, opened with the
scheme key. Narrowing her consent below "full report" deletes the unit's seal again
(``consent.seals.align_unit_seals``), and erasure deletes the message. This package is the only
code that seals to a unit; this module is the one way a message reaches one.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.crypto import DecryptionError, sealing
from ugly_mugs.keys import erasure, keystore
from ugly_mugs.models import Account, Report, ReportSection, SealedSectionKey
from ugly_mugs.reports import sections


def passed_numbers(session: Session, report: Report) -> set[int]:
    """The numbers of the report's messages whose key its unit holds."""
    return set(
        session.scalars(
            select(ReportSection.version)
            .join(SealedSectionKey, SealedSectionKey.section_id == ReportSection.id)
            .where(
                ReportSection.report_id == report.id,
                ReportSection.name == sections.MESSAGE,
                SealedSectionKey.holder == sections.UNIT,
            )
        )
    )


def pass_on(session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair | None, number: int):
    """Seal message ``number`` of ``report`` to its police unit; the caller commits. Audited as
    ``message_passed_on`` (the number, never the text). Does nothing more for a message already
    passed on. Raises ConsentError (safe to show) below "full report", without a unit, without
    the scheme key, or for a message that does not exist or does not open."""
    if report.consent_level != consent.FULL_REPORT:
        raise consent.ConsentError('A message can go to the police only when she chose "full report".')
    if report.police_unit_id is None:
        raise consent.ConsentError("This report's area has no police unit.")
    if scheme_pair is None:
        raise consent.ConsentError("You do not hold the scheme key yet. See the Keys page.")
    section = session.scalar(
        select(ReportSection).where(
            ReportSection.report_id == report.id,
            ReportSection.name == sections.MESSAGE,
            ReportSection.version == number,
        )
    )
    if section is None:
        raise consent.ConsentError("There is no such message.")
    if any(s.holder == sections.UNIT for s in section.sealed_keys):
        return
    scheme_ids = {keystore.scheme_key(session).id, *keystore.retiring_ids(session)}
    try:
        erasure_key = erasure.report_key(session, report.id)
        seal = next(s for s in section.sealed_keys if s.holder == sections.SCHEME and s.group_key_id in scheme_ids)
        key = sections.open_with_key_pair(
            scheme_pair, seal.sealed, report.id, section.name, section.version, sections.SCHEME, erasure_key
        )
    except (StopIteration, DecryptionError, erasure.ReportErased):
        raise consent.ConsentError("This message cannot be opened with your key.") from None
    unit = keystore.unit_key(session, report.police_unit_id)
    section.sealed_keys.append(
        SealedSectionKey(
            holder=sections.UNIT,
            group_key_id=unit.id,
            sealed=sections.seal_to_public_key(
                unit.public_key, key, report.id, section.name, section.version, sections.UNIT, erasure_key
            ),
        )
    )
    audit.record(session, "message_passed_on", actor_id=coordinator.id, report_id=report.id, detail={"number": number})
