"""Confirmed subscribers for the delivery tests and the benchmark, written straight into the database.

Each is stored as signing up and typing the code stores one (``subscriptions.service``): her
number sealed to the session's dispatch public key, the blind index under its subscriber key.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from ugly_mugs.crypto import sealing
from ugly_mugs.models import Area, Subscription, SubscriptionArea
from ugly_mugs.models.base import utcnow
from ugly_mugs.subscriptions import contact
from ugly_mugs.subscriptions import service as subs


def many_subscribers(session, count: int, area: str = "holbeck", prefix: str = "+447400", language: str = "en"):
    """``count`` active text-message subscribers in ``area``; returns their numbers (E.164)."""
    public, key = subs._keys(session)
    area_id = session.scalar(select(Area.id).where(Area.code == area))
    numbers = [f"{prefix}{n:06d}" for n in range(count)]
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    for start in range(0, count, 500):
        rows = []
        for number in numbers[start : start + 500]:
            public_id = secrets.token_urlsafe(16)
            rows.append(
                Subscription(
                    public_id=public_id,
                    kind=contact.SMS,
                    contact_index=subs.contact_index(key, contact.Contact(contact.SMS, number)),
                    contact_sealed=sealing.seal(public, number.encode(), subs.contact_context(public_id)),
                    language=language,
                    state="active",
                    code_attempts=0,
                    last_activity_at=today,
                )
            )
        session.add_all(rows)
        session.flush()
        session.add_all(SubscriptionArea(subscription_id=r.id, area_id=area_id) for r in rows)
        session.commit()
    return numbers
