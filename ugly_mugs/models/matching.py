"""Blind-index rows of the identifiers in reports, and the versions of the matching key.

An index row holds only an HMAC-SHA256 digest of a normalised identifier under a key derived
from the matching key, which is kept outside the database: without it a digest cannot be
tested against guessed phone numbers. Rows belong to their report and go with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime, utcnow


class IdentifierIndex(Base):
    """One identifier of one report: its kind and keyed digest under one matching-key version."""

    __tablename__ = "identifier_index"
    __table_args__ = (
        # Also the index by report (its first column), for a report's links and for erasure.
        UniqueConstraint("report_id", "kind", "digest", "key_version"),
        # Checks and links look up (kind, digest) within one key version; a whole plate's fragment
        # looks only for partial rows, which ``partial`` last in the index lets it reach directly.
        Index("ix_identifier_index_kind_digest", "kind", "digest", "key_version", "partial"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    # phone, vehicle, email, username, or vehicle_part (a fragment of a plate)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64))
    key_version: Mapped[int] = mapped_column(Integer)
    # From an incomplete plate: its links are possible matches, never certain ones.
    partial: Mapped[bool] = mapped_column(default=False)


class MatchingKeyVersion(Base):
    """Which version number a matching key has, known by a fingerprint derived from it (not the key)."""

    __tablename__ = "matching_key_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
