"""Alerts, the projects they go to, and the outbox of deliveries to those projects' channels.

A draft is report-derived text that nobody has yet checked for anonymity, so it is stored only
encrypted, under a fresh key sealed to the scheme key. Once published, an alert message is by
design shared with every project in its areas: its text is kept readable so that feeds, the
printable sheet and the number check can serve it without any key.

Publishing writes the message and one ``Delivery`` row per project channel in the same
transaction (the transactional outbox); the dispatch worker only ever reads the outbox.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugly_mugs.models.base import Base, UTCDateTime, utcnow

# What staff pages call each severity, most pressing first. (Bulletins to projects word them in
# the project's language: alerts/delivery/wording.py.)
SEVERITY_LABELS = {"urgent": "Urgent", "warning": "Warning", "information": "Information"}
SEVERITIES = tuple(SEVERITY_LABELS)
ALERT_STATUSES = ("draft", "awaiting_approval", "published", "retracted")
MESSAGE_KINDS = ("alert", "update", "retraction")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class ProjectArea(Base):
    """An area a project covers: it receives the alerts for that area."""

    __tablename__ = "project_area"

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)


class ProjectChannel(Base):
    """One way a project receives alerts: a destination of one registered channel kind.

    ``kind`` names a channel of ``alerts.delivery.channels`` (the registry says which kinds
    exist and what their ``target`` and ``secret`` hold: an email address; a webhook URL and its
    signing secret). Channels are switched off rather than deleted, so that the deliveries made
    to them stay on record.
    """

    __tablename__ = "project_channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    # The signing secret of a kind that has one (a webhook's HMAC-SHA256 key; the receiver holds the
    # same value), sealed under the delivery key kept outside the database (ugly_mugs/keys/channel_secrets.py).
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """An alert about one perpetrator, from a draft to its published messages, updates and retraction."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short public reference, e.g. A-7K3M9Q; random, not a counter.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # The report it was written from; kept null after the report is gone.
    report_id: Mapped[str | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    severity: Mapped[str] = mapped_column(String(16))
    # The working draft (title and body as JSON), encrypted under a key sealed to the scheme key.
    draft: Mapped[bytes | None] = mapped_column(LargeBinary)
    draft_key_scheme: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who sent the draft for approval; the approver must be someone else (and not its author).
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # Set when a second coordinator approved publishing (when approval is required).
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertArea(Base):
    __tablename__ = "alert_area"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)


class AlertMessage(Base):
    """What went out: the first publication of an alert, each update, and its retraction."""

    __tablename__ = "alert_message"
    __table_args__ = (
        UniqueConstraint("alert_id", "sequence"),
        # Covers the monitoring figures, which count messages by the day they went out, by kind
        # and severity, and time each first publication from its alert's report.
        Index("ix_alert_message_published_counts", "published_at", "kind", "severity", "alert_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    # Stable across every channel and every retry, so that a receiver can drop a duplicate.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # The areas' names as published, so that the record stays true if areas are renamed.
    areas: Mapped[str] = mapped_column(String(1000))
    # Coarse time of the incident as published: a week and a part of the day.
    incident_week: Mapped[date | None] = mapped_column(Date)
    part_of_day: Mapped[str | None] = mapped_column(String(16))
    published_by: Mapped[int] = mapped_column(ForeignKey("account.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One message to one project channel or one subscriber: the outbox row the dispatch worker
    claims, sends and marks.

    A project delivery has ``project_id`` and ``channel_id``; a subscriber's has
    ``subscription_id`` (and goes with her subscription when it is erased). A subscriber's
    delivery is either an alert message (``message_id``) or a notice (``notice``: her
    verification code, the help text, the confirmation of a stop) whose text is sealed to the
    dispatch key in ``payload_sealed``.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("message_id", "channel_id"),
        UniqueConstraint("message_id", "subscription_id", name="uq_delivery_message_id_subscription_id"),
        CheckConstraint(
            "(channel_id IS NOT NULL AND project_id IS NOT NULL AND subscription_id IS NULL "
            "AND message_id IS NOT NULL) OR (subscription_id IS NOT NULL AND channel_id IS NULL "
            "AND (message_id IS NOT NULL OR notice IS NOT NULL))",
            name="one_recipient",
        ),
        Index("ix_delivery_status_due", "status", "next_attempt_at"),
        # Covers the monitoring figure of projects reached by a period's messages.
        Index("ix_delivery_message_counts", "message_id", "status", "project_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("alert_message.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("project_channel.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"), index=True)
    # A subscriber's notice instead of an alert message: "code", "help" or "stopped".
    notice: Mapped[str | None] = mapped_column(String(16))
    # The notice's text, sealed to the dispatch public key (a verification code is a secret).
    payload_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What the gateway's delivery report last said: "delivered", "failed" or "pending".
    handset_state: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A claim: the worker that holds the row and until when; an expired lease may be claimed again.
    leased_by: Mapped[str | None] = mapped_column(String(64))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reason of the last failure (an SMTP or HTTP status, never message content).
    last_error: Mapped[str | None] = mapped_column(String(500))


class DispatchWorker(Base):
    """A dispatch worker's heartbeat: when it started, when it was last seen (database clock), and
    whether it stopped cleanly. One row per worker process; the failed-deliveries page and
    ``/healthz/delivery`` call a worker whose heartbeat is old stalled or dead."""

    __tablename__ = "dispatch_worker"

    # host:pid:random, as in Delivery.leased_by.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deliveries this worker marked since it started (sent, retried or failed): it moves while the worker works.
    handled: Mapped[int] = mapped_column(Integer, default=0)


class CaseNote(Base):
    """A coordinator's note on a report, encrypted under a key sealed to the scheme key."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
