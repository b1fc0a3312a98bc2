"""The transactional outbox: publishing an alert message writes its deliveries in the same transaction.

A message goes to every active channel of every active project that covers one of the alert's
areas, and, for an update or a retraction, also to every channel that was sent an earlier message
of the same alert, so that nobody who got the warning misses its correction.

It also goes to every individual subscriber (text message or email) who has confirmed her code
and follows one of the alert's areas (and, for an update or a retraction, to every subscriber who
was sent an earlier message of it): one delivery each, of the subscription's kind, so the same
worker, retries, isolation and marking carry them. Her subscription's activity is recorded (to
the day), so that she is not swept away as inactive while she is being sent alerts.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ugly_mugs.db import database_now
from ugly_mugs.models import (
    AlertArea,
    AlertMessage,
    Delivery,
    Project,
    ProjectArea,
    ProjectChannel,
    Subscription,
    SubscriptionArea,
)


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


def subscribers(session: Session, message: AlertMessage) -> list[tuple[int, str]]:
    """The active subscriptions one message goes to, as (id, kind), in id order."""
    covering = (
        select(Subscription.id, Subscription.kind)
        .join(SubscriptionArea, SubscriptionArea.subscription_id == Subscription.id)
        .join(AlertArea, AlertArea.area_id == SubscriptionArea.area_id)
        .where(AlertArea.alert_id == message.alert_id, Subscription.state == "active")
    )
    found = dict(session.execute(covering).all())
    if message.kind != "alert":
        earlier = (
            select(Subscription.id, Subscription.kind)
            .join(Delivery, Delivery.subscription_id == Subscription.id)
            .join(AlertMessage, AlertMessage.id == Delivery.message_id)
            .where(AlertMessage.alert_id == message.alert_id, AlertMessage.id != message.id)
        )
        found.update(dict(session.execute(earlier).all()))
    return sorted(found.items())


def enqueue(session: Session, message: AlertMessage) -> int:
    """Write one pending delivery per recipient channel, due now by the database's clock (the
    clock the workers go by); the caller commits with the message."""
    session.flush()
    now = database_now(session)
    rows = [
        {"message_id": message.id, "project_id": c.project_id, "channel_id": c.id, "kind": c.kind}
        for c in recipients(session, message)
    ]
    rows += [
        {"message_id": message.id, "project_id": None, "channel_id": None, "subscription_id": sub_id, "kind": kind}
        for sub_id, kind in subscribers(session, message)
    ]
    project_rows = [r for r in rows if "subscription_id" not in r]
    subscriber_rows = [r for r in rows if "subscription_id" in r]
    for batch in (project_rows, subscriber_rows):
        if batch:
            session.execute(
                Delivery.__table__.insert(),
                [{**r, "status": "pending", "attempts": 0, "next_attempt_at": now} for r in batch],
            )
    if subscriber_rows:
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        ids = [r["subscription_id"] for r in subscriber_rows]
        for start in range(0, len(ids), 500):
            session.execute(
                update(Subscription).where(Subscription.id.in_(ids[start : start + 500])).values(last_activity_at=day)
            )
    return len(rows)
