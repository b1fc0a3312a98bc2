"""A report: plain workflow columns, encrypted sections, and the sealed copies of section keys.

Plain columns hold only what statistics and workflow need and what cannot identify a
person (DESIGN.md §4). Everything the reporter wrote lives in ``ReportSection.ciphertext``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ugly_mugs.models.base import Base, UTCDateTime, new_id


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_status_received", "status", "received_at"),
        # The triage inbox pages newest first by (received_at, id) without sorting.
        Index("ix_report_received_id", "received_at", "id"),
        # Covers the monitoring counts of a period, which then never read the table itself.
        Index("ix_report_received_counts", "received_at", "status", "area_id", "reporter_type", "consent_level", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    # Short public reference shown to the reporter and to staff; random, not a counter.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # HKDF of the receipt code; finds the report without storing the code. Null once erased.
    receipt_lookup: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Truncated to the hour so that it cannot be matched against other records to the second.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    incident_week: Mapped[date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    police_unit_id: Mapped[int | None] = mapped_column(ForeignKey("police_unit.id"))
    reporter_type: Mapped[str] = mapped_column(String(16))
    consent_level: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # For reports filed by an outreach worker: who filed it and for which project.
    filed_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    # The public half of a key pair derived from her receipt code (``crypto.receipt``): staff seal
    # the keys of their messages to her with it, without her code. Stored at filing, or at her
    # first return visit for reports filed before messages; null once erased.
    receipt_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Whose turn it is to read a message ('reporter', 'coordinator'), or null: workflow only.
    message_waiting: Mapped[str | None] = mapped_column(String(16))

    categories: Mapped[list[ReportCategory]] = relationship(cascade="all, delete-orphan")
    sections: Mapped[list[ReportSection]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        order_by="ReportSection.id",
    )


class ReportCategory(Base):
    __tablename__ = "report_category"
    # The inbox filters by kind of incident; the primary key starts with report_id, so it cannot help.
    __table_args__ = (Index("ix_report_category_code", "code", "report_id"),)

    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)


class ReportSection(Base):
    """One encrypted section (identity, incident or perpetrator); additions add versions."""

    __tablename__ = "report_section"
    __table_args__ = (UniqueConstraint("report_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)

    report: Mapped[Report] = relationship(back_populates="sections")
    sealed_keys: Mapped[list[SealedSectionKey]] = relationship(back_populates="section", cascade="all, delete-orphan")


class SealedSectionKey(Base):
    """A section key sealed to one holder: the scheme key, the receipt key or a unit key."""

    __tablename__ = "sealed_section_key"
    __table_args__ = (UniqueConstraint("section_id", "holder", "group_key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("report_section.id", ondelete="CASCADE"), index=True)
    # 'scheme', 'receipt' or 'unit'
    holder: Mapped[str] = mapped_column(String(16))
    group_key_id: Mapped[int | None] = mapped_column(ForeignKey("group_key.id"))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)

    section: Mapped[ReportSection] = relationship(back_populates="sealed_keys")
