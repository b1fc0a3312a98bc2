"""Counts per local day and month for the monitoring figures (``stats.rollup``): one row per
span (day or month), day, dimension (area, reporter, consent, status, category, police outcome,
alert message, hours from report to alert) and value, kept up to date in the
transaction of each filing and change, and filled here from the reports already stored.

Revision ID: a4c2e9d7f1b3
Revises: 2b8e5f0c7d13
Create Date: 2026-12-11 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a4c2e9d7f1b3"
down_revision = "2b8e5f0c7d13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_day_count",
        sa.Column("span", sa.String(length=8), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("span", "day", "dimension", "value", name=op.f("pk_stats_day_count")),
    )
    # The rows of the reports already stored; in the scheme's zone as configured now (a later
    # change of UGLY_MUGS_TIMEZONE needs ``flask --app wsgi stats rebuild``).
    from ugly_mugs.stats import rollup

    rollup.rebuild_connection(op.get_bind())


def downgrade() -> None:
    op.drop_table("stats_day_count")
