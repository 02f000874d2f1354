"""accounts (directory, alias keys, escalation links) and post-escalation reviews

Escalations recorded before this revision are linked to accounts created from their
account names (source "intake"), so every escalation has its account from here on.

Revision ID: 0003
Revises: 0002
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from models.account import account_key

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("arr", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("segment", sa.String(length=100), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("csm", sa.String(length=320), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("health", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
    )
    with op.batch_alter_table("account") as batch:
        batch.create_index("ix_account_renewal_date", ["renewal_date"])
    op.create_table(
        "account_alias",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"],
                                name=op.f("fk_account_alias_account_id_account")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_account_alias")),
    )
    with op.batch_alter_table("account_alias") as batch:
        batch.create_index("ix_account_alias_account_id", ["account_id"])
    op.create_table(
        "escalation_account",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"],
                                name=op.f("fk_escalation_account_account_id_account")),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"],
                                name=op.f("fk_escalation_account_escalation_id_escalation")),
        sa.PrimaryKeyConstraint("escalation_id", name=op.f("pk_escalation_account")),
    )
    with op.batch_alter_table("escalation_account") as batch:
        batch.create_index("ix_escalation_account_account_id", ["account_id", "escalation_id"])
    op.create_table(
        "review",
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("next_reminder_at", sa.DateTime(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("prevention", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=320), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"],
                                name=op.f("fk_review_escalation_id_escalation")),
        sa.PrimaryKeyConstraint("escalation_id", name=op.f("pk_review")),
    )
    with op.batch_alter_table("review") as batch:
        batch.create_index("ix_review_next_reminder_at", ["next_reminder_at"])
    _link_existing()


def _link_existing() -> None:
    """One account per distinct account key among existing escalations, and their links."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, account FROM escalation ORDER BY id")).all()
    now = datetime.now(UTC).replace(tzinfo=None)
    ids: dict[str, int] = {}
    for esc_id, name in rows:
        key = account_key(name)
        if key not in ids:
            ids[key] = conn.execute(sa.text(
                "INSERT INTO account (name, segment, csm, team, health, source, created_at) "
                "VALUES (:name, '', '', '', '', 'intake', :now) RETURNING id"),
                {"name": name, "now": now}).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO account_alias (key, account_id, alias) VALUES (:k, :a, :n)"),
                {"k": key, "a": ids[key], "n": name})
        conn.execute(sa.text(
            "INSERT INTO escalation_account (escalation_id, account_id) VALUES (:e, :a)"),
            {"e": esc_id, "a": ids[key]})


def downgrade() -> None:
    op.drop_table("review")
    op.drop_table("escalation_account")
    op.drop_table("account_alias")
    op.drop_table("account")
