"""queue: a subject on every ticket, the queue's sort indexes, a member's saved filters

Revision ID: 0008_queue
Revises: 0006_channels_safety
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_queue"
down_revision: str | None = "0006_channels_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_tickets_reported": ["reported_at", "id"],
    "ix_tickets_due": ["due_at", "id"],
    "ix_tickets_subject": ["subject", "id"],
    "ix_tickets_contact": ["contact", "id"],
    "ix_tickets_assignee": ["assignee", "id"],
    "ix_tickets_line_reported": ["line", "reported_at", "id"],
}
BATCH = 1000


def _backfill() -> None:
    """Older tickets get the first line of their description, shortened, as their subject."""
    from triage.desk.intake import subject_of

    conn = op.get_bind()
    tickets = sa.table(
        "tickets", sa.column("id", sa.Integer), sa.column("description"), sa.column("subject")
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(tickets.c.id, tickets.c.description)
            .where(tickets.c.id > last)
            .order_by(tickets.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            tickets.update().where(tickets.c.id == sa.bindparam("tid")),
            [{"tid": i, "subject": subject_of("", d or "")} for i, d in rows],
        )
        last = rows[-1][0]


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("subject", sa.String(length=200), nullable=False, server_default="")
        )
    _backfill()
    for name, columns in INDEXES.items():
        op.create_index(name, "tickets", columns)
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_saved_filters_owner_name"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("saved_filters")
    for name in INDEXES:
        op.drop_index(name, table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("subject")
