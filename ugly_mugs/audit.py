"""Writing and verifying the hash-chained audit log (P5). No content and no addresses, ever.

Each entry's hash covers its fields and the previous entry's hash. ``verify`` walks the
chain and names the first entry whose stored hash or link does not match, so editing,
inserting or deleting any row is found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ugly_mugs import coarse_time
from ugly_mugs.models import AuditEntry
from ugly_mugs.models.base import utcnow

GENESIS = "0" * 64

# The reasons a coordinator or officer may give for opening a report.
READ_REASONS = {
    "triage": "Reviewing a new report",
    "alert": "Writing or checking an alert",
    "police": "Preparing to pass on to police",
    "follow_up": "Following up with the reporter",
    "matching": "Checking a possible repeat perpetrator",
}

# Advisory lock id used on PostgreSQL so that concurrent writers extend one chain.
_LOCK_ID = 0x55474C59


def _digest(entry: AuditEntry) -> str:
    payload = {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "report_id": entry.report_id,
        "subject_account_id": entry.subject_account_id,
        "reason": entry.reason,
        "detail": entry.detail or {},
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def record(
    session: Session,
    action: str,
    actor_id: int | None = None,
    report_id: str | None = None,
    subject_account_id: int | None = None,
    reason: str | None = None,
    detail: dict | None = None,
    coarse: bool = False,
) -> AuditEntry:
    """Append an entry in the caller's transaction; it is kept only if the caller commits.

    ``coarse`` records only the hour (``coarse_time``), for a reporter's own actions, so that the log cannot be
    matched to the second against anything else.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    elif dialect == "sqlite":
        # A write that changes nothing takes SQLite's write lock before the last entry is read,
        # so two workers cannot both extend the chain from the same entry.
        session.execute(text("UPDATE audit_entry SET id = id WHERE 0"))
    last = session.execute(select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        id=(last.id + 1) if last else 1,
        at=coarse_time.now() if coarse else utcnow().replace(microsecond=0),
        actor_id=actor_id,
        action=action,
        report_id=report_id,
        subject_account_id=subject_account_id,
        reason=reason,
        detail=detail or {},
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    entry.hash = _digest(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify(session: Session, batch: int = 5000) -> Verification:
    prev_hash, prev_id, checked = GENESIS, 0, 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return Verification(True, checked)
        for entry in rows:
            if entry.id != prev_id + 1:
                return Verification(False, checked, entry.id, f"entries {prev_id + 1} to {entry.id - 1} are missing")
            if entry.prev_hash != prev_hash:
                return Verification(False, checked, entry.id, "it does not link to the entry before it")
            if _digest(entry) != entry.hash:
                return Verification(False, checked, entry.id, "its content does not match its hash")
            prev_hash, prev_id = entry.hash, entry.id
            checked += 1
        last_id = rows[-1].id
        session.expunge_all()
