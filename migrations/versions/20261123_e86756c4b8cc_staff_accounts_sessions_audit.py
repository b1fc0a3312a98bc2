"""Staff accounts, projects, key-group memberships, server-side sessions and the audit log.

Revision ID: e86756c4b8cc
Revises: c56bb297b78a
Create Date: 2026-11-23 12:26:45.699494
"""

import sqlalchemy as sa
from alembic import op

revision = "e86756c4b8cc"
down_revision = "c56bb297b78a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("name", name=op.f("uq_project_name")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("police_unit_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("key_salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("key_params", sa.JSON(), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("recovery_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("encrypted_totp_secret", sa.LargeBinary(), nullable=True),
        sa.Column("totp_confirmed", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["police_unit_id"], ["police_unit.id"], name=op.f("fk_account_police_unit_id_police_unit")
        ),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_account_project_id_project")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("username", name=op.f("uq_account_username")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=True),
        sa.Column("subject_account_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], name=op.f("fk_audit_entry_actor_id_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entry_hash")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_action_at", ["action", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_entry_report_id"), ["report_id"], unique=False)

    op.create_table(
        "group_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=True),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_group_membership_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["approved_by"], ["account.id"], name=op.f("fk_group_membership_approved_by_account")),
        sa.ForeignKeyConstraint(
            ["group_key_id"],
            ["group_key.id"],
            name=op.f("fk_group_membership_group_key_id_group_key"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["invited_by"], ["account.id"], name=op.f("fk_group_membership_invited_by_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_membership")),
        sa.UniqueConstraint("group_key_id", "account_id", name=op.f("uq_group_membership_group_key_id")),
    )
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_membership_account_id"), ["account_id"], unique=False)

    op.create_table(
        "staff_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("personal_key", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_staff_session_account_id_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_staff_session")),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_session_last_seen_at"), ["last_seen_at"], unique=False)

    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("filed_by_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_filed_by_account_id"), ["filed_by_account_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_report_project_id_project"), "project", ["project_id"], ["id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_report_filed_by_account_id_account"), "account", ["filed_by_account_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_report_filed_by_account_id_account"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_report_project_id_project"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_report_filed_by_account_id"))
        batch_op.drop_column("project_id")
        batch_op.drop_column("filed_by_account_id")

    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_staff_session_account_id"))

    op.drop_table("staff_session")
    with op.batch_alter_table("group_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_membership_account_id"))

    op.drop_table("group_membership")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_report_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entry_actor_id"))
        batch_op.drop_index("ix_audit_entry_action_at")

    op.drop_table("audit_entry")
    op.drop_table("account")
    op.drop_table("project")
