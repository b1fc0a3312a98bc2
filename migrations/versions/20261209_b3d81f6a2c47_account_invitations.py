"""Staff onboarding by invitation (issue 17): an account is made without a password or key pair
and its person sets both by opening a single-use, expiring link.

Only a keyed hash of the link's token is stored (``invitation_digest``, unique so that one
lookup finds the account), with the moment it stops working. Accepting, re-issuing or
deactivating clears or replaces both. Existing accounts have no invitation (both null).

Revision ID: b3d81f6a2c47
Revises: 6e2b9d4f7a31
Create Date: 2026-12-09 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b3d81f6a2c47"
down_revision = "6e2b9d4f7a31"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("invitation_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_account_invitation_digest"), ["invitation_digest"])


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_account_invitation_digest"), type_="unique")
        batch_op.drop_column("invitation_expires_at")
        batch_op.drop_column("invitation_digest")
