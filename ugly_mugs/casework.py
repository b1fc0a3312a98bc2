"""Coordinators' reading of reports: opened with the scheme key, for a stated reason, always audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ugly_mugs import audit, keystore, release, sections
from ugly_mugs.crypto import sealing
from ugly_mugs.models import Account, Report

READ_REASONS = audit.READ_REASONS


def read_report(
    session: Session, report: Report, coordinator: Account, scheme_pair: sealing.KeyPair, reason: str
) -> release.Opened:
    if reason not in READ_REASONS:
        raise release.ReleaseError("Choose why you are opening this report.")
    scheme = keystore.scheme_key(session)
    opened = release.open_sections(session, report.id, scheme_pair, sections.SCHEME, scheme.id)
    audit.record(session, "report_read", actor_id=coordinator.id, report_id=report.id, reason=reason)
    return opened
