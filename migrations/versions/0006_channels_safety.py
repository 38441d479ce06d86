"""channels safety: one active ticket per alert fingerprint; no plain tokens left in the outbox

Revision ID: 0006_channels_safety
Revises: 0005_access
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_channels_safety"
down_revision: str | None = "0005_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRET_KEYS = ("token",)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "alert_fingerprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    # Each fingerprint's latest ticket: firings keep going to it while it is active.
    op.execute(
        "INSERT INTO alert_fingerprints (fingerprint, ticket_id, updated_at) "
        "SELECT fingerprint, MAX(ticket_id), MAX(updated_at) FROM alert_episodes "
        "WHERE ticket_id IS NOT NULL GROUP BY fingerprint"
    )
    # Messages already sent, given up or dropped never need their token again: erase it.
    # (Pending ones keep it until their sender erases it after the delivery.)
    conn = op.get_bind()
    outbox = sa.table(
        "outbox", sa.column("id", sa.Integer), sa.column("status"), sa.column("context", sa.JSON)
    )
    done = sa.select(outbox.c.id, outbox.c.context).where(
        outbox.c.status.in_(("sent", "failed", "dropped"))
    )
    for row_id, context in conn.execute(done).all():
        if isinstance(context, dict) and any(k in context for k in SECRET_KEYS):
            kept = {k: v for k, v in context.items() if k not in SECRET_KEYS}
            conn.execute(sa.update(outbox).where(outbox.c.id == row_id).values(context=kept))


def downgrade() -> None:
    """Nothing is ever dropped: the desk keeps its data."""
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
