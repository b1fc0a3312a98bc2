"""Failed deliveries: listing them for the failed-deliveries page, and sending them again —
one, a project's, or all (after an outage that outlasted the retries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ugly_mugs.db import database_now
from ugly_mugs.models import Alert, AlertMessage, Delivery, Project, ProjectChannel


@dataclass(frozen=True)
class Failed:
    delivery_id: int
    project: str
    project_id: int
    channel_kind: str
    channel_target: str
    channel_active: bool
    reference: str
    message_kind: str
    attempts: int
    last_error: str | None
    last_try: datetime


def failed(session: Session, limit: int = 200) -> list[Failed]:
    rows = session.execute(
        select(Delivery, Project.name, ProjectChannel, Alert.reference, AlertMessage.kind)
        .join(Project, Project.id == Delivery.project_id)
        .join(ProjectChannel, ProjectChannel.id == Delivery.channel_id)
        .join(AlertMessage, AlertMessage.id == Delivery.message_id)
        .join(Alert, Alert.id == AlertMessage.alert_id)
        .where(Delivery.status == "failed")
        .order_by(Delivery.id.desc())
        .limit(limit)
    ).all()
    return [
        Failed(
            d.id,
            name,
            d.project_id,
            channel.kind,
            channel.target,
            channel.active,
            reference,
            kind,
            d.attempts,
            d.last_error,
            d.next_attempt_at,
        )
        for d, name, channel, reference, kind in rows
    ]


def counts(session: Session) -> dict[str, int]:
    """How many deliveries are in each status (for the page's summary line)."""
    return dict(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())


def _again(now: datetime) -> dict:
    return {"status": "pending", "attempts": 0, "next_attempt_at": now, "leased_by": None, "leased_until": None}


def retry(session: Session, delivery_id: int) -> bool:
    """Put a failed delivery back in the outbox, due now, with a fresh count of tries."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "failed")
        .values(**_again(database_now(session)))
    )
    return result.rowcount == 1


def retry_all(session: Session, project_id: int | None = None) -> int:
    """Put every failed delivery (of ``project_id``, or of every project) back in the outbox, due
    now with a fresh count of tries; returns how many. Each goes once more through the worker's
    backoff, so a destination that is still down is not hammered."""
    query = update(Delivery).where(Delivery.status == "failed")
    if project_id is not None:
        query = query.where(Delivery.project_id == project_id)
    again = _again(database_now(session))
    return session.execute(query.values(**again).execution_options(synchronize_session=False)).rowcount


def failed_by_project(session: Session) -> list[tuple[int, str, int]]:
    """``(project id, name, failed deliveries)`` for each project with any, by name."""
    rows = session.execute(
        select(Project.id, Project.name, func.count())
        .join(Delivery, Delivery.project_id == Project.id)
        .where(Delivery.status == "failed")
        .group_by(Project.id, Project.name)
        .order_by(Project.name)
    ).all()
    return [(pid, name, n) for pid, name, n in rows]
