"""Counters of the shared throttles (rate limits), one row per counter, shared by every
process and host through the database (when no Redis is configured).

``name`` is the limit's key: the limit, and for per-client limits a keyed hash of the client
address (never the address). A counter holds ``hits`` since ``window_start`` and is void from
``expires_at`` on; rows past it are purged (``throttle.purge_expired``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class ThrottleWindow(Base):
    __tablename__ = "throttle_window"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
