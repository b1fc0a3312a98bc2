"""Individual subscribers to alerts by text message or email, and the areas each one follows.

Her number or address is never stored readable: ``contact_sealed`` is sealed to the dispatch
public key, whose private half only the sending worker holds, and ``contact_index`` is a keyed
blind index (the subscriber key, outside the database) for finding a duplicate sign-up or the
sender of a STOP. No digit of a number and no part of an address is stored in clear: staff see
only counts per area and channel.
A subscription that stops, or goes ``SUBSCRIPTION_INACTIVE_DAYS`` without activity, is deleted,
row and areas and pending deliveries with it (``ugly_mugs/subscriptions/service.py``); an
active one that stops is kept, ``stopped``, only until the text confirming the stop has been sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime, utcnow

# "stopped": stopped, kept only until the confirmation of the stop has been sent.
SUBSCRIPTION_STATES = ("pending", "active", "stopped")


class Subscription(Base):
    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, public (in a stop link and a gateway's reference): never reused after a deletion.
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    # HMAC-SHA256 of the normalised number or address under the subscriber key (hex).
    contact_index: Mapped[str] = mapped_column(String(64), unique=True)
    # The number (E.164) or address, sealed to the dispatch public key.
    contact_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # A keyed hash of the verification code, when it expires, and the wrong tries so far.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The day of the last sign-up, alert or reply (midnight UTC: no finer time is kept).
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SubscriptionArea(Base):
    """An area a subscriber follows: she receives the alerts published for it."""

    __tablename__ = "subscription_area"

    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True, index=True)
