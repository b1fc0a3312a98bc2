"""Scheduled jobs shared by every worker and host: who holds each job now, and what is due.

A job runs only on the worker that holds its lease (``leased_by`` until ``leased_until``), so
several workers never run retention at once; a crashed holder's lease simply runs out. The
lease is one row updated with a condition, which works alike on SQLite and PostgreSQL and
behind a pooler in transaction mode (where session-level advisory locks would not hold).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime


class ScheduledJob(Base):
    __tablename__ = "scheduled_job"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    leased_by: Mapped[str | None] = mapped_column(String(64))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the job has work waiting (an erasure whose deleted rows are still in the files).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
