"""Group key pairs (the scheme key, police unit keys) and the sealed copies of their private halves.

Only public keys are stored in the clear. A group's private half exists in the database
only sealed: to the recovery key made at setup, and (from the staff-accounts work on) to
members' personal keys.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ugly_mugs.models.base import Base, UTCDateTime, utcnow

# The longest stored public key: a hybrid X25519 + ML-KEM-768 key with its kind prefix
# (ugly_mugs.crypto.sealing.MAX_PUBLIC_KEY_BYTES; a test keeps the two equal). First-release
# X25519 keys are 32 bytes.
PUBLIC_KEY_BYTES = 1217


class RecoveryKey(Base):
    """The key pair whose private half is derived from the recovery passphrase."""

    __tablename__ = "recovery_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(PUBLIC_KEY_BYTES))
    salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    kdf_params: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GroupKey(Base):
    """The scheme key (kind 'scheme') or one police unit's key (kind 'unit')."""

    __tablename__ = "group_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    police_unit_id: Mapped[int | None] = mapped_column(ForeignKey("police_unit.id"), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(PUBLIC_KEY_BYTES))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sealed_copies: Mapped[list[SealedGroupKey]] = relationship(back_populates="group_key", cascade="all, delete-orphan")


class SealedGroupKey(Base):
    """A group's private key sealed to one holder (the recovery key, or a person later)."""

    __tablename__ = "sealed_group_key"
    __table_args__ = (UniqueConstraint("group_key_id", "recovery_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_key_id: Mapped[int] = mapped_column(ForeignKey("group_key.id", ondelete="CASCADE"))
    recovery_key_id: Mapped[int | None] = mapped_column(ForeignKey("recovery_key.id", ondelete="CASCADE"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    group_key: Mapped[GroupKey] = relationship(back_populates="sealed_copies")
