"""Reports passed to police units, the officers' feedback, and consent recorded by staff.

What a unit may read is decided by the section keys sealed to it (ugly_mugs.reports.sections);
these rows record the workflow around that: who passed a report on and when, whether the
unit acknowledged it, the crime reference and outcomes, and consent that a reporter gave
by phone or in person, which needs two coordinators before anything is sealed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime

# The outcomes an officer can record, with the words the police portal, the report pages and
# the monitoring figures show for them.
OUTCOME_LABELS = {
    "recorded_as_crime": "Recorded as a crime",
    "under_investigation": "Under investigation",
    "suspect_arrested": "Suspect arrested",
    "charged": "Charged",
    "convicted": "Convicted",
    "no_further_action": "No further action",
}
OUTCOMES = tuple(OUTCOME_LABELS)


class PoliceRelease(Base):
    """A report passed on to the police unit of its area."""

    __tablename__ = "police_release"
    __table_args__ = (
        UniqueConstraint("report_id", "police_unit_id"),
        # Covers the monitoring figures, which count releases by the day they were passed on.
        Index("ix_police_release_passed_counts", "passed_at", "report_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    police_unit_id: Mapped[int] = mapped_column(ForeignKey("police_unit.id"), index=True)
    passed_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    passed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The coordinator's covering note, encrypted; its key is sealed to the scheme and the unit.
    note: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_key_scheme: Mapped[bytes | None] = mapped_column(LargeBinary)
    note_key_unit: Mapped[bytes | None] = mapped_column(LargeBinary)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # The crime reference links to police records, so it is encrypted like the note.
    crime_reference: Mapped[bytes | None] = mapped_column(LargeBinary)
    crime_reference_key_scheme: Mapped[bytes | None] = mapped_column(LargeBinary)
    crime_reference_key_unit: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Set when the reporter withdraws or narrows consent after the report was passed on.
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PoliceOutcome(Base):
    """An outcome the officer recorded (statistics may count these: they name no one)."""

    __tablename__ = "police_outcome"
    # A release's outcomes in the order "latest" means, with the outcome itself: finding the
    # latest outcome of each release reads this index alone.
    __table_args__ = (Index("ix_police_outcome_latest", "release_id", "outcome_date", "recorded_at", "id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("police_release.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(32))
    outcome_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffConsent(Base):
    """Consent a reporter gave by phone or in person: recorded by one coordinator, approved by another."""

    __tablename__ = "staff_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(24))
    # 'phone' or 'in_person'
    given_by: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 'pending', 'approved', 'rejected' or 'superseded' (consent changed while it was pending)
    state: Mapped[str] = mapped_column(String(16), default="pending")
