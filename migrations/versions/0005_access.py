"""staff access: API tokens of their own, server-side console sessions, failed sign-ins

Revision ID: 0005_access
Revises: 0004_staff_lang
Create Date: 2026-12-01 21:30:00

Each user's one API token moves from ``users.token_hash`` to ``api_tokens`` (the column stays,
nullable and empty, so that nothing is dropped).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_access"
down_revision: str | None = "0004_staff_lang"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users") as batch:  # first, while no row refers to users yet
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"], unique=False)
    op.create_table(
        "staff_sessions",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("key_hash"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name_hash"),
    )
    op.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) "
        "SELECT id, token_hash, created_at FROM users WHERE token_hash IS NOT NULL"
    )
    op.execute("UPDATE users SET token_hash = NULL")


def downgrade() -> None:
    """Revert this revision (each user keeps its oldest live token)."""
    op.execute(
        "UPDATE users SET token_hash = (SELECT t.token_hash FROM api_tokens t "
        "WHERE t.user_id = users.id AND t.revoked_at IS NULL ORDER BY t.id LIMIT 1)"
    )
    op.drop_table("login_failures")
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
