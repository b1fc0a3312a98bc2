"""Triage and alert approval: indexes for the triage inbox; who sent an alert for approval.

The inbox pages newest first by (received_at, id) and filters by kind of incident; the two
indexes let it do both without sorting or scanning the whole table. The approver of an alert must be neither its author nor the coordinator who sent it for
approval; ``alert.submitted_by`` records the latter.

Revision ID: b3e1f0a2c9d4
Revises: 18a7c87d9fbb
Create Date: 2026-11-23 15:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3e1f0a2c9d4"
down_revision = "18a7c87d9fbb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_received_id", ["received_at", "id"], unique=False)
    with op.batch_alter_table("report_category", schema=None) as batch_op:
        batch_op.create_index("ix_report_category_code", ["code", "report_id"], unique=False)
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_by", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_alert_submitted_by_account"), "account", ["submitted_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alert_submitted_by_account"), type_="foreignkey")
        batch_op.drop_column("submitted_by")
    with op.batch_alter_table("report_category", schema=None) as batch_op:
        batch_op.drop_index("ix_report_category_code")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_received_id")
