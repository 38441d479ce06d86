"""Tables of staff access: API tokens, console sign-in sessions and failed sign-in counts.

Every secret is stored as its SHA-256 only. A session row is what makes a console cookie valid:
signing out deletes it, so a cookie copied before is worth nothing on any app node. Failed
sign-ins are counted per name (known or not, so that a lock tells nothing about who exists).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from triage.desk.models import Base, utcnow


class ApiToken(Base):
    """One API token of a user; revoked tokens stay listed with the moment they were revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()


class StaffSession(Base):
    """A console sign-in: valid while its row exists (the cookie holds the key, this its hash)."""

    __tablename__ = "staff_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginFailures(Base):
    """Failed console sign-ins of one name (hashed) since its last success or lock."""

    __tablename__ = "login_failures"

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
