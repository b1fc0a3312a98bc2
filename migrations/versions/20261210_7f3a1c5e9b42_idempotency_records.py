"""Idempotency records of filings: a retried filing (the API's Idempotency-Key, the reporter
form's token) gets the first answer back and files nothing twice. Only a keyed hash of the key,
a tag of the body and the answer sealed under a key derived from the key are stored
(``reports.idempotency``); rows expire after 24 hours and go with their report.

Revision ID: 7f3a1c5e9b42
Revises: b3d81f6a2c47
Create Date: 2026-12-09 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7f3a1c5e9b42"
down_revision = "b3d81f6a2c47"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("body_tag", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("sealed_answer", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_idempotency_record_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_idempotency_record")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_record_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_idempotency_record_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_report_id"))
        batch_op.drop_index(batch_op.f("ix_idempotency_record_expires_at"))
    op.drop_table("idempotency_record")
