"""Shared throttle counters: one row per counter with its own expiry, for the rate limits
that every process and host share (receipt guesses, number checks, logins, filing).

The counter's name (the limit and a keyed hash of the client) becomes the key alone and may
be longer; ``failures`` becomes ``hits`` (filings are counted too, not only failures); a new
``expires_at`` says when the counter lapses. Rows are converted both ways: an old counter
lapses at its window's start (it is only a throttle), a new one keeps its start.

Revision ID: 4c7e1d2b9a60
Revises: 5d2e8c1f4a7b
Create Date: 2026-11-30 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "4c7e1d2b9a60"
down_revision = "5d2e8c1f4a7b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per name from now on: keep the latest window of each.
    op.execute(
        "DELETE FROM throttle_window WHERE EXISTS (SELECT 1 FROM throttle_window AS later "
        "WHERE later.name = throttle_window.name AND later.window_start > throttle_window.window_start)"
    )
    with op.batch_alter_table("throttle_window", schema=None) as batch_op:
        batch_op.drop_constraint("pk_throttle_window", type_="primary")
        batch_op.alter_column("name", existing_type=sa.String(length=64), type_=sa.String(length=200))
        batch_op.alter_column("failures", new_column_name="hits", existing_type=sa.Integer(), existing_nullable=False)
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE throttle_window SET expires_at = window_start")
    with op.batch_alter_table("throttle_window", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_primary_key("pk_throttle_window", ["name"])
        batch_op.create_index(batch_op.f("ix_throttle_window_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("throttle_window", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_throttle_window_expires_at"))
        batch_op.drop_constraint("pk_throttle_window", type_="primary")
        batch_op.drop_column("expires_at")
        batch_op.alter_column("hits", new_column_name="failures", existing_type=sa.Integer(), existing_nullable=False)
    # Names longer than the old column held cannot go back; they are only throttle counters.
    op.execute("DELETE FROM throttle_window WHERE length(name) > 64")
    with op.batch_alter_table("throttle_window", schema=None) as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(length=200), type_=sa.String(length=64))
        batch_op.create_primary_key("pk_throttle_window", ["name", "window_start"])
