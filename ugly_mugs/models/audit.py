"""The tamper-evident audit log: who did what, when, to which report and why; never content.

Each entry stores the hash of the previous entry and its own hash over both, so editing,
inserting or deleting any entry breaks the chain from that entry on; and an authentication code
of its hash under a key kept outside the database (ugly_mugs.audit), so that re-hashing after
an edit is found too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    action: Mapped[str] = mapped_column(String(48))
    report_id: Mapped[str | None] = mapped_column(String(32), index=True)
    subject_account_id: Mapped[int | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # HMAC-SHA256 of ``hash`` under the audit key; null only for entries written before it existed.
    mac: Mapped[str | None] = mapped_column(String(64))
