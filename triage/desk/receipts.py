"""What the channels received: mail keys (processed once), attachments, alert episodes.

The channels call these instead of touching the ORM. A mail is *claimed* by inserting its key
(unique) before anything is filed: a second delivery of the same Message-ID, even concurrent,
finds the key and is dropped; a failed filing releases the claim so the sender may retry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.desk import lifecycle
from triage.desk.channel_models import AlertEpisode, Attachment, InboundMail
from triage.desk.db import Database
from triage.desk.models import Ticket


@dataclass(frozen=True)
class TicketContact:
    """Who a ticket belongs to and where it stands."""

    ref: str
    contact: str
    status: str
    lang: str


@dataclass(frozen=True)
class StoredFile:
    """An attachment whose bytes are already on disk under its hash."""

    filename: str
    content_type: str
    size: int
    sha256: str


def claim_mail(
    db: Database, key: str, message_id: str, sender: str, subject: str, now: datetime
) -> bool:
    """Record a mail key; False when it was already there (a duplicate)."""
    row = InboundMail(key=key, message_id=message_id[:2000], sender=sender[:320])
    row.subject, row.status, row.received_at = subject[:300], "claimed", now
    try:
        with db.write() as s:
            if s.execute(select(InboundMail.id).where(InboundMail.key == key)).first():
                return False
            s.add(row)
    except IntegrityError:  # the same mail arrived on another connection at the same time
        return False
    return True


def finish_mail(
    db: Database, key: str, status: str, ref: str | None, files: Iterable[StoredFile] = ()
) -> None:
    """Record how a claimed mail was handled and link its stored files to the ticket."""
    with db.write() as s:
        row = s.execute(select(InboundMail).where(InboundMail.key == key)).scalar_one()
        row.status, row.ticket_ref = status, ref
        files = list(files)
        if files and ref:
            ticket_id = s.execute(select(Ticket.id).where(Ticket.ref == ref)).scalar_one()
            for f in files:
                s.add(Attachment(ticket_id=ticket_id, inbound_id=row.id, **f.__dict__))


def release_mail(db: Database, key: str) -> None:
    """Forget a claim whose handling failed, so a retry is processed."""
    with db.write() as s:
        s.execute(delete(InboundMail).where(InboundMail.key == key))


def mail_status(db: Database, key: str) -> tuple[str, str | None] | None:
    """(status, ticket ref) of a received mail key, or None."""
    with db.read() as s:
        row = s.execute(select(InboundMail).where(InboundMail.key == key)).scalar_one_or_none()
        return (row.status, row.ticket_ref) if row else None


def ticket_contact(db: Database, ref: str) -> TicketContact | None:
    """The contact and status of a ticket, or None when there is no such ref."""
    with db.read() as s:
        t = s.execute(select(Ticket).where(Ticket.ref == ref)).scalar_one_or_none()
        return TicketContact(t.ref, t.contact, t.status, t.lang) if t else None


def attachments_of(db: Database, ref: str) -> list[StoredFile]:
    """The files of a ticket, oldest first."""
    query = (
        select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id).where(Ticket.ref == ref)
    )
    with db.read() as s:
        rows = s.execute(query.order_by(Attachment.id)).scalars()
        return [StoredFile(r.filename, r.content_type, r.size, r.sha256) for r in rows]


@dataclass(frozen=True)
class Episode:
    """One alert firing as stored."""

    fingerprint: str
    starts_at: datetime
    status: str
    ref: str | None


def episode(db: Database, fingerprint: str, starts_at: datetime) -> Episode | None:
    """The stored episode of (fingerprint, start), or None."""
    query = (
        select(AlertEpisode, Ticket.ref)
        .outerjoin(Ticket, Ticket.id == AlertEpisode.ticket_id)
        .where(AlertEpisode.fingerprint == fingerprint, AlertEpisode.starts_at == starts_at)
    )
    with db.read() as s:
        row = s.execute(query).first()
        return Episode(fingerprint, starts_at, row[0].status, row[1]) if row else None


def open_ticket_of(db: Database, fingerprint: str) -> str | None:
    """The ref of the active ticket an alert fingerprint opened, if any."""
    query = (
        select(Ticket.ref)
        .join(AlertEpisode, AlertEpisode.ticket_id == Ticket.id)
        .where(AlertEpisode.fingerprint == fingerprint)
        .where(Ticket.status.in_(sorted(lifecycle.ACTIVE)))
        .order_by(Ticket.id.desc())
    )
    with db.read() as s:
        return s.execute(query.limit(1)).scalar()


def claim_episode(
    db: Database, fingerprint: str, starts_at: datetime, alertname: str, now: datetime
) -> bool:
    """Record a new firing; False when it is already known (a replay)."""
    row = AlertEpisode(fingerprint=fingerprint, starts_at=starts_at, alertname=alertname[:200])
    row.status, row.created_at, row.updated_at = "claimed", now, now
    try:
        with db.write() as s:
            if episode_exists(s, fingerprint, starts_at):
                return False
            s.add(row)
    except IntegrityError:
        return False
    return True


def episode_exists(s, fingerprint: str, starts_at: datetime) -> bool:
    """Whether the session sees the episode (inside the caller's transaction)."""
    query = select(AlertEpisode.id).where(
        AlertEpisode.fingerprint == fingerprint, AlertEpisode.starts_at == starts_at
    )
    return s.execute(query).first() is not None


def set_episode(
    db: Database,
    fingerprint: str,
    starts_at: datetime,
    now: datetime,
    status: str,
    ref: str | None = None,
    ends_at: datetime | None = None,
) -> bool:
    """Update an episode's status (and ticket, end); False if it was already in that status."""
    with db.write() as s:
        row = s.execute(
            select(AlertEpisode)
            .where(AlertEpisode.fingerprint == fingerprint, AlertEpisode.starts_at == starts_at)
            .with_for_update()
        ).scalar_one()
        if row.status == status:
            return False
        row.status, row.updated_at = status, now
        row.ends_at = ends_at or row.ends_at
        if ref is not None:
            row.ticket_id = s.execute(select(Ticket.id).where(Ticket.ref == ref)).scalar_one()
        return True


def forget_episode(db: Database, fingerprint: str, starts_at: datetime) -> None:
    """Remove a claimed episode whose ticket could not be filed, so a retry files it."""
    with db.write() as s:
        s.execute(
            delete(AlertEpisode).where(
                AlertEpisode.fingerprint == fingerprint, AlertEpisode.starts_at == starts_at
            )
        )


# The same steps inside one caller's write transaction: a whole webhook is claimed and filed
# in one commit, so a crash leaves either all of it or none (the retry then files it all).


_EP = AlertEpisode.__table__
_SAME_EPISODE = (_EP.c.fingerprint == bindparam("fp"), _EP.c.starts_at == bindparam("starts"))
_EPISODE_IN = (
    select(_EP.c.status, Ticket.ref)
    .outerjoin(Ticket, Ticket.id == _EP.c.ticket_id)
    .where(*_SAME_EPISODE)
)
_OPEN_TICKET_IN = (
    select(Ticket.ref)
    .join(_EP, _EP.c.ticket_id == Ticket.id)
    .where(_EP.c.fingerprint == bindparam("fp"))
    .where(Ticket.status.in_(sorted(lifecycle.ACTIVE)))
    .order_by(Ticket.id.desc())
    .limit(1)
)


@cache
def _claim_statement(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    cols = ("fingerprint", "starts_at", "alertname", "status", "created_at", "updated_at")
    stmt = insert(_EP).values({c: bindparam(c) for c in cols})
    return stmt.on_conflict_do_nothing(index_elements=["fingerprint", "starts_at"]).returning(
        _EP.c.fingerprint, _EP.c.starts_at
    )


@cache
def _set_statement(with_end: bool, with_ref: bool):
    values = {"status": bindparam("status"), "updated_at": bindparam("now")}
    if with_end:
        values["ends_at"] = bindparam("ends")
    if with_ref:
        values["ticket_id"] = (
            select(Ticket.id).where(Ticket.ref == bindparam("ref")).scalar_subquery()
        )
    stmt = update(_EP).where(*_SAME_EPISODE).where(_EP.c.status != bindparam("status"))
    return stmt.values(values)


def claim_episode_in(
    s: Session, fingerprint: str, starts_at: datetime, alertname: str, now: datetime
) -> bool:
    """Record a new firing in the caller's transaction; False when it is already known."""
    row = {"fingerprint": fingerprint, "starts_at": starts_at, "alertname": alertname[:200],
           "status": "claimed", "created_at": now, "updated_at": now}  # fmt: skip
    stmt = _claim_statement(s.get_bind().dialect.name)
    return s.connection().execute(stmt, row).first() is not None


def episode_in(s: Session, fingerprint: str, starts_at: datetime) -> Episode | None:
    """The episode of (fingerprint, start) as the caller's transaction sees it, or None."""
    row = s.connection().execute(_EPISODE_IN, {"fp": fingerprint, "starts": starts_at}).first()
    return Episode(fingerprint, starts_at, row[0], row[1]) if row else None


def open_ticket_in(s: Session, fingerprint: str) -> str | None:
    """The ref of the active ticket an alert fingerprint opened, in the caller's transaction."""
    return s.connection().execute(_OPEN_TICKET_IN, {"fp": fingerprint}).scalar()


def set_episode_in(
    s: Session,
    fingerprint: str,
    starts_at: datetime,
    now: datetime,
    status: str,
    ref: str | None = None,
    ends_at: datetime | None = None,
) -> bool:
    """Update an episode in the caller's transaction; False if it already had that status."""
    stmt = _set_statement(ends_at is not None, ref is not None)
    params = {"fp": fingerprint, "starts": starts_at, "status": status, "now": now,
              "ends": ends_at, "ref": ref}  # fmt: skip
    return s.connection().execute(stmt, params).rowcount == 1


def set_episodes_in(
    s: Session, episodes: list[tuple[str, datetime, str]], now: datetime, status: str
) -> None:
    """Set the status and ticket of many episodes (fingerprint, start, ref) in one statement."""
    params = [{"fp": fp, "starts": starts, "status": status, "now": now, "ref": ref}
              for fp, starts, ref in episodes]  # fmt: skip
    if params:
        s.connection().execute(_set_statement(False, True), params)


def claim_episodes_in(
    s: Session, firings: list[tuple[str, datetime, str]], now: datetime
) -> set[tuple[str, datetime]]:
    """Claim many new firings (fingerprint, start, name) at once; the keys that were new."""
    rows = [{"fingerprint": fp, "starts_at": starts, "alertname": name[:200], "status": "claimed",
             "created_at": now, "updated_at": now} for fp, starts, name in firings]  # fmt: skip
    if not rows:
        return set()
    stmt = _claim_statement(s.get_bind().dialect.name)
    return {(fp, starts) for fp, starts in s.connection().execute(stmt, rows)}


def open_tickets_in(s: Session, fingerprints: list[str]) -> dict[str, str]:
    """The active ticket (newest) each of these fingerprints opened, in one query."""
    query = (
        select(_EP.c.fingerprint, Ticket.ref)
        .join(Ticket, _EP.c.ticket_id == Ticket.id)
        .where(_EP.c.fingerprint.in_(sorted(set(fingerprints))))
        .where(Ticket.status.in_(sorted(lifecycle.ACTIVE)))
        .order_by(Ticket.id)
    )
    return dict(s.connection().execute(query).all()) if fingerprints else {}
