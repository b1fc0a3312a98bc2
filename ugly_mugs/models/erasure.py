"""Erasure bookkeeping in the database: reports still waiting for an erasure key, and erasures
asked for by one coordinator and waiting for a second.

The erasure keys themselves are never here: they live in the key store outside the database
(ugly_mugs.keys.erasure).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime

# Why a coordinator asks to erase a report, with the words the report page shows for each.
ERASURE_REASON_LABELS = {
    "reporter_asked": "The reporter asked for it to be deleted (by phone or in person)",
    "filed_in_error": "Filed in error, or a test",
    "duplicate": "A duplicate of another report",
    "unsafe_to_keep": "Keeping it puts someone at risk",
}
ERASURE_REASONS = tuple(ERASURE_REASON_LABELS)


class PendingErasureKey(Base):
    """A report stored before erasure keys existed, whose seals are not wrapped yet.

    Filled once by the migration that introduced erasure keys; ``keys migrate-erasure`` (also
    run by ``db upgrade``) gives each report its key, wraps its seals and deletes its row here.
    """

    __tablename__ = "pending_erasure_key"

    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)


class ErasureRequest(Base):
    """A coordinator's request to erase a report; a second coordinator approves or rejects it."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    requested_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 'pending', 'approved', 'rejected' or 'superseded' (the report was erased another way)
    state: Mapped[str] = mapped_column(String(16), default="pending")
