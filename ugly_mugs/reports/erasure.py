"""Erasing a report: crypto-shredding its sections and everything that could reopen it. No Flask imports."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs import audit, consent
from ugly_mugs.consent.seals import releases_follow
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import Report, ReportSection
from ugly_mugs.reports import statuses


def erase(session: Session, report: Report) -> None:
    """Delete every section and every sealed copy of its keys, and its identifier index rows;
    keep only plain metadata. The caller commits."""
    for section in session.scalars(select(ReportSection).where(ReportSection.report_id == report.id)):
        session.delete(section)
    matching_index.forget(session, report.id)
    report.receipt_lookup = None
    report.status = statuses.ERASED
    # An officer who had it sees that consent ended, not an empty report.
    releases_follow(session, report, consent.ALERT_ONLY)
    audit.record(session, "report_erased", report_id=report.id, coarse=True)
    session.flush()
