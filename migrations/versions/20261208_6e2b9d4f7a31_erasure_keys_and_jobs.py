"""Erasure keys held outside the database (P8): the reports that still need one, erasures asked
for by one coordinator and waiting for a second, and the leases of scheduled jobs.

The erasure keys themselves live in the key store (``UGLY_MUGS_KEYSTORE_URL``), which a
migration cannot reach. So this revision lists every existing report in
``pending_erasure_key``; ``flask --app wsgi db upgrade`` then runs the second step at once
(``keys migrate-erasure`` does the same on its own): each listed report gets its erasure key
and every sealed key of it is wrapped, or, for a report erased before, what it left behind goes
and a tombstone is written. A report that is already wrapped (migrated up, down and up again)
is recognised by its key and left as it is.

Downgrading drops these tables but cannot unwrap seals (the key store is out of reach here):
the previous release cannot open reports filed or migrated since; migrate up again to read them.

Revision ID: 6e2b9d4f7a31
Revises: 6e2b9d4f1c38
Create Date: 2026-12-01 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "6e2b9d4f7a31"
down_revision = "6e2b9d4f1c38"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_erasure_key",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_pending_erasure_key_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_pending_erasure_key")),
    )
    op.execute("INSERT INTO pending_erasure_key (report_id) SELECT id FROM report")
    op.create_table(
        "erasure_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["account.id"], name=op.f("fk_erasure_request_decided_by_account")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_erasure_request_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["requested_by"], ["account.id"], name=op.f("fk_erasure_request_requested_by_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_request")),
    )
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erasure_request_report_id"), ["report_id"], unique=False)
    op.create_table(
        "scheduled_job",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("leased_until", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduled_job")),
    )


def downgrade() -> None:
    op.drop_table("scheduled_job")
    with op.batch_alter_table("erasure_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erasure_request_report_id"))
    op.drop_table("erasure_request")
    op.drop_table("pending_erasure_key")
