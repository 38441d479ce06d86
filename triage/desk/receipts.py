"""What the channels received: mail keys (processed once), attachments, alert episodes.

The channels call these instead of touching the ORM. A mail's key (unique) is recorded in the
transaction that files its ticket or reply, so both are committed or neither is: a second
delivery of the same Message-ID, even concurrent, finds the key and is dropped, and a mail whose
filing failed or was cut short (a crash) left nothing behind, so the sender's retry files it.

An alert's episode (fingerprint + start) is recorded with its ticket in one transaction as
well, and ``alert_fingerprints`` holds, per fingerprint (unique), the ticket its firings go to
while that ticket is active: two firings of one alert arriving together open one ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.desk import lifecycle
from triage.desk.channel_models import AlertEpisode, AlertFingerprint, Attachment, InboundMail
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


def take_mail(
    session: Session, key: str, message_id: str, sender: str, subject: str, now: datetime
) -> InboundMail | None:
    """Record a mail key inside the caller's transaction (the one that also files it).

    None when the key is already there (a duplicate, possibly committed a moment ago on another
    connection); a row left ``claimed`` by an older version that crashed is taken over.
    """
    found = session.execute(
        select(InboundMail).where(InboundMail.key == key).with_for_update()
    ).scalar_one_or_none()
    if found is not None:
        return found if found.status == "claimed" else None
    row = InboundMail(key=key, message_id=message_id[:2000], sender=sender[:320])
    row.subject, row.status, row.received_at = subject[:300], "claimed", now
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same mail was filed on another connection at the same time
        return None
    return row


def finish_mail(
    session: Session, row: InboundMail, status: str, ref: str | None,
    files: Iterable[StoredFile] = (),
) -> None:  # fmt: skip
    """Record how a mail was handled and link its stored files, in the filing transaction."""
    row.status, row.ticket_ref = status, ref
    files = list(files)
    if files and ref:
        ticket_id = session.execute(select(Ticket.id).where(Ticket.ref == ref)).scalar_one()
        for f in files:
            session.add(Attachment(ticket_id=ticket_id, inbound_id=row.id, **f.__dict__))
    session.flush()


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


def take_episode(
    session: Session, fingerprint: str, starts_at: datetime, alertname: str, now: datetime,
    status: str,
) -> AlertEpisode | None:  # fmt: skip
    """Record a new episode inside the caller's transaction; None when it is known (a replay).

    An episode left ``claimed`` without a ticket by an older version that crashed is taken over.
    """
    found = session.execute(episode_query(fingerprint, starts_at).with_for_update()).scalar()
    if found is not None:
        return found if found.status == "claimed" and found.ticket_id is None else None
    row = AlertEpisode(fingerprint=fingerprint, starts_at=starts_at, alertname=alertname[:200])
    row.status, row.created_at, row.updated_at = status, now, now
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same episode was recorded on another connection just now
        return None
    return row


def episode_query(fingerprint: str, starts_at: datetime):
    return select(AlertEpisode).where(
        AlertEpisode.fingerprint == fingerprint, AlertEpisode.starts_at == starts_at
    )


def lock_fingerprint(session: Session, fingerprint: str, now: datetime) -> AlertFingerprint:
    """The fingerprint's row, locked for the caller's transaction (created when new)."""
    query = select(AlertFingerprint).where(AlertFingerprint.fingerprint == fingerprint)
    found = session.execute(query.with_for_update()).scalar()
    if found is not None:
        return found
    row = AlertFingerprint(fingerprint=fingerprint, ticket_id=None, updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
        return row
    except IntegrityError:  # created and committed by another firing a moment ago: lock that
        return session.execute(query.with_for_update()).scalar_one()


def active_ticket(session: Session, row: AlertFingerprint) -> tuple[int, str] | None:
    """(id, ref) of the fingerprint's ticket while it is active, else None."""
    if row.ticket_id is None:
        return None
    found = session.execute(
        select(Ticket.id, Ticket.ref, Ticket.status).where(Ticket.id == row.ticket_id)
    ).first()
    return (found[0], found[1]) if found and found[2] in lifecycle.ACTIVE else None


def ticket_id_of(session: Session, ref: str) -> int:
    """The id of the ticket with this ref."""
    return session.execute(select(Ticket.id).where(Ticket.ref == ref)).scalar_one()


# An alert storm (many new firings in one webhook), set-wise in the caller's transaction: the
# same rows and locks as take_episode / lock_fingerprint per alert, a few statements in all.

_EP, _FP = AlertEpisode.__table__, AlertFingerprint.__table__


def _insert_of(s: Session):
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def take_episodes(
    s: Session, firings: list[tuple[str, datetime, str]], now: datetime
) -> set[tuple[str, datetime]]:
    """Record new firing episodes (fingerprint, start, name); the keys taken (new ones, and
    ones an older version left ``claimed`` without a ticket), the rest are replays."""
    if not firings:
        return set()
    rows = [{"fingerprint": fp, "starts_at": at, "alertname": name[:200], "status": "firing",
             "created_at": now, "updated_at": now} for fp, at, name in sorted(firings)]  # fmt: skip
    stmt = _insert_of(s)(_EP).on_conflict_do_nothing(index_elements=["fingerprint", "starts_at"])
    taken = set(s.connection().execute(stmt.returning(_EP.c.fingerprint, _EP.c.starts_at), rows))
    missing = {(fp, at) for fp, at, _ in firings} - taken
    if missing:
        left = (
            select(_EP.c.fingerprint, _EP.c.starts_at)
            .where(_EP.c.fingerprint.in_(sorted({fp for fp, _ in missing})))
            .where(_EP.c.status == "claimed", _EP.c.ticket_id.is_(None))
            .with_for_update()
        )
        taken |= {tuple(r) for r in s.connection().execute(left)} & missing
    return taken


def lock_fingerprints(s: Session, fingerprints: list[str], now: datetime) -> dict[str, int | None]:
    """Lock (create when new) the fingerprints' rows, in one order; fingerprint -> ticket id."""
    if not fingerprints:
        return {}
    names = sorted(set(fingerprints))  # one lock order for every storm: no deadlock
    rows = [{"fingerprint": fp, "ticket_id": None, "updated_at": now} for fp in names]
    stmt = _insert_of(s)(_FP).on_conflict_do_nothing(index_elements=["fingerprint"])
    s.connection().execute(stmt, rows)
    query = (
        select(_FP.c.fingerprint, _FP.c.ticket_id)
        .where(_FP.c.fingerprint.in_(names))
        .order_by(_FP.c.fingerprint)
        .with_for_update()
    )
    return dict(s.connection().execute(query).all())


def active_refs(s: Session, ticket_ids: list[int]) -> dict[int, str]:
    """id -> ref of those tickets that are still active."""
    if not ticket_ids:
        return {}
    query = select(Ticket.id, Ticket.ref).where(
        Ticket.id.in_(sorted(set(ticket_ids))), Ticket.status.in_(sorted(lifecycle.ACTIVE))
    )
    return dict(s.execute(query).all())


_LINK_FP = (
    update(_FP)
    .where(_FP.c.fingerprint == bindparam("fp"))
    .values(ticket_id=bindparam("tid"), updated_at=bindparam("now"))
)
_LINK_EP = (
    update(_EP)
    .where(_EP.c.fingerprint == bindparam("fp"), _EP.c.starts_at == bindparam("starts"))
    .values(status="firing", ticket_id=bindparam("tid"), updated_at=bindparam("now"))
)


def link_storm(
    s: Session, episodes: list[tuple[str, datetime, int]], opened: list[tuple[str, int]],
    now: datetime,
) -> None:  # fmt: skip
    """Point episodes (fingerprint, start, ticket id) and the fingerprints that opened a ticket
    (fingerprint, ticket id) at their tickets: two statements."""
    conn = s.connection()
    if opened:
        conn.execute(_LINK_FP, [{"fp": fp, "tid": tid, "now": now} for fp, tid in opened])
    if episodes:
        params = [{"fp": fp, "starts": at, "tid": tid, "now": now} for fp, at, tid in episodes]
        conn.execute(_LINK_EP, params)
