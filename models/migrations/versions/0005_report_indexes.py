"""indexes for the reports and the dashboard (models/report_indexes.py): covering indexes
for open escalations and the SLA period, resolved_at, notice (target, sent_at)

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalation") as batch:
        batch.create_index("ix_escalation_report_open",
                           ["status", "type", "category", "severity", "rung"])
        batch.create_index("ix_escalation_report_period",
                           ["opened_at", "severity", "rung", "status", "category",
                            "acknowledged_at", "resolved_at", "paused_seconds"])
        batch.create_index("ix_escalation_resolved_at", ["resolved_at"])
    with op.batch_alter_table("notice") as batch:
        batch.create_index("ix_notice_target_sent_at", ["target", "sent_at"])


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.drop_index("ix_notice_target_sent_at")
    with op.batch_alter_table("escalation") as batch:
        batch.drop_index("ix_escalation_resolved_at")
        batch.drop_index("ix_escalation_report_period")
        batch.drop_index("ix_escalation_report_open")
