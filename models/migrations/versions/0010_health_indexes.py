"""indexes for admin alerts and /metrics: events by kind and time, inbound rows by outcome
and time, outbox rows by kind and time

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_event_kind_at": ("event", ["kind", "at"]),
    "ix_inbound_outcome_received_at": ("inbound", ["outcome", "received_at"]),
    "ix_outbox_kind_created_at": ("outbox", ["kind", "created_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table_name=table)
