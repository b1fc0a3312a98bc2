"""Blind-index rows of identifiers, matching-key versions, and projects' check-API token digests.

Revision ID: 1a9ae5e8ace8
Revises: b3e1f0a2c9d4
Create Date: 2026-11-23 15:16:10.247736
"""

import sqlalchemy as sa
from alembic import op

revision = "1a9ae5e8ace8"
down_revision = "b3e1f0a2c9d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "matching_key_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_matching_key_version")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_matching_key_version_fingerprint")),
    )
    op.create_table(
        "identifier_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("partial", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_identifier_index_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identifier_index")),
        sa.UniqueConstraint("report_id", "kind", "digest", "key_version", name=op.f("uq_identifier_index_report_id")),
    )
    with op.batch_alter_table("identifier_index", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identifier_index_kind_digest", ["kind", "digest", "key_version", "partial"], unique=False
        )

    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.add_column(sa.Column("check_token_digest", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_project_check_token_digest"), ["check_token_digest"])


def downgrade() -> None:
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_project_check_token_digest"), type_="unique")
        batch_op.drop_column("check_token_digest")

    with op.batch_alter_table("identifier_index", schema=None) as batch_op:
        batch_op.drop_index("ix_identifier_index_kind_digest")

    op.drop_table("identifier_index")
    op.drop_table("matching_key_version")
