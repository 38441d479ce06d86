"""The desk's tables (SQLAlchemy 2 typed models): tickets, their event log, users, ref counters.

Nothing is ever deleted: a ticket changes status, events are only appended. Datetimes are
stored as UTC and always come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

CHANNELS = ("web", "email", "phone", "alert", "api")
ROLES = ("l1", "l2", "l3", "writer", "admin")


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Refuse naive datetimes; store UTC (naive on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The desk's declarative base."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Ticket(Base):
    """A support request: who, what, how it was classified (three ways), where it stands."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue", "line", "status", "due_at", "reported_at"),
        Index("ix_tickets_status", "status"),
        # the queue's sort orders, each ending in id for keyset pagination (triage.desk.queue)
        Index("ix_tickets_reported", "reported_at", "id"),
        Index("ix_tickets_due", "due_at", "id"),
        Index("ix_tickets_subject", "subject", "id"),
        Index("ix_tickets_contact", "contact", "id"),
        Index("ix_tickets_assignee", "assignee", "id"),
        Index("ix_tickets_line_reported", "line", "reported_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    token_sealed: Mapped[str | None] = mapped_column(Text)  # the token sealed for later mails
    contact: Mapped[str] = mapped_column(String(320), default="")
    channel: Mapped[str] = mapped_column(String(16), default="web")
    subject: Mapped[str] = mapped_column(String(200), default="")  # given, or the first line
    module: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    steps: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="en")
    predicted_class: Mapped[str] = mapped_column(String(64))
    predicted_priority: Mapped[str] = mapped_column(String(32))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    customer_class: Mapped[str | None] = mapped_column(String(64))
    customer_priority: Mapped[str | None] = mapped_column(String(32))
    staff_class: Mapped[str | None] = mapped_column(String(64))
    staff_priority: Mapped[str | None] = mapped_column(String(32))
    plan: Mapped[str] = mapped_column(String(64))
    line: Mapped[str] = mapped_column(String(16))
    assignee: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(32))
    reported_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_reaction_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reaction_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    due_at: Mapped[datetime]  # the next target still running: what the queue orders by
    sla_flag: Mapped[str] = mapped_column(String(32), default="")  # last flag the sweep set

    events: Mapped[list[Event]] = relationship(
        back_populates="ticket", order_by="Event.id", lazy="selectin"
    )

    @property
    def request_class(self) -> str:
        """The class in force: staff over customer over prediction."""
        return self.staff_class or self.customer_class or self.predicted_class

    @property
    def priority(self) -> str:
        """The priority in force: staff over customer over prediction."""
        return self.staff_priority or self.customer_priority or self.predicted_priority


class Event(Base):
    """One entry of a ticket's append-only log: who, when, what, why, and who may see it."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    public: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class User(Base):
    """A staff member: a role and an optional password (hashed); API tokens are ``api_tokens``."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # before 0005 only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lang: Mapped[str | None] = mapped_column(String(8))  # the console's language; None: browser


class RefCounter(Base):
    """The last number given out per ref prefix; bumped inside the ticket's own transaction."""

    __tablename__ = "ref_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
