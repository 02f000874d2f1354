"""an index on lower(account.csm): the CSM's team is looked up at every intake

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_account_csm_lower", "account", [sa.text("lower(csm)")])


def downgrade() -> None:
    op.drop_index("ix_account_csm_lower", table_name="account")
