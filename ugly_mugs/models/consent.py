"""The history of a report's consent level: what changed, when, and by whose act."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class ConsentChange(Base):
    __tablename__ = "consent_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    from_level: Mapped[str | None] = mapped_column(String(24))
    to_level: Mapped[str] = mapped_column(String(24))
    # 'reporter' (at filing or with the receipt code) or 'outreach' (attested at filing)
    actor: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
