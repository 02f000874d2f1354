"""the weekly report reads the escalations acknowledged in a week, and the reviews
completed in it, through indexes

Revision ID: 0016
Revises: 0015
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_escalation_acknowledged_at": ("escalation", ["acknowledged_at"]),
    "ix_review_completed_at": ("review", ["completed_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
