"""tickets keep their tracking token sealed (encrypted) for the status links of later mails

Revision ID: 0009_customer
Revises: 0008_queue
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_customer"
down_revision: str | None = "0008_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (tickets filed before it have no sealed token: None)."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("token_sealed", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("token_sealed")
