"""Covering indexes for the monitoring figures of a whole year: alert messages by publication
with kind, severity and alert; deliveries by message with status and project; police releases
by hand-over with their report; and police outcomes of a release in the order "latest" means,
with the outcome. Each replaces the narrower index it starts with.

Revision ID: 5d2e8c1f4a7b
Revises: 3694423c78ce
Create Date: 2026-11-23 18:55:00.000000
"""

from alembic import op

revision = "5d2e8c1f4a7b"
down_revision = "3694423c78ce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_message_published_at")
        batch_op.create_index(
            "ix_alert_message_published_counts", ["published_at", "kind", "severity", "alert_id"], unique=False
        )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_message_counts", ["message_id", "status", "project_id"], unique=False)
    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.drop_index("ix_police_release_passed_at")
        batch_op.create_index("ix_police_release_passed_counts", ["passed_at", "report_id", "id"], unique=False)
    with op.batch_alter_table("police_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_police_outcome_release_id")
        batch_op.create_index(
            "ix_police_outcome_latest", ["release_id", "outcome_date", "recorded_at", "id", "outcome"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("police_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_police_outcome_latest")
        batch_op.create_index("ix_police_outcome_release_id", ["release_id"], unique=False)
    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.drop_index("ix_police_release_passed_counts")
        batch_op.create_index("ix_police_release_passed_at", ["passed_at"], unique=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_message_counts")
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_message_published_counts")
        batch_op.create_index("ix_alert_message_published_at", ["published_at"], unique=False)
