"""Is delivery working? The dispatch workers' heartbeats and how long the oldest due delivery has
waited, for the failed-deliveries page and ``/healthz/delivery`` (no Flask here).

A worker writes its heartbeat every few seconds (``dispatch.Dispatcher``); one whose heartbeat
is older than ``stale_seconds`` is stalled or dead, one that stopped cleanly says so. Delivery
is unhealthy when deliveries are due and no worker is running, or when the oldest due delivery
has waited more than five times ``stale_seconds`` beyond its time (workers that beat but do not
keep up, or are stuck).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ugly_mugs.db import database_now
from ugly_mugs.models import Delivery, DispatchWorker

RUNNING = "running"
SILENT = "not responding (stalled or dead)"
STOPPED = "stopped"
# Workers not seen for this long are left off the page (and their rows removed).
FORGET_AFTER = timedelta(days=7)
LATE_FACTOR = 5


@dataclass(frozen=True)
class Worker:
    id: str
    state: str
    started_at: datetime
    seen_at: datetime
    seen_seconds_ago: int
    handled: int


@dataclass(frozen=True)
class DeliveryHealth:
    """``workers`` newest first; ``running``: how many beat recently; ``due``: pending deliveries
    whose time has come; ``oldest_due_seconds``: how long the oldest of them has waited (None:
    none is due); ``problem``: why delivery is unhealthy, or None."""

    workers: list[Worker]
    running: int
    due: int
    oldest_due_seconds: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def delivery_health(session: Session, stale_seconds: int, now: datetime | None = None) -> DeliveryHealth:
    """The state of delivery now (the database's clock unless ``now`` is given)."""
    now = now or database_now(session)
    workers = []
    for row in session.scalars(
        select(DispatchWorker)
        .where(DispatchWorker.seen_at >= now - FORGET_AFTER)
        .order_by(DispatchWorker.seen_at.desc())
    ):
        ago = max(0, int((now - row.seen_at).total_seconds()))
        state = STOPPED if row.stopped_at is not None else (RUNNING if ago <= stale_seconds else SILENT)
        workers.append(Worker(row.id, state, row.started_at, row.seen_at, ago, row.handled))
    due, oldest = session.execute(
        select(func.count(), func.min(Delivery.next_attempt_at)).where(
            Delivery.status == "pending", Delivery.next_attempt_at <= now
        )
    ).one()
    oldest_due = max(0, int((now - oldest).total_seconds())) if oldest is not None else None
    running = sum(1 for w in workers if w.state == RUNNING)
    problem = None
    if due and not running:
        problem = "No dispatch worker is running: alerts are waiting to be sent."
    elif oldest_due is not None and oldest_due > LATE_FACTOR * stale_seconds:
        problem = f"The oldest delivery due has waited {oldest_due} s: the workers are not keeping up or are stuck."
    return DeliveryHealth(workers, running, due, oldest_due, problem)


def forget_old_workers(session: Session, now: datetime) -> int:
    """Remove the heartbeats of workers not seen for ``FORGET_AFTER``; returns how many."""
    return session.execute(delete(DispatchWorker).where(DispatchWorker.seen_at < now - FORGET_AFTER)).rowcount
