"""The scheduler of the alert workers: retention once per interval, and the purge an erasure
leaves due, each run by one worker at a time. No Flask imports.

Every dispatch worker (``alerts dispatch --loop``) calls ``tick`` between its rounds, at most
once a minute; whichever gets a job's lease (``lease``: one conditional UPDATE of its
``scheduled_job`` row) runs it, the others skip it. A lease that its holder did not give back
(the worker died) runs out after ``LEASE``, and another worker takes the job over. This works
alike on SQLite and PostgreSQL and behind a pooler in transaction mode, where a session-level
advisory lock would be lost between transactions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugly_mugs.models import ScheduledJob
from ugly_mugs.models.base import utcnow
from ugly_mugs.ops import retention
from ugly_mugs.reports import erasure
from ugly_mugs.subscriptions import service as subscriptions

RETENTION_JOB = "retention"
PURGE_JOB = erasure.PURGE_JOB
# How long a worker holds a job it took; longer than any run takes.
LEASE = timedelta(hours=2)
# How often a worker looks at the jobs.
TICK_SECONDS = 60.0

log = logging.getLogger(__name__)


def _ensure_row(session: Session, name: str) -> None:
    if session.get(ScheduledJob, name) is not None:
        return
    try:
        with session.begin_nested():
            session.add(ScheduledJob(name=name))
    except IntegrityError:
        pass  # another worker made it at the same moment
    session.commit()


def lease(session: Session, name: str, holder: str, now: datetime | None = None, duration: timedelta = LEASE) -> bool:
    """Take the job ``name`` for ``holder`` until ``now + duration`` if nobody else holds it
    (or their lease ran out); committed. True if ``holder`` has it now."""
    now = now or utcnow()
    _ensure_row(session, name)
    taken = session.execute(
        update(ScheduledJob)
        .where(
            ScheduledJob.name == name,
            or_(
                ScheduledJob.leased_until.is_(None),
                ScheduledJob.leased_until < now,
                ScheduledJob.leased_by == holder,
            ),
        )
        .values(leased_by=holder, leased_until=now + duration)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    return taken == 1


def give_back(session: Session, name: str, holder: str, ran_at: datetime | None = None) -> None:
    """End ``holder``'s lease of ``name``; ``ran_at``: record when the job last ran."""
    values: dict = {"leased_by": None, "leased_until": None}
    if ran_at is not None:
        values["last_run_at"] = ran_at
    session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == name, ScheduledJob.leased_by == holder)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def retention_due(session: Session, interval: timedelta, now: datetime) -> bool:
    job = session.get(ScheduledJob, RETENTION_JOB)
    session.commit()
    return job is None or job.last_run_at is None or job.last_run_at <= now - interval


def tick(
    sessions: Callable[[], Session], config: Mapping[str, object], holder: str, now: datetime | None = None
) -> list[str]:
    """Run whichever jobs are due and this worker could lease; returns their names."""
    now = now or utcnow()
    ran: list[str] = []
    with sessions() as session:
        interval = timedelta(hours=int(config["RETENTION_INTERVAL_HOURS"]))
        if retention_due(session, interval, now) and lease(session, RETENTION_JOB, holder, now):
            try:
                outcome = retention.run(session, retention.Policy.from_config(config), now)
                log.info("retention: %s", outcome.counts())
                erased = subscriptions.sweep(session, int(config.get("SUBSCRIPTION_INACTIVE_DAYS", 365)))
                session.commit()
                log.info("subscriptions erased: %s", erased)
                ran.append(RETENTION_JOB)
            finally:
                session.rollback()
                give_back(session, RETENTION_JOB, holder, ran_at=now if ran else None)
        if erasure.purge_due(session) and lease(session, PURGE_JOB, holder, now):
            try:
                if erasure.scheduled_purge(session):
                    ran.append(PURGE_JOB)
            finally:
                session.rollback()
                give_back(session, PURGE_JOB, holder)
    return ran


class Ticker:
    """Calls ``tick`` at most every ``every`` seconds (for a worker's loop); never raises: a job
    that fails is logged (without content) and tried again at the next tick."""

    def __init__(
        self, sessions: Callable[[], Session], config: Mapping[str, object], holder: str, every: float = TICK_SECONDS
    ):
        self.sessions, self.config, self.holder, self.every = sessions, config, holder, every
        self._last = float("-inf")

    def __call__(self) -> None:
        if time.monotonic() - self._last < self.every:
            return
        self._last = time.monotonic()
        try:
            tick(self.sessions, self.config, self.holder)
        except Exception as exc:  # noqa: BLE001 - the worker keeps delivering alerts whatever a job does
            log.error("a scheduled job failed: %s", type(exc).__name__)
