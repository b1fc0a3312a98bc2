"""The reporter changes her own consent with her receipt code. No Flask imports.

Raising consent seals the newly covered section keys to the area's police unit, opening them
with the key derived from her receipt code — so nobody but her can widen what police may read
this way. Narrowing or withdrawing deletes the unit's sealed copies at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.consent.seals import apply_level
from ugly_mugs.crypto import receipt
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.models import Report, ReportSection
from ugly_mugs.reports import sections


def change(session: Session, report: Report, code: str, level: str) -> None:
    """Set ``report``'s consent to ``level``, proven by her receipt ``code``; the caller commits.

    Raises ConsentError for an unknown level, DecryptionError if ``code`` does not open the report.
    """
    if level not in consent.LEVELS:
        raise consent.ConsentError("Choose what may be passed to the police.")
    if level == report.consent_level:
        return
    receipt_key = receipt.receipt_key(code)

    def open_key(section: ReportSection, erasure_key: ReportKey) -> bytes | None:
        own = next((s for s in section.sealed_keys if s.holder == sections.RECEIPT), None)
        if own is None:  # written without her receipt key (reports.reclassify): staff can seal it
            return None
        return sections.open_with_receipt(
            receipt_key, own.sealed, report.id, section.name, section.version, erasure_key
        )

    audit.record(
        session,
        "consent_changed",
        report_id=report.id,
        detail={"from": report.consent_level, "to": level, "by": "reporter"},
        coarse=True,
    )
    apply_level(session, report, level, "reporter", open_key)
