"""Failed deliveries: listing them for the failed-deliveries page, and sending one again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ugly_mugs.models import Alert, AlertMessage, Delivery, Project, ProjectChannel
from ugly_mugs.models.base import utcnow


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


def retry(session: Session, delivery_id: int) -> bool:
    """Put a failed delivery back in the outbox, due now, with a fresh count of tries."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow(), leased_by=None, leased_until=None)
    )
    return result.rowcount == 1
