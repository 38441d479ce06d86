"""Tables the channels keep next to tickets: the mail outbox, mail received, attachments, alerts.

The outbox holds every message the desk owes a customer until a sender delivers it; inbound
mail keys make a Message-ID count once; alert episodes tie an Alertmanager fingerprint (and the
moment it started firing) to the ticket it opened, so a replayed webhook changes nothing; alert
fingerprints name the one active ticket of an alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.desk.models import Base, Ticket, utcnow

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "dropped")


class OutboxMessage(Base):
    """One email owed to a customer: what kind, to whom, in which language, with what context."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    ref: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8), default="en")
    to_addr: Mapped[str] = mapped_column(String(320))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255))

    ticket: Mapped[Ticket | None] = relationship()


class InboundMail(Base):
    """A received email, keyed by its Message-ID (hashed): processed at most once."""

    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(Text, default="")
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    ticket_ref: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file that came with a request; the bytes live in the instance folder under its hash."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_ticket", "ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertEpisode(Base):
    """One firing of one alert (fingerprint + start): the ticket it opened or updated."""

    __tablename__ = "alert_episodes"
    __table_args__ = (
        UniqueConstraint("fingerprint", "starts_at", name="uq_alert_episode"),
        Index("ix_alert_fingerprint", "fingerprint"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime]
    alertname: Mapped[str] = mapped_column(String(200), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    status: Mapped[str] = mapped_column(String(16), default="firing")
    ends_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertFingerprint(Base):
    """Per alert fingerprint (unique), the ticket its firings go to while that ticket is active.

    Its row is locked by whoever files or updates for the fingerprint, so two firings of one
    alert arriving together (two start times) open one ticket, never two.
    """

    __tablename__ = "alert_fingerprints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(128), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
