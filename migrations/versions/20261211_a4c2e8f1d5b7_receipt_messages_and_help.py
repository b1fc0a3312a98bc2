"""Messages on the receipt and the help shown to reporters: the public half of the key pair
derived from her receipt code (staff seal their messages to it), whose turn it is to read a
message, and the installation's settings (the help and support numbers an admin edits).
Messages themselves are report sections named ``message``: no table of their own.

Revision ID: a4c2e8f1d5b7
Revises: 7f3a1c5e9b42
Create Date: 2026-12-11 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c2e8f1d5b7"
down_revision = "7f3a1c5e9b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_public_key", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("message_waiting", sa.String(length=16), nullable=True))
    op.create_table(
        "site_setting",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_site_setting")),
    )


def downgrade() -> None:
    op.drop_table("site_setting")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("message_waiting")
        batch_op.drop_column("receipt_public_key")
