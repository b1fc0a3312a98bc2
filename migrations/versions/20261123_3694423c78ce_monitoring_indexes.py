"""Indexes for the monitoring figures: a covering index of reports by received time with the
columns a period is counted by; alert messages by publication; police releases by hand-over.

Revision ID: 3694423c78ce
Revises: 1a9ae5e8ace8
Create Date: 2026-11-23 16:34:51.407698
"""

from alembic import op

revision = "3694423c78ce"
down_revision = "1a9ae5e8ace8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_received_counts",
            ["received_at", "status", "area_id", "reporter_type", "consent_level", "id"],
            unique=False,
        )
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_message_published_at"), ["published_at"], unique=False)

    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_police_release_passed_at"), ["passed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_received_counts")
    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_police_release_passed_at"))

    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_message_published_at"))
