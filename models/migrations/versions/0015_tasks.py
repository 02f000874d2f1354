"""Playbook tasks and Escalation Ask items, tracked per escalation

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("escalation_id", sa.Integer(), sa.ForeignKey("escalation.id"),
                  nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("role", sa.String(120), nullable=False),
        sa.Column("assignee", sa.String(320), nullable=False),
        sa.Column("after", sa.Integer(), nullable=True),
        sa.Column("due_seconds", sa.Integer(), nullable=False),
        sa.Column("climb_seconds", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(320), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("climbed_at", sa.DateTime(), nullable=True),
        sa.Column("next_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("escalation_id", "kind", "number", name="uq_task_number"),
    )
    op.create_index("ix_task_next_at", "task", ["next_at"])
    op.create_index("ix_task_escalation_id", "task", ["escalation_id"])


def downgrade() -> None:
    op.drop_index("ix_task_escalation_id", table_name="task")
    op.drop_index("ix_task_next_at", table_name="task")
    op.drop_table("task")
