"""Reports passed to police units, officers' outcomes, and consent recorded by two coordinators.

Revision ID: 7150d00761f9
Revises: e86756c4b8cc
Create Date: 2026-11-23 13:32:32.110991
"""

import sqlalchemy as sa
from alembic import op

revision = "7150d00761f9"
down_revision = "e86756c4b8cc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "police_release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("police_unit_id", sa.Integer(), nullable=False),
        sa.Column("passed_by", sa.Integer(), nullable=False),
        sa.Column("passed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.LargeBinary(), nullable=True),
        sa.Column("note_key_scheme", sa.LargeBinary(), nullable=True),
        sa.Column("note_key_unit", sa.LargeBinary(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("crime_reference", sa.LargeBinary(), nullable=True),
        sa.Column("crime_reference_key_scheme", sa.LargeBinary(), nullable=True),
        sa.Column("crime_reference_key_unit", sa.LargeBinary(), nullable=True),
        sa.Column("consent_withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acknowledged_by"], ["account.id"], name=op.f("fk_police_release_acknowledged_by_account")
        ),
        sa.ForeignKeyConstraint(["passed_by"], ["account.id"], name=op.f("fk_police_release_passed_by_account")),
        sa.ForeignKeyConstraint(
            ["police_unit_id"], ["police_unit.id"], name=op.f("fk_police_release_police_unit_id_police_unit")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_police_release_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_release")),
        sa.UniqueConstraint("report_id", "police_unit_id", name=op.f("uq_police_release_report_id")),
    )
    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_police_release_police_unit_id"), ["police_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_police_release_report_id"), ["report_id"], unique=False)

    op.create_table(
        "staff_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=24), nullable=False),
        sa.Column("given_by", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["decided_by"], ["account.id"], name=op.f("fk_staff_consent_decided_by_account")),
        sa.ForeignKeyConstraint(["recorded_by"], ["account.id"], name=op.f("fk_staff_consent_recorded_by_account")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["report.id"], name=op.f("fk_staff_consent_report_id_report"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_consent")),
    )
    with op.batch_alter_table("staff_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_consent_report_id"), ["report_id"], unique=False)

    op.create_table(
        "police_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["recorded_by"], ["account.id"], name=op.f("fk_police_outcome_recorded_by_account")),
        sa.ForeignKeyConstraint(
            ["release_id"],
            ["police_release.id"],
            name=op.f("fk_police_outcome_release_id_police_release"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_outcome")),
    )
    with op.batch_alter_table("police_outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_police_outcome_release_id"), ["release_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("police_outcome", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_police_outcome_release_id"))

    op.drop_table("police_outcome")
    with op.batch_alter_table("staff_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_consent_report_id"))

    op.drop_table("staff_consent")
    with op.batch_alter_table("police_release", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_police_release_report_id"))
        batch_op.drop_index(batch_op.f("ix_police_release_police_unit_id"))

    op.drop_table("police_release")
