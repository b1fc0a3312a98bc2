"""Alerts, their messages and the delivery outbox; projects' areas and channels; case notes.

Revision ID: 18a7c87d9fbb
Revises: 7150d00761f9
Create Date: 2026-11-23 15:10:56.259776
"""

import sqlalchemy as sa
from alembic import op

revision = "18a7c87d9fbb"
down_revision = "7150d00761f9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_channel_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_channel")),
    )
    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_channel_project_id"), ["project_id"], unique=False)

    op.create_table(
        "project_area",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_project_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_project_area_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", "area_id", name=op.f("pk_project_area")),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("draft", sa.LargeBinary(), nullable=True),
        sa.Column("draft_key_scheme", sa.LargeBinary(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("retracted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["approved_by"], ["account.id"], name=op.f("fk_alert_approved_by_account")),
        sa.ForeignKeyConstraint(["created_by"], ["account.id"], name=op.f("fk_alert_created_by_account")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_alert_report_id_report"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("reference", name=op.f("uq_alert_reference")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_report_id"), ["report_id"], unique=False)

    op.create_table(
        "case_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["account.id"], name=op.f("fk_case_note_author_id_account")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_case_note_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_note_report_id"), ["report_id"], unique=False)

    op.create_table(
        "alert_area",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_area_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_alert_area_area_id_area")),
        sa.PrimaryKeyConstraint("alert_id", "area_id", name=op.f("pk_alert_area")),
    )
    op.create_table(
        "alert_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("areas", sa.String(length=1000), nullable=False),
        sa.Column("incident_week", sa.Date(), nullable=True),
        sa.Column("part_of_day", sa.String(length=16), nullable=True),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alert.id"], name=op.f("fk_alert_message_alert_id_alert"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["published_by"], ["account.id"], name=op.f("fk_alert_message_published_by_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_message")),
        sa.UniqueConstraint("alert_id", "sequence", name=op.f("uq_alert_message_alert_id")),
        sa.UniqueConstraint("message_id", name=op.f("uq_alert_message_message_id")),
    )
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_message_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["project_channel.id"],
            name=op.f("fk_delivery_channel_id_project_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["alert_message.id"], name=op.f("fk_delivery_message_id_alert_message"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_delivery_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("message_id", "channel_id", name=op.f("uq_delivery_message_id")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_project_id"), ["project_id"], unique=False)
        batch_op.create_index("ix_delivery_status_due", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))
        batch_op.add_column(sa.Column("feed_token_digest", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_project_feed_token_digest"), ["feed_token_digest"])


def downgrade() -> None:

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_project_feed_token_digest"), type_="unique")
        batch_op.drop_column("feed_token_digest")
        batch_op.drop_column("language")

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_status_due")
        batch_op.drop_index(batch_op.f("ix_delivery_project_id"))

    op.drop_table("delivery")
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_message_alert_id"))

    op.drop_table("alert_message")
    op.drop_table("alert_area")
    with op.batch_alter_table("case_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_note_report_id"))

    op.drop_table("case_note")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_report_id"))
        batch_op.drop_index(batch_op.f("ix_alert_published_at"))

    op.drop_table("alert")
    op.drop_table("project_area")
    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_channel_project_id"))

    op.drop_table("project_channel")
