"""outbox.channel, payload and queue: one outbox for email, webhooks, Slack and Teams
(existing rows are email); disabled_destination for receivers that answered 410 Gone

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(20), nullable=False,
                                   server_default="email"))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("queue", sa.String(400), nullable=True))
    op.create_index("ix_outbox_queue_id", "outbox", ["queue", "id"])
    op.create_table(
        "disabled_destination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disabled_destination")),
        sa.UniqueConstraint("channel", "address", "url_hash",
                            name=op.f("uq_disabled_destination_channel")),
    )


def downgrade() -> None:
    op.drop_table("disabled_destination")
    op.drop_index("ix_outbox_queue_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("queue")
        batch.drop_column("payload")
        batch.drop_column("channel")
