"""Webhook signing secrets are sealed under the delivery key (kept outside the database) instead
of stored readable; dispatch workers record a heartbeat.

Upgrading seals every existing secret with the delivery key of the configuration it runs under
(``UGLY_MUGS_DELIVERY_KEY_FILE``, or the development key) and drops the readable column, so
the receivers keep the secrets they hold. Downgrading opens them again (the older release reads
them in the clear). Either way needs the delivery key when there are secrets to convert.

Revision ID: 6e2b9d4f1c38
Revises: 9c4e7a2b5d10
Create Date: 2026-12-07 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import context, op

import config as settings
from ugly_mugs.keys import channel_secrets

revision = "6e2b9d4f1c38"
down_revision = "9c4e7a2b5d10"
branch_labels = None
depends_on = None


def _delivery_key() -> bytes:
    key = context.config.attributes.get("delivery_key") or settings.load().get("DELIVERY_KEY")
    if not key:
        raise RuntimeError(
            "webhook secrets are to be sealed: set UGLY_MUGS_DELIVERY_KEY_FILE (32+ random bytes in hex) first"
        )
    return key


def upgrade() -> None:
    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret_sealed", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    table = sa.table(
        "project_channel",
        sa.column("id", sa.Integer),
        sa.column("secret", sa.String),
        sa.column("secret_sealed", sa.LargeBinary),
    )
    rows = conn.execute(sa.select(table.c.id, table.c.secret).where(table.c.secret.is_not(None))).all()
    if rows:
        key = _delivery_key()
        for channel_id, secret in rows:
            conn.execute(
                table.update()
                .where(table.c.id == channel_id)
                .values(secret_sealed=channel_secrets.seal(key, channel_id, secret))
            )
    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.drop_column("secret")

    op.create_table(
        "dispatch_worker",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("handled", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_worker")),
    )
    with op.batch_alter_table("dispatch_worker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatch_worker_seen_at"), ["seen_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dispatch_worker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatch_worker_seen_at"))
    op.drop_table("dispatch_worker")

    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=128), nullable=True))
    conn = op.get_bind()
    table = sa.table(
        "project_channel",
        sa.column("id", sa.Integer),
        sa.column("secret", sa.String),
        sa.column("secret_sealed", sa.LargeBinary),
    )
    rows = conn.execute(sa.select(table.c.id, table.c.secret_sealed).where(table.c.secret_sealed.is_not(None))).all()
    if rows:
        key = _delivery_key()
        for channel_id, sealed in rows:
            conn.execute(
                table.update()
                .where(table.c.id == channel_id)
                .values(secret=channel_secrets.open_secret(key, channel_id, sealed))
            )
    with op.batch_alter_table("project_channel", schema=None) as batch_op:
        batch_op.drop_column("secret_sealed")
