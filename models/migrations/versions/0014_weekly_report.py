"""weekly leadership report: one row per week sent, unique

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "weekly_report_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_report_sent")),
        sa.UniqueConstraint("week", name="uq_weekly_report_sent_once"),
    )


def downgrade() -> None:
    op.drop_table("weekly_report_sent")
