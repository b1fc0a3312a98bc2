"""Subscribers' numbers keep no digits in clear: the last two digits stored as a hint for staff
(``subscription.contact_hint``) are dropped. No page showed them and nothing else read them, and
two digits of her number in the raw database and its backups narrow down who she is for anyone
holding a copy. Downgrading brings the column back empty (the digits are not recoverable: the
number is sealed to a key only the sending worker holds).

Revision ID: d71f3b9e5a20
Revises: a4c2e9d7f1b3
Create Date: 2026-12-14 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "d71f3b9e5a20"
down_revision = "a4c2e9d7f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Emptied first: on PostgreSQL a dropped column's values stay in the table's pages until
    # they are rewritten; NULLs written now leave the live rows without them.
    op.execute(sa.text("UPDATE subscription SET contact_hint = NULL"))
    with op.batch_alter_table("subscription") as batch:
        batch.drop_column("contact_hint")


def downgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.add_column(sa.Column("contact_hint", sa.String(length=4), nullable=True))
