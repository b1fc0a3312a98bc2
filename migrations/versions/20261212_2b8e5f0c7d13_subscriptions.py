"""Individual subscriptions to alerts by text message or email: the subscriber (her number or
address sealed to the dispatch key, a keyed blind index, her language, areas and state), and
deliveries to a subscriber beside those to a project's channel (a delivery now names either a
project channel or a subscription; a subscriber's notice carries its text sealed).

Revision ID: 2b8e5f0c7d13
Revises: a4c2e8f1d5b7
Create Date: 2026-12-11 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "2b8e5f0c7d13"
down_revision = "a4c2e8f1d5b7"
branch_labels = None
depends_on = None

ONE_RECIPIENT = (
    "(channel_id IS NOT NULL AND project_id IS NOT NULL AND subscription_id IS NULL "
    "AND message_id IS NOT NULL) OR (subscription_id IS NOT NULL AND channel_id IS NULL "
    "AND (message_id IS NOT NULL OR notice IS NOT NULL))"
)


def upgrade() -> None:
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("contact_index", sa.String(length=64), nullable=False),
        sa.Column("contact_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("contact_hint", sa.String(length=4), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(), nullable=True),
        sa.Column("code_attempts", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription")),
        sa.UniqueConstraint("contact_index", name=op.f("uq_subscription_contact_index")),
        sa.UniqueConstraint("public_id", name=op.f("uq_subscription_public_id")),
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_last_activity_at"), ["last_activity_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscription_state"), ["state"], unique=False)
    op.create_table(
        "subscription_area",
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_subscription_area_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscription.id"],
            name=op.f("fk_subscription_area_subscription_id_subscription"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("subscription_id", "area_id", name=op.f("pk_subscription_area")),
    )
    with op.batch_alter_table("subscription_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscription_area_area_id"), ["area_id"], unique=False)
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notice", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("payload_sealed", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("handset_state", sa.String(length=16), nullable=True))
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("channel_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_delivery_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_unique_constraint("uq_delivery_message_id_subscription_id", ["message_id", "subscription_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_subscription_id_subscription"),
            "subscription",
            ["subscription_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint("one_recipient", ONE_RECIPIENT)


def downgrade() -> None:
    # Deliveries to subscribers have no place in the older schema: they go with the subscribers.
    op.execute("DELETE FROM delivery WHERE subscription_id IS NOT NULL")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_constraint("one_recipient", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_delivery_subscription_id_subscription"), type_="foreignkey")
        batch_op.drop_constraint("uq_delivery_message_id_subscription_id", type_="unique")
        batch_op.drop_index(batch_op.f("ix_delivery_subscription_id"))
        batch_op.alter_column("channel_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("project_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("handset_state")
        batch_op.drop_column("payload_sealed")
        batch_op.drop_column("notice")
        batch_op.drop_column("subscription_id")
    with op.batch_alter_table("subscription_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_area_area_id"))
    op.drop_table("subscription_area")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_state"))
        batch_op.drop_index(batch_op.f("ix_subscription_last_activity_at"))
    op.drop_table("subscription")
