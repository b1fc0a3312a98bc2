"""Failure counters per time window, shared by every worker through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class ThrottleWindow(Base):
    __tablename__ = "throttle_window"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
