"""warnings before a breach, and the team whose ladder an escalation climbs

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.add_column(sa.Column("next_warning_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("team", sa.String(length=100), nullable=True))
        batch.create_index("ix_escalation_next_warning_at", ["next_warning_at"])


def downgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_index("ix_escalation_next_warning_at")
        batch.drop_column("team")
        batch.drop_column("next_warning_at")
