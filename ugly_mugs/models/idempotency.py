"""What is kept of a filing's idempotency key, so that a retried request gets the same answer and
files nothing twice (``reports.idempotency``; the cryptography is ``crypto.idempotency``).

Neither the key nor the answer is readable here: ``key_id`` is a keyed hash of the key,
``body_tag`` a hash of the request body keyed by the key, ``sealed_answer`` the reference and
receipt code encrypted under a key derived from the key. ``expires_at`` is coarse (to the hour,
P4); expired rows are purged by retention, and erasing the report deletes its row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_tag: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    sealed_answer: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
