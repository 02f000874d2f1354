"""/metrics counts emails by (status, kind) and notices by (target, rung) from indexes
alone, and /readyz finds the oldest unsent email among the unsent rows only

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_kind_created_at", table_name="outbox")
    op.create_index("ix_outbox_status_kind_created_at", "outbox",
                    ["status", "kind", "created_at"])
    op.create_index("ix_notice_target_rung", "notice", ["target", "rung"])


def downgrade() -> None:
    op.drop_index("ix_notice_target_rung", table_name="notice")
    op.drop_index("ix_outbox_status_kind_created_at", table_name="outbox")
    op.create_index("ix_outbox_kind_created_at", "outbox", ["kind", "created_at"])
