"""Retention: what is kept how long, and the run that erases and expires the rest. No Flask.

The policy (``config/__init__.py``, ``UGLY_MUGS_RETENTION_*``; a period of 0 keeps for ever):

- a report never passed to police is erased ``report_months`` after it was received;
- a report passed to police is erased ``released_months`` after it was received;
- alert drafts never published and case notes are deleted ``casework_months`` after they were
  written (the report itself stays until its own period ends);

and what grows without bound otherwise:

- throttle counters past their window (``throttle.purge_expired``);
- idempotency records of filings past their 24 hours (``reports.idempotency.purge_expired``);
- staff sessions that ended (idle or past their absolute lifetime, ``models.sessions``);
- delivered outbox rows older than ``delivery_keep_days``.

Reports are erased with the one erasure (``reports.erasure.erase``), recorded as by retention;
a run also reconciles the database with the key store (erasures a restore brought back) and
purges the files when an erasure left them due. Each run that is not a dry run leaves one
audit entry with counts only. Several workers never run it at once: ``ops.scheduler`` holds a
lease on it.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from ugly_mugs import audit, throttle
from ugly_mugs.models import (
    Alert,
    CaseNote,
    Delivery,
    IdempotencyRecord,
    PoliceRelease,
    Report,
    StaffSession,
    ThrottleWindow,
)
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.sessions import ABSOLUTE, IDLE
from ugly_mugs.reports import erasure, idempotency, statuses

BATCH = 200


@dataclass(frozen=True)
class Policy:
    """How long things are kept: months (0: for ever) and days for delivered outbox rows."""

    report_months: int
    released_months: int
    casework_months: int
    delivery_keep_days: int

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Policy:
        return cls(
            report_months=int(config["RETENTION_REPORT_MONTHS"]),
            released_months=int(config["RETENTION_RELEASED_MONTHS"]),
            casework_months=int(config["RETENTION_CASEWORK_MONTHS"]),
            delivery_keep_days=int(config["DELIVERY_KEEP_DAYS"]),
        )


def months_before(moment: datetime, months: int) -> datetime:
    """``moment`` moved back by whole calendar months (the 31st becomes the month's last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass
class Outcome:
    """What a run erased or deleted (a dry run: what it would), by kind; ``references`` lists the
    reports (their public references), for a dry run to show."""

    reports: int = 0
    released_reports: int = 0
    drafts: int = 0
    case_notes: int = 0
    throttle_rows: int = 0
    idempotency_records: int = 0
    sessions: int = 0
    deliveries: int = 0
    reconciled: int = 0
    references: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "references"}


def _released():
    return exists().where(PoliceRelease.report_id == Report.id)


def _due_reports(session: Session, policy: Policy, now: datetime) -> list[tuple[str, str, bool]]:
    """(id, reference, passed to police) of live reports past their period, oldest first."""
    conditions = []
    if policy.report_months:
        conditions.append(~_released() & (Report.received_at < months_before(now, policy.report_months)))
    if policy.released_months:
        conditions.append(_released() & (Report.received_at < months_before(now, policy.released_months)))
    if not conditions:
        return []
    rows = session.execute(
        select(Report.id, Report.reference, _released())
        .where(Report.status != statuses.ERASED, or_(*conditions))
        .order_by(Report.received_at, Report.id)
    ).all()
    return [(rid, ref, bool(released)) for rid, ref, released in rows]


def _casework_cutoff(policy: Policy, now: datetime) -> datetime | None:
    return months_before(now, policy.casework_months) if policy.casework_months else None


def _old_drafts(cutoff: datetime):
    return (Alert.status.in_(erasure.UNPUBLISHED)) & (Alert.created_at < cutoff)


def _ended_sessions(now: datetime):
    return or_(StaffSession.last_seen_at < now - IDLE, StaffSession.created_at < now - ABSOLUTE)


def _old_deliveries(policy: Policy, now: datetime):
    return (Delivery.status == "delivered") & (Delivery.delivered_at < now - timedelta(days=policy.delivery_keep_days))


def _count(session: Session, model, condition) -> int:
    return session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def plan(session: Session, policy: Policy, now: datetime | None = None) -> Outcome:
    """What a run at ``now`` would erase and delete (a dry run); writes nothing."""
    now = now or utcnow()
    due = _due_reports(session, policy, now)
    cutoff = _casework_cutoff(policy, now)
    return Outcome(
        reports=sum(1 for *_, released in due if not released),
        released_reports=sum(1 for *_, released in due if released),
        drafts=_count(session, Alert, _old_drafts(cutoff)) if cutoff else 0,
        case_notes=_count(session, CaseNote, CaseNote.created_at < cutoff) if cutoff else 0,
        throttle_rows=_count(session, ThrottleWindow, ThrottleWindow.expires_at <= now),
        idempotency_records=_count(session, IdempotencyRecord, IdempotencyRecord.expires_at <= now),
        sessions=_count(session, StaffSession, _ended_sessions(now)),
        deliveries=_count(session, Delivery, _old_deliveries(policy, now)),
        references=[ref for _, ref, _ in due],
    )


def run(session: Session, policy: Policy, now: datetime | None = None, dry_run: bool = False) -> Outcome:
    """Erase and delete what ``policy`` says is past its time at ``now`` (default: the current
    time); commits in batches. ``dry_run``: only say what would go (``plan``). Raises
    KeyUnavailable when no key store is configured (nothing is erased then)."""
    now = now or utcnow()
    if dry_run:
        return plan(session, policy, now)
    outcome = Outcome()
    due = _due_reports(session, policy, now)
    for start in range(0, len(due), BATCH):
        for report_id, reference, released in due[start : start + BATCH]:
            erasure.erase(session, session.get(Report, report_id), erasure.BY_RETENTION)
            outcome.references.append(reference)
            if released:
                outcome.released_reports += 1
            else:
                outcome.reports += 1
        session.commit()
    cutoff = _casework_cutoff(policy, now)
    if cutoff is not None:
        outcome.drafts = session.execute(delete(Alert).where(_old_drafts(cutoff))).rowcount
        outcome.case_notes = session.execute(delete(CaseNote).where(CaseNote.created_at < cutoff)).rowcount
        if outcome.drafts or outcome.case_notes:
            erasure.purge_after_commit(session)
    outcome.throttle_rows = throttle.purge_expired(session, now)
    outcome.idempotency_records = idempotency.purge_expired(session, now)
    outcome.sessions = session.execute(delete(StaffSession).where(_ended_sessions(now))).rowcount
    outcome.deliveries = session.execute(delete(Delivery).where(_old_deliveries(policy, now))).rowcount
    session.commit()
    outcome.reconciled = erasure.reconcile(session).erased
    audit.record(session, "retention_run", detail=outcome.counts())
    session.commit()
    erasure.scheduled_purge(session)
    return outcome
