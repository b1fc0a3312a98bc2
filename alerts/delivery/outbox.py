"""The transactional outbox: publishing an alert message writes its deliveries in the same transaction.

A message goes to every active channel of every active project that covers one of the alert's
areas, and, for an update or a retraction, also to every channel that was sent an earlier message
of the same alert, so that nobody who got the warning misses its correction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ugly_mugs.db import database_now
from ugly_mugs.models import AlertArea, AlertMessage, Delivery, Project, ProjectArea, ProjectChannel


def recipients(session: Session, message: AlertMessage) -> list[ProjectChannel]:
    """The channels one message goes to, in a stable order."""
    covering = (
        select(ProjectChannel)
        .join(Project, Project.id == ProjectChannel.project_id)
        .join(ProjectArea, ProjectArea.project_id == Project.id)
        .join(AlertArea, AlertArea.area_id == ProjectArea.area_id)
        .where(AlertArea.alert_id == message.alert_id, Project.active, ProjectChannel.active)
    )
    earlier = (
        select(ProjectChannel)
        .join(Delivery, Delivery.channel_id == ProjectChannel.id)
        .join(AlertMessage, AlertMessage.id == Delivery.message_id)
        .where(AlertMessage.alert_id == message.alert_id, AlertMessage.id != message.id, ProjectChannel.active)
    )
    channels = {c.id: c for c in session.scalars(covering)}
    if message.kind != "alert":
        channels.update({c.id: c for c in session.scalars(earlier)})
    return [channels[k] for k in sorted(channels)]


def enqueue(session: Session, message: AlertMessage) -> int:
    """Write one pending delivery per recipient channel, due now by the database's clock (the
    clock the workers go by); the caller commits with the message."""
    session.flush()
    now = database_now(session)
    rows = [
        {"message_id": message.id, "project_id": c.project_id, "channel_id": c.id, "kind": c.kind}
        for c in recipients(session, message)
    ]
    if rows:
        session.execute(
            Delivery.__table__.insert(),
            [{**r, "status": "pending", "attempts": 0, "next_attempt_at": now} for r in rows],
        )
    return len(rows)
