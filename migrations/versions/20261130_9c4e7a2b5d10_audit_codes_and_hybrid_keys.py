"""Audit entries get an authentication code under a key kept outside the database (null for
the entries written before it); public key columns grow to hold hybrid X25519 + ML-KEM-768
keys with their kind prefix (1217 bytes; the first release's X25519 keys stay 32 bytes).

Revision ID: 9c4e7a2b5d10
Revises: 4c7e1d2b9a60
Create Date: 2026-11-30 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "9c4e7a2b5d10"
down_revision = "4c7e1d2b9a60"
branch_labels = None
depends_on = None

# (table, the first release's size, the size that holds a hybrid public key)
PUBLIC_KEY_COLUMNS = (("recovery_key", 32, 1217), ("group_key", 32, 1217), ("account", 32, 1217))


def upgrade() -> None:
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
    for table, old, new in PUBLIC_KEY_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "public_key", existing_type=sa.LargeBinary(length=old), type_=sa.LargeBinary(length=new)
            )


def downgrade() -> None:
    # Hybrid keys do not fit the first release's declared size, but neither SQLite (BLOB) nor
    # PostgreSQL (bytea) enforces it; the keys stay readable by this release after going up again.
    for table, old, new in reversed(PUBLIC_KEY_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "public_key", existing_type=sa.LargeBinary(length=new), type_=sa.LargeBinary(length=old)
            )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("mac")
