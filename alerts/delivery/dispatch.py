"""The dispatch worker: claims due deliveries from the outbox, sends them, marks each one done.

Claiming takes a lease (``leased_by``, ``leased_until``) and commits before anything is sent.
On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED``, so several workers on several
hosts take disjoint rows; on SQLite one worker claims with a single ``UPDATE``. Each delivery
is marked delivered in its own commit right after it was sent, so a worker killed at any moment
leaves at most the one message it was sending unmarked: that one is sent again once its lease
expires (a receiver drops it by its message id), and nothing is lost. A failure is retried
after an exponentially growing delay; after ``max_attempts`` the delivery is ``failed`` and
waits on the failed-deliveries page for someone to retry it.

Logs say how many were sent and which delivery ids failed, never an address or a message.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import render
from alerts.delivery.channels import DeliveryFailed, Outgoing, Transports
from alerts.delivery.wording import wording
from ugly_mugs.db import set_local_on_begin
from ugly_mugs.models import Alert, AlertMessage, Delivery, Project, ProjectChannel
from ugly_mugs.models.base import utcnow

log = logging.getLogger("alerts.delivery.dispatch")


@dataclass(frozen=True)
class DispatchSettings:
    # Each registered channel's own settings, by kind (what its ``configure`` returned).
    channels: Mapping[str, Any]
    max_attempts: int = 8
    retry_seconds: float = 60.0
    max_retry_seconds: float = 6 * 3600.0
    # Longer than a batch takes to send, or another worker may send the batch's tail again.
    lease_seconds: float = 300.0
    batch_size: int = 100

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: retry_seconds, doubling, capped."""
        return timedelta(seconds=min(self.retry_seconds * 2 ** max(0, attempts - 1), self.max_retry_seconds))


@dataclass
class Tally:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def add(self, other: Tally) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    kind: str
    attempts: int
    target: str
    secret: str | None
    usable: bool
    language: str
    message: render.Published


@dataclass
class Dispatcher:
    sessions: sessionmaker[Session]
    settings: DispatchSettings
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}")
    stopping: bool = False

    # --- claiming -------------------------------------------------------------------------

    def _due(self, now: datetime):
        return (
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            or_(Delivery.leased_until.is_(None), Delivery.leased_until < now),
        )

    def claim(self, session: Session) -> list[int]:
        """Lease up to ``batch_size`` due deliveries to this worker and commit the lease."""
        now = utcnow()
        until = now + timedelta(seconds=self.settings.lease_seconds)
        due = (
            select(Delivery.id)
            .where(*self._due(now))
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(self.settings.batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            ids = list(session.scalars(due.with_for_update(skip_locked=True)))
            if ids:
                session.execute(
                    update(Delivery).where(Delivery.id.in_(ids)).values(leased_by=self.worker_id, leased_until=until)
                )
        else:
            # One statement takes SQLite's write lock, so the rows it leases are nobody else's.
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(due.scalar_subquery()))
                .values(leased_by=self.worker_id, leased_until=until)
                .execution_options(synchronize_session=False)
            )
            ids = list(
                session.scalars(
                    select(Delivery.id).where(
                        Delivery.leased_by == self.worker_id,
                        Delivery.leased_until == until,
                        Delivery.status == "pending",
                    )
                )
            )
        session.commit()
        return sorted(ids)

    def _jobs(self, session: Session, ids: list[int]) -> list[_Job]:
        rows = session.execute(
            select(Delivery, ProjectChannel, Project, AlertMessage, Alert.reference)
            .join(ProjectChannel, ProjectChannel.id == Delivery.channel_id)
            .join(Project, Project.id == Delivery.project_id)
            .join(AlertMessage, AlertMessage.id == Delivery.message_id)
            .join(Alert, Alert.id == AlertMessage.alert_id)
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.id)
        ).all()
        messages: dict[int, render.Published] = {}
        jobs = []
        for delivery, channel, project, message, reference in rows:
            if message.id not in messages:
                messages[message.id] = render.Published.of(message, reference)
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    kind=delivery.kind,
                    attempts=delivery.attempts,
                    target=channel.target,
                    secret=channel.secret,
                    usable=channel.active and project.active,
                    language=project.language,
                    message=messages[message.id],
                )
            )
        session.commit()
        return jobs

    # --- marking --------------------------------------------------------------------------

    def _mine(self, delivery_id: int):
        table = Delivery.__table__
        return update(table).where(table.c.id == delivery_id, table.c.leased_by == self.worker_id)

    def _delivered(self, marks: Connection, job: _Job) -> None:
        marks.execute(
            self._mine(job.delivery_id).values(
                status="delivered",
                delivered_at=utcnow(),
                attempts=job.attempts + 1,
                leased_by=None,
                leased_until=None,
                last_error=None,
            )
        )
        marks.commit()

    def _failed(self, marks: Connection, job: _Job, reason: str, final: bool = False) -> str:
        attempts = job.attempts + 1
        final = final or attempts >= self.settings.max_attempts
        marks.execute(
            self._mine(job.delivery_id).values(
                status="failed" if final else "pending",
                attempts=attempts,
                next_attempt_at=utcnow() + self.settings.backoff(attempts),
                leased_by=None,
                leased_until=None,
                last_error=reason[:500],
            )
        )
        marks.commit()
        log.warning(
            "delivery %s %s after attempt %s: %s",
            job.delivery_id,
            "failed" if final else "will be retried",
            attempts,
            reason,
        )
        return "failed" if final else "retrying"

    def _release(self, marks: Connection, ids: list[int]) -> None:
        """Give back leases not worked on, so that another worker need not wait for them to expire."""
        table = Delivery.__table__
        marks.execute(
            update(table)
            .where(table.c.id.in_(ids), table.c.leased_by == self.worker_id)
            .values(leased_by=None, leased_until=None)
        )
        marks.commit()

    # --- sending --------------------------------------------------------------------------

    def _send(self, transports: Transports, job: _Job) -> None:
        """Hand one delivery to its channel's transport; ``DeliveryFailed`` when it did not go through."""
        outgoing = Outgoing(job.delivery_id, job.target, job.secret, job.message, wording(job.language))
        transports[job.kind].send(outgoing)

    def run_batch(self) -> Tally:
        """Claim one batch, send it (one transport per channel kind), and mark each delivery as it goes."""
        tally = Tally()
        with self.sessions() as session:
            ids = self.claim(session)
            if not ids:
                return tally
            tally.claimed = len(ids)
            jobs = self._jobs(session, ids)
        outcomes: Counter[str] = Counter()
        # Marks go through a plain connection, one short transaction each, right after each send.
        with self.sessions.kw["bind"].connect() as marks:
            # A mark is visible to other workers at once either way; not waiting for the disk
            # only means that if PostgreSQL itself crashes, the last fraction of a second of
            # marks is lost and those messages are sent again (duplicates, never losses).
            # Per transaction (SET LOCAL), so that behind a pooler no other client inherits it.
            set_local_on_begin(marks, "synchronous_commit", "off")
            # Stop well before the lease ends: after that another worker may claim the same rows.
            give_up_at = time.monotonic() + self.settings.lease_seconds / 2
            with Transports(self.settings.channels) as transports:
                for index, job in enumerate(jobs):
                    if self.stopping or time.monotonic() > give_up_at:
                        self._release(marks, [j.delivery_id for j in jobs[index:]])
                        break
                    if not job.usable:
                        outcomes[self._failed(marks, job, "channel or project switched off", final=True)] += 1
                        continue
                    try:
                        self._send(transports, job)
                    except DeliveryFailed as exc:
                        outcomes[self._failed(marks, job, exc.reason, final=exc.permanent)] += 1
                    else:
                        self._delivered(marks, job)
                        outcomes["delivered"] += 1
        tally.delivered, tally.retrying, tally.failed = (
            outcomes["delivered"],
            outcomes["retrying"],
            outcomes["failed"],
        )
        log.info(
            "batch of %s: %s delivered, %s to retry, %s failed",
            tally.claimed,
            tally.delivered,
            tally.retrying,
            tally.failed,
        )
        return tally

    def run_once(self) -> Tally:
        """Send everything due now, batch after batch, then return."""
        total = Tally()
        while not self.stopping:
            tally = self.run_batch()
            total.add(tally)
            if tally.claimed == 0:
                break
        return total

    def run_forever(self, idle_seconds: float = 2.0, between: Callable[[], None] | None = None) -> Tally:
        """Keep sending; when nothing is due, look again after ``idle_seconds``. Stops on ``stop()``.
        ``between`` is called after every round (the scheduler of retention and purges)."""
        total = Tally()
        while not self.stopping:
            tally = self.run_once()
            total.add(tally)
            if between is not None:
                between()
            waited = 0.0
            while not self.stopping and waited < idle_seconds and tally.claimed == 0:
                time.sleep(min(0.2, idle_seconds))
                waited += 0.2
        return total

    def stop(self, *_args) -> None:
        self.stopping = True
