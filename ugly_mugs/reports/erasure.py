"""Erasing a report: the one erasure every deletion uses — the reporter's (with her receipt
code), two coordinators' (``request``/``decide``), retention's and a restore's. No Flask imports.

``erase`` first destroys the report's erasure key in the key store and records its tombstone
(``keys.erasure``): from that moment no copy of the database, however old, opens anything of
it, with any recovery passphrase or staff key. Then everything derived from the report goes:
its sections (messages on the receipt included) and every sealed copy of their keys, its
identifier index rows, case notes, alert drafts not yet published, the covering notes and
crime references of its police releases, and pending requests about it, and the idempotency record of its filing.
Published alerts stay (they are anonymised by design) but lose their
link and their working draft. The report row keeps only its plain statistical columns, marked
``erased``, and its receipt lookup, so that her receipt code answers "deleted".

After the caller commits, what was deleted is made unrecoverable from the database files too
(``purge_files``): SQLite overwrote it in place (``secure_delete``) and its write-ahead log is
checkpointed and truncated; PostgreSQL's affected tables are rewritten (``VACUUM FULL``) by the
scheduled job, because plain ``VACUUM`` leaves deleted tuples' bytes in the pages' free space.

``reconcile`` brings a database restored from a backup in line with the key store: a report
erased after the backup was taken is erased again here, and a report erased here whose key is
still in a key store restored from its own backup loses that key.

``migrate_pending`` gives reports stored before erasure keys their key (see
``keys.erasure``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from ugly_mugs import audit, consent
from ugly_mugs.consent.seals import releases_follow
from ugly_mugs.crypto import DecryptionError
from ugly_mugs.keys import erasure as erasure_keys
from ugly_mugs.keys import sealed_text
from ugly_mugs.keys.erasure import ReportKey
from ugly_mugs.matching import index as matching_index
from ugly_mugs.models import (
    Account,
    Alert,
    CaseNote,
    ErasureRequest,
    PendingErasureKey,
    PoliceRelease,
    Report,
    ReportSection,
    ScheduledJob,
    SealedSectionKey,
    StaffConsent,
)
from ugly_mugs.models.base import utcnow
from ugly_mugs.models.erasure import ERASURE_REASONS
from ugly_mugs.reports import idempotency, sections, statuses
from ugly_mugs.stats import rollup

# Who erased a report, as the audit entry records it.
BY_REPORTER = "reporter"
BY_COORDINATORS = "coordinators"
BY_RETENTION = "retention"
BY_RESTORE = "restore"

# The tables whose rows an erasure deletes or rewrites: PostgreSQL rewrites these after a batch.
AFFECTED_TABLES = (
    "report_section",
    "sealed_section_key",
    "identifier_index",
    "case_note",
    "alert",
    "police_release",
    "idempotency_record",
    # A stopped or swept subscription (ugly_mugs/subscriptions/service.py) purges the same way.
    "subscription",
    "subscription_area",
)
# The scheduled job that makes an erasure's deleted rows unrecoverable from the files.
PURGE_JOB = "erasure_purge"
_PURGE_AFTER_COMMIT = "ugly_mugs.purge_after_commit"
# Alerts that were never sent: their drafts go with the report.
UNPUBLISHED = ("draft", "awaiting_approval")


class ErasureError(ValueError):
    """The erasure request is not possible; the message is safe to show to staff."""


def erase(session: Session, report: Report, by: str, actor_id: int | None = None) -> None:
    """Erase ``report`` (see the module docstring); the caller commits. ``by`` is one of the
    ``BY_*`` names, ``actor_id`` the coordinator who approved, if any. Erasing an erased report
    again removes whatever is still there. Raises KeyUnavailable when no key store is configured
    (nothing is then deleted)."""
    store = erasure_keys.store_of(session)
    # The key first: if anything below fails, the report is already unreadable everywhere.
    store.destroy([report.id])
    # The monitoring counts per day: its alerts are no longer timed (before they lose the link).
    rollup.report_alerts_untimed(session, report)
    _remove_derived(session, report)
    first_time = report.status != statuses.ERASED
    report.status = statuses.ERASED
    # Messages went with the sections; the key staff sealed them to her with goes too.
    report.receipt_public_key = None
    report.message_waiting = None
    if first_time:
        # An officer who had it sees that consent ended, not an empty report.
        releases_follow(session, report, consent.ALERT_ONLY)
        audit.record(session, "report_erased", actor_id=actor_id, report_id=report.id, detail={"by": by}, coarse=True)
    session.flush()
    purge_after_commit(session)


def _remove_derived(session: Session, report: Report) -> None:
    report_id = report.id
    section_ids = select(ReportSection.id).where(ReportSection.report_id == report_id).scalar_subquery()
    session.execute(delete(SealedSectionKey).where(SealedSectionKey.section_id.in_(section_ids)))
    session.execute(delete(ReportSection).where(ReportSection.report_id == report_id))
    matching_index.forget(session, report_id)
    session.execute(delete(CaseNote).where(CaseNote.report_id == report_id))
    session.execute(delete(Alert).where(Alert.report_id == report_id, Alert.status.in_(UNPUBLISHED)))
    session.execute(
        update(Alert)
        .where(Alert.report_id == report_id)
        .values(report_id=None, draft=None, draft_key_scheme=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(PoliceRelease)
        .where(PoliceRelease.report_id == report_id)
        .values(
            note=None,
            note_key_scheme=None,
            note_key_unit=None,
            crime_reference=None,
            crime_reference_key_scheme=None,
            crime_reference_key_unit=None,
        )
        .execution_options(synchronize_session=False)
    )
    for model in (StaffConsent, ErasureRequest):
        session.execute(
            update(model)
            .where(model.report_id == report_id, model.state == "pending")
            .values(state="superseded")
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(PendingErasureKey).where(PendingErasureKey.report_id == report_id))
    # A retried filing's answer (reference and receipt code, sealed) goes with the report.
    idempotency.forget_report(session, report_id)
    # The ORM's copies of what was just deleted or changed must not be flushed back.
    session.expire_all()


# --- making deleted rows unrecoverable from the files ----------------------------------------


def purge_after_commit(session: Session) -> None:
    """Mark the purge job due (in this transaction) and purge right after the commit."""
    now = utcnow()
    done = session.execute(update(ScheduledJob).where(ScheduledJob.name == PURGE_JOB).values(due_at=now)).rowcount
    if not done:
        session.add(ScheduledJob(name=PURGE_JOB, due_at=now))
        session.flush()
    session.info[_PURGE_AFTER_COMMIT] = True


def install(maker: sessionmaker) -> None:
    """Purge the files after every commit that erased something (sessions of ``maker``).

    SQLite is purged at once (a checkpoint takes milliseconds); PostgreSQL's rewrite of the
    affected tables locks them, so it is left to the scheduled job (``scheduled_purge``), which
    runs it within the scheduler's next tick.
    """

    @event.listens_for(maker, "after_commit")
    def _after_commit(session: Session) -> None:
        if not session.info.pop(_PURGE_AFTER_COMMIT, False):
            return
        engine = session.get_bind()
        if engine.dialect.name == "sqlite" and purge_files(engine):
            with Session(engine) as fresh:
                fresh.execute(update(ScheduledJob).where(ScheduledJob.name == PURGE_JOB).values(due_at=None))
                fresh.commit()

    @event.listens_for(maker, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_PURGE_AFTER_COMMIT, None)


def purge_files(engine: Engine) -> bool:
    """Make rows deleted by erasures unrecoverable from the database's files; True when done.

    SQLite (``secure_delete`` zeroed them in place): checkpoint the write-ahead log into the file
    and truncate it (``wal_checkpoint(TRUNCATE)``); False when readers held it. PostgreSQL:
    ``VACUUM FULL`` of ``AFFECTED_TABLES`` (each rewritten into a new file, the old one emptied),
    then, where the role may, checkpoint, switch to a new WAL segment and checkpoint again, so
    that the write-ahead log holding what was deleted can go (what WAL archives and base backups
    keep is in docs/operating.md). Raises on PostgreSQL when a table stays locked for more than
    10 seconds.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        return busy is None or busy[0] == 0
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET lock_timeout = '10s'"))
        conn.execute(text("VACUUM FULL " + ", ".join(AFFECTED_TABLES)))
        # A checkpoint, a new WAL segment and another checkpoint: the segments holding what was
        # deleted are then behind the redo point, and PostgreSQL deletes them (wal_recycle = off)
        # or keeps them for reuse until overwritten. Needs superuser or pg_checkpoint and
        # EXECUTE on pg_switch_wal; without them the WAL ages out at later checkpoints.
        with contextlib.suppress(ProgrammingError, OperationalError):
            conn.execute(text("CHECKPOINT"))
            conn.execute(text("SELECT pg_switch_wal()"))
            conn.execute(text("CHECKPOINT"))
    return True


def scheduled_purge(session: Session) -> bool:
    """The purge job: purge the files if an erasure left them due; True if it ran."""
    due = session.scalar(select(ScheduledJob.due_at).where(ScheduledJob.name == PURGE_JOB))
    session.commit()
    if due is None:
        return False
    if purge_files(session.get_bind()):
        session.execute(
            update(ScheduledJob).where(ScheduledJob.name == PURGE_JOB, ScheduledJob.due_at <= due).values(due_at=None)
        )
        session.commit()
    return True


def purge_due(session: Session) -> bool:
    """Whether an erasure's deleted rows may still be in the files (the purge job is due)."""
    return session.scalar(select(ScheduledJob.due_at).where(ScheduledJob.name == PURGE_JOB)) is not None


# --- erasure asked for by a coordinator, approved by a second -------------------------------


def request(session: Session, report: Report, coordinator: Account, reason: str) -> ErasureRequest:
    """First coordinator: ask for ``report`` to be erased, for ``reason`` (``ERASURE_REASONS``).
    Nothing is erased yet. Raises ErasureError for an unknown reason, an erased report, or one
    that already has a pending request."""
    if reason not in ERASURE_REASONS:
        raise ErasureError("Choose why the report should be deleted.")
    if report.status == statuses.ERASED:
        raise ErasureError("This report has already been deleted.")
    if pending_request(session, report.id) is not None:
        raise ErasureError("Deleting this report has already been asked for; a second coordinator decides.")
    asked = ErasureRequest(report_id=report.id, reason=reason, requested_by=coordinator.id, requested_at=utcnow())
    session.add(asked)
    session.flush()
    audit.record(
        session,
        "erasure_requested",
        actor_id=coordinator.id,
        report_id=report.id,
        detail={"reason": reason, "request": asked.id},
    )
    return asked


def pending_request(session: Session, report_id: str) -> ErasureRequest | None:
    return session.scalar(
        select(ErasureRequest).where(ErasureRequest.report_id == report_id, ErasureRequest.state == "pending")
    )


def decide(session: Session, asked: ErasureRequest, coordinator: Account, approve: bool) -> None:
    """Second coordinator: approve (the report is erased now) or reject. The caller commits.

    Raises ErasureError when already decided or when the same coordinator asked."""
    if asked.state != "pending":
        raise ErasureError("This has already been decided.")
    if asked.requested_by == coordinator.id:
        raise ErasureError("A second coordinator must approve deleting a report that you asked to delete.")
    asked.state = "approved" if approve else "rejected"
    asked.decided_by = coordinator.id
    asked.decided_at = utcnow()
    audit.record(
        session,
        "erasure_approved" if approve else "erasure_rejected",
        actor_id=coordinator.id,
        report_id=asked.report_id,
        detail={"request": asked.id, "reason": asked.reason},
    )
    session.flush()
    if approve:
        erase(session, session.get(Report, asked.report_id), BY_COORDINATORS, actor_id=coordinator.id)


# --- restoring a backup ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reconciled:
    """What ``reconcile`` did: reports erased here that the key store said were erased, keys
    destroyed that a restored key store still held for reports erased here, and live reports
    whose key is in neither form (a key store older than the report: they cannot be opened)."""

    erased: int
    keys_destroyed: int
    unopenable: int


def reconcile(session: Session, batch: int = 500) -> Reconciled:
    """Bring the database and the key store in line after either was restored; commits per batch.

    Every report the key store has a tombstone for is erased here (``erase``, recorded as by
    restore); every report erased here whose key the key store still holds loses it."""
    store = erasure_keys.store_of(session)
    erased = destroyed = unopenable = 0
    after = ""
    while True:
        rows = session.execute(
            select(Report.id, Report.status).where(Report.id > after).order_by(Report.id).limit(batch)
        ).all()
        if not rows:
            break
        after = rows[-1][0]
        ids = [rid for rid, _ in rows]
        keys, tombstoned = store.lookup(ids)
        pending = set(session.scalars(select(PendingErasureKey.report_id).where(PendingErasureKey.report_id.in_(ids))))
        for report_id, status in rows:
            if status == statuses.ERASED:
                if report_id in keys:
                    store.destroy([report_id])
                    destroyed += 1
            elif report_id in tombstoned:
                erase(session, session.get(Report, report_id), BY_RESTORE)
                erased += 1
            elif report_id not in keys and report_id not in pending:
                unopenable += 1
        session.commit()
    return Reconciled(erased, destroyed, unopenable)


def settle_if_erased(session: Session, report: Report) -> bool:
    """Whether ``report`` is erased. A report that looks live but whose erasure the key store
    remembers (a database restored from an older backup) is erased here and now, and committed."""
    if report.status == statuses.ERASED:
        return True
    if not erasure_keys.is_erased(session, report.id):
        return False
    erase(session, report, BY_RESTORE)
    session.commit()
    return True


# --- reports stored before erasure keys -----------------------------------------------------


@dataclass(frozen=True)
class Migrated:
    keyed: int
    erased: int


def _rewrap(erasure_key: ReportKey, stored: bytes | None, context: bytes) -> bytes | None:
    """``stored`` wrapped by ``erasure_key``, unless it already is (migrated up, down and up)."""
    if stored is None:
        return None
    try:
        erasure_key.unwrap(stored, context)
        return stored
    except DecryptionError:
        return erasure_key.wrap(stored, context)


def _wrap_report(session: Session, report: Report, erasure_key: ReportKey) -> None:
    seals = session.execute(
        select(SealedSectionKey, ReportSection)
        .join(ReportSection, ReportSection.id == SealedSectionKey.section_id)
        .where(ReportSection.report_id == report.id)
    ).all()
    for seal, section in seals:
        context = sections.key_context(report.id, section.name, section.version, seal.holder)
        seal.sealed = _rewrap(erasure_key, seal.sealed, context)
    for note in session.scalars(select(CaseNote).where(CaseNote.report_id == report.id)):
        context = sealed_text.seal_context(sealed_text.case_note_context(report.id), sections.SCHEME)
        note.sealed_key = _rewrap(erasure_key, note.sealed_key, context)
    for release in session.scalars(select(PoliceRelease).where(PoliceRelease.report_id == report.id)):
        for column, base, holder in (
            ("note_key_scheme", sealed_text.release_note_context(release.id), sections.SCHEME),
            ("note_key_unit", sealed_text.release_note_context(release.id), sections.UNIT),
            ("crime_reference_key_scheme", sealed_text.crime_reference_context(release.id), sections.SCHEME),
            ("crime_reference_key_unit", sealed_text.crime_reference_context(release.id), sections.UNIT),
        ):
            context = sealed_text.seal_context(base, holder)
            setattr(release, column, _rewrap(erasure_key, getattr(release, column), context))
    for alert in session.scalars(select(Alert).where(Alert.report_id == report.id)):
        context = sealed_text.seal_context(sealed_text.alert_draft_context(alert.reference), sections.SCHEME)
        alert.draft_key_scheme = _rewrap(erasure_key, alert.draft_key_scheme, context)


def migrate_pending(session: Session, batch: int = 200, progress: Callable[[int, int], None] | None = None) -> Migrated:
    """Give every report listed in ``pending_erasure_key`` its erasure key and wrap all its
    sealed keys (one transaction per report, after its key is stored); a report erased before
    is erased properly (what it left behind goes, a tombstone is written). Idempotent and
    resumable. ``progress(done, total)`` after each batch. Returns the counts."""
    store = erasure_keys.store_of(session)
    keyed = erased = 0
    total = pending_count(session)
    while True:
        rows = session.execute(
            select(Report.id, Report.status)
            .join(PendingErasureKey, PendingErasureKey.report_id == Report.id)
            .order_by(Report.id)
            .limit(batch)
        ).all()
        session.commit()
        if not rows:
            break
        live = [rid for rid, status in rows if status != statuses.ERASED]
        # A restored database may list a report the key store has a tombstone for: it goes.
        _, tombstoned = store.lookup(live)
        # The batch's keys are stored (and committed) before anything is wrapped with them.
        created = store.create_many([rid for rid in live if rid not in tombstoned])
        for report_id, status in rows:
            report = session.get(Report, report_id)
            if status == statuses.ERASED or report_id in tombstoned:
                erase(session, report, BY_RESTORE)
                erased += 1
            else:
                _wrap_report(session, report, ReportKey(report_id, created[report_id]))
                session.execute(delete(PendingErasureKey).where(PendingErasureKey.report_id == report_id))
                keyed += 1
            session.commit()
        if progress:
            progress(keyed + erased, total)
    return Migrated(keyed, erased)


def pending_count(session: Session) -> int:
    """How many reports still wait for their erasure key (``migrate_pending``)."""
    return session.scalar(select(func.count()).select_from(PendingErasureKey)) or 0
