"""the report's covering indexes end with escalation.id: PostgreSQL indexes do not carry
the row id as SQLite's do, so joins from the open rows (to their accounts) and from the
SLA period (to reviews and notices) read the table without it

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = ["status", "type", "category", "severity", "rung"]
PERIOD = ["opened_at", "severity", "rung", "status", "category", "acknowledged_at",
          "resolved_at", "paused_seconds"]


def _recreate(open_columns: list[str], period_columns: list[str]) -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.drop_index("ix_escalation_report_open")
        batch.drop_index("ix_escalation_report_period")
        batch.create_index("ix_escalation_report_open", open_columns)
        batch.create_index("ix_escalation_report_period", period_columns)


def upgrade() -> None:
    _recreate([*OPEN, "id"], [*PERIOD, "id"])


def downgrade() -> None:
    _recreate(OPEN, PERIOD)
