"""Initial schema: places, group keys, reports, encrypted sections, sealed keys, consent, throttling.

Revision ID: c56bb297b78a
Revises:
Create Date: 2026-11-23 12:12:59.940518
"""

import sqlalchemy as sa
from alembic import op

revision = "c56bb297b78a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "police_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_police_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_police_unit_code")),
    )
    op.create_table(
        "recovery_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("salt", sa.LargeBinary(length=16), nullable=False),
        sa.Column("kdf_params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_key")),
    )
    op.create_table(
        "throttle_window",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", "window_start", name=op.f("pk_throttle_window")),
    )
    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("police_unit_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["police_unit_id"],
            ["police_unit.id"],
            name=op.f("fk_area_police_unit_id_police_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
        sa.UniqueConstraint("code", name=op.f("uq_area_code")),
    )
    op.create_table(
        "group_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("police_unit_id", sa.Integer(), nullable=True),
        sa.Column("public_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["police_unit_id"],
            ["police_unit.id"],
            name=op.f("fk_group_key_police_unit_id_police_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_key")),
        sa.UniqueConstraint("police_unit_id", name=op.f("uq_group_key_police_unit_id")),
    )
    op.create_table(
        "report",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("receipt_lookup", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("incident_week", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("police_unit_id", sa.Integer(), nullable=True),
        sa.Column("reporter_type", sa.String(length=16), nullable=False),
        sa.Column("consent_level", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_report_area_id_area")),
        sa.ForeignKeyConstraint(
            ["police_unit_id"],
            ["police_unit.id"],
            name=op.f("fk_report_police_unit_id_police_unit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("receipt_lookup", name=op.f("uq_report_receipt_lookup")),
        sa.UniqueConstraint("reference", name=op.f("uq_report_reference")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index("ix_report_status_received", ["status", "received_at"], unique=False)

    op.create_table(
        "sealed_group_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_key_id", sa.Integer(), nullable=False),
        sa.Column("recovery_key_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_key_id"],
            ["group_key.id"],
            name=op.f("fk_sealed_group_key_group_key_id_group_key"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recovery_key_id"],
            ["recovery_key.id"],
            name=op.f("fk_sealed_group_key_recovery_key_id_recovery_key"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_group_key")),
        sa.UniqueConstraint(
            "group_key_id",
            "recovery_key_id",
            name=op.f("uq_sealed_group_key_group_key_id"),
        ),
    )
    op.create_table(
        "consent_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("from_level", sa.String(length=24), nullable=True),
        sa.Column("to_level", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_consent_change_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_change")),
    )
    with op.batch_alter_table("consent_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_change_report_id"), ["report_id"], unique=False)

    op.create_table(
        "report_category",
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_category_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "code", name=op.f("pk_report_category")),
    )
    op.create_table(
        "report_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["report.id"],
            name=op.f("fk_report_section_report_id_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_section")),
        sa.UniqueConstraint("report_id", "name", "version", name=op.f("uq_report_section_report_id")),
    )
    with op.batch_alter_table("report_section", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_section_report_id"), ["report_id"], unique=False)

    op.create_table(
        "sealed_section_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=16), nullable=False),
        sa.Column("group_key_id", sa.Integer(), nullable=True),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_key_id"],
            ["group_key.id"],
            name=op.f("fk_sealed_section_key_group_key_id_group_key"),
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["report_section.id"],
            name=op.f("fk_sealed_section_key_section_id_report_section"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sealed_section_key")),
        sa.UniqueConstraint(
            "section_id",
            "holder",
            "group_key_id",
            name=op.f("uq_sealed_section_key_section_id"),
        ),
    )
    with op.batch_alter_table("sealed_section_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sealed_section_key_section_id"), ["section_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sealed_section_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sealed_section_key_section_id"))

    op.drop_table("sealed_section_key")
    with op.batch_alter_table("report_section", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_section_report_id"))

    op.drop_table("report_section")
    op.drop_table("report_category")
    with op.batch_alter_table("consent_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_change_report_id"))

    op.drop_table("consent_change")
    op.drop_table("sealed_group_key")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_status_received")

    op.drop_table("report")
    op.drop_table("group_key")
    op.drop_table("area")
    op.drop_table("throttle_window")
    op.drop_table("recovery_key")
    op.drop_table("police_unit")
