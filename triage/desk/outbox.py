"""The mail outbox: which events owe the customer an email, and the queue senders work from.

``tickets.py`` calls ``on_events`` inside the transaction that logs the events, so a message is
queued exactly when its cause is committed; senders ``claim`` due rows (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, a conditional UPDATE per row on SQLite), send outside the transaction
under a lease they ``renew`` (and re-check) just before each message, then ``mark_sent`` or
``mark_failed`` (retried with exponential backoff).

Secrets a message must carry (the tracking token of its status link) are never stored plain:
the ticket keeps its token sealed (``Ticket.token_sealed``) and every message takes it from there;
``on_events`` seals them with the database's keyring into ``context["sealed"]``, ``claim``
opens them for the sender only, and the sealed value is erased once the message is sent,
given up or dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triage.desk.channel_models import OutboxMessage
from triage.desk.db import Database
from triage.desk.models import Ticket
from triage.desk.tokens import Keyring, keyring_of

KINDS = (
    "confirmation",
    "info_request",
    "reminder",
    "auto_close",
    "declined",
    "priority",
    "resolution",
    "reply",
    "suspended",
)
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
SECRET_KEYS = ("token",)  # sealed in the stored context, erased once sent or given up
SEALED = "sealed"


def is_address(contact: str | None) -> bool:
    """Whether a contact is an email address we can write to."""
    return bool(contact) and bool(_ADDRESS.match(contact.strip()))


@dataclass(frozen=True)
class Notice:
    """An email the desk owes: its kind and what its template needs."""

    kind: str
    context: dict[str, Any]


def _articles(ticket: Any) -> list[dict[str, str]]:
    """The articles staff linked to the ticket, else those the engine suggested."""
    linked = [(e.data or {}) for e in ticket.events if e.kind == "kb_link"]
    if linked:
        return [{"title": d.get("title") or d["article"], "url": d.get("url", "")} for d in linked]
    for ev in ticket.events:
        if ev.kind == "triaged":
            sugg = (ev.data or {}).get("suggestions") or []
            return [{"title": s.get("title", ""), "url": s.get("url", "")} for s in sugg]
    return []


def _staff_text(message: str) -> str:
    """A status message a person wrote (not the desk's default line)."""
    return "" if message.startswith("Status changed to") else message


def _status_notice(ev: Any, ticket: Any) -> Notice | None:
    data = ev.data or {}
    to, message = data.get("to"), _staff_text(ev.message or "")
    if to == "waiting_customer" and "missing" not in data:
        return Notice("info_request", {"reason": ev.reason or "", "message": message})
    if to == "waiting_third_party":
        return Notice("suspended", {"message": message})
    if to == "resolved" and ev.actor == "customer":
        return None  # the customer said it is solved: nothing to tell them
    if to == "resolved":
        articles = data.get("articles") or _articles(ticket)
        return Notice("resolution", {"message": message, "articles": articles})
    if to == "declined" and ev.actor == "system" and data.get("action") == "decline":
        return Notice("auto_close", {"reason": ev.reason or "", "message": message})
    if to in ("declined", "deferred"):
        return Notice("declined", {"status": to, "reason": ev.reason or "", "message": message})
    return None


def notices_for(ticket: Any, events: Iterable[Any], token: str | None = None) -> list[Notice]:
    """The emails a batch of just-logged events owes the ticket's contact (pure)."""
    events = list(events)
    out: list[Notice] = []
    for ev in events:
        data = ev.data or {}
        if ev.kind == "created" and token:
            missing = next((e.data["missing"] for e in events if "missing" in (e.data or {})), [])
            ctx = {"token": token, "reaction_due": ticket.reaction_due.isoformat()}
            ctx.update(priority=ticket.priority, request_class=ticket.request_class)
            ctx.update(missing=list(missing), articles=_articles(ticket), plan=ticket.plan)
            out.append(Notice("confirmation", ctx))
        elif ev.kind == "status":
            notice = _status_notice(ev, ticket)
            out.extend([notice] if notice else [])
        elif ev.kind == "priority" and ev.public:
            ctx = {"from": data.get("priority_from"), "to": data.get("priority_to")}
            out.append(Notice("priority", {**ctx, "reason": ev.reason or ""}))
        elif ev.kind == "comment" and ev.public and ev.actor not in ("customer", "system"):
            out.append(Notice("reply", {"message": ev.message}))
    return out


def seal_context(context: dict[str, Any], ring: Keyring) -> dict[str, Any]:
    """The context to store: its secrets sealed into one encrypted value (pure)."""
    secret = {k: context[k] for k in SECRET_KEYS if context.get(k)}
    kept = {k: v for k, v in context.items() if k not in SECRET_KEYS}
    return {**kept, SEALED: ring.seal(json.dumps(secret))} if secret else kept


def open_context(stored: dict[str, Any], ring: Keyring) -> tuple[dict[str, Any], bool]:
    """The context a sender renders, secrets opened; False when the seal cannot be opened."""
    context = {k: v for k, v in stored.items() if k != SEALED}
    if not stored.get(SEALED):
        return context, True
    opened = ring.unseal(str(stored[SEALED]))
    if opened is None:
        return context, False
    return {**context, **json.loads(opened)}, True


def scrubbed(context: dict[str, Any]) -> dict[str, Any]:
    """A context without any secret, sealed or plain (what a finished message keeps)."""
    return {k: v for k, v in context.items() if k not in SECRET_KEYS and k != SEALED}


def row_values(
    ticket: Any, notice: Notice, now: datetime, key: str | None, ring: Keyring
) -> dict[str, Any]:
    """The outbox row of a notice as column values (secrets sealed), without the ticket's id:
    the ORM writers and the filing path's bulk insert store the same thing."""
    context = {"ref": ticket.ref, "plan": ticket.plan, **notice.context}
    if not context.get("token") and getattr(ticket, "token_sealed", None):
        token = ring.unseal(ticket.token_sealed)  # every mail links the status page with it
        context.update({"token": token} if token else {})
    return {
        "ref": ticket.ref,
        "kind": notice.kind,
        "lang": ticket.lang,
        "to_addr": ticket.contact.strip(),
        "context": seal_context(context, ring),
        "dedup_key": key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _row(
    ticket: Ticket, notice: Notice, now: datetime, key: str | None, ring: Keyring
) -> OutboxMessage:
    return OutboxMessage(ticket=ticket, **row_values(ticket, notice, now, key, ring))


def on_events(
    session: Session, ticket: Ticket, events: Sequence[Any], now: datetime, token: str | None = None
) -> int:
    """Queue the emails the events owe (in the caller's transaction); how many were queued."""
    if not is_address(ticket.contact):
        return 0
    notices = notices_for(ticket, events, token)
    ring = keyring_of(session) if notices else None
    for notice in notices:
        session.add(_row(ticket, notice, now, None, ring))
    return len(notices)


def enqueue_once(session: Session, ticket: Ticket, notice: Notice, now: datetime, key: str) -> bool:
    """Queue a notice unless one with the same dedup key exists; whether it was queued."""
    if not is_address(ticket.contact):
        return False
    exists = select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)
    if session.execute(exists).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(_row(ticket, notice, now, key, keyring_of(session)))
    except IntegrityError:  # another sender queued it a moment ago
        return False
    return True


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message, detached from the database."""

    id: int
    ref: str
    kind: str
    lang: str
    to_addr: str
    context: dict[str, Any]
    attempts: int
    ticket_status: str | None
    sealed_ok: bool = True  # False: its secret cannot be opened with the configured keys


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
    )


def claim(
    db: Database, now: datetime, worker: str, limit: int = 20, lease: float = 300.0
) -> list[OutboxItem]:
    """Take up to ``limit`` due messages for ``worker`` for ``lease`` seconds.

    PostgreSQL locks the rows it takes (``FOR UPDATE SKIP LOCKED``: two senders never wait on
    or take the same row); on SQLite each row is taken by an UPDATE that re-checks it is still
    due, and only the rows that UPDATE changed are this worker's.
    """
    query = select(OutboxMessage).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    until = now + timedelta(seconds=lease)
    with db.write() as s:
        ring = keyring_of(s)
        if s.get_bind().dialect.name == "postgresql":
            rows = s.execute(query.with_for_update(skip_locked=True, of=OutboxMessage)).scalars()
            taken = list(rows)
            for r in taken:
                r.status, r.claimed_by = "sending", worker
                r.claimed_until, r.attempts = until, r.attempts + 1
            s.flush()
        else:
            taken = []
            for r in s.execute(query).scalars().all():
                took = s.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == r.id, _due(now))
                    .values(status="sending", claimed_by=worker, claimed_until=until,
                            attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
                if took.rowcount == 1:
                    s.refresh(r)
                    taken.append(r)
        ids = {r.ticket_id for r in taken if r.ticket_id}
        found = select(Ticket.id, Ticket.status).where(Ticket.id.in_(ids))
        statuses = {row[0]: row[1] for row in s.execute(found)} if ids else {}
        items = []
        for r in taken:
            context, ok = open_context(dict(r.context), ring)
            items.append(
                OutboxItem(r.id, r.ref, r.kind, r.lang, r.to_addr, context, r.attempts,
                           statuses.get(r.ticket_id), ok)
            )  # fmt: skip
        return items


def renew(db: Database, item: OutboxItem, worker: str, now: datetime, lease: float = 300.0) -> bool:
    """Extend the worker's lease on a message just before sending it; False if it was lost."""
    with db.write() as s:
        done = s.execute(
            _mine(item.id, worker).values(claimed_until=now + timedelta(seconds=lease))
        )
        return done.rowcount == 1


def _mine(item_id: int, worker: str):
    return update(OutboxMessage).where(
        OutboxMessage.id == item_id,
        OutboxMessage.claimed_by == worker,
        OutboxMessage.status == "sending",
    )


def mark_sent(db: Database, item: OutboxItem, worker: str, now: datetime, message_id: str) -> bool:
    """Record a delivery (secrets erased from the stored context); False if the lease was lost."""
    context = scrubbed(item.context)
    values = {"status": "sent", "sent_at": now, "message_id": message_id, "context": context}
    with db.write() as s:
        done = s.execute(
            _mine(item.id, worker).values(**values, claimed_until=None, last_error=None)
        )
        return done.rowcount == 1


def backoff(attempts: int, base: float = 60.0, cap: float = 6 * 3600.0) -> float:
    """Seconds to wait after the ``attempts``-th failed try: base, 2 base, 4 base, ... capped."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def mark_failed(
    db: Database,
    item: OutboxItem,
    worker: str,
    now: datetime,
    error: str,
    *,
    permanent: bool = False,
    max_attempts: int = 8,
    base: float = 60.0,
) -> str:
    """Record a failed try: back to pending after a backoff, or failed (its secrets erased)."""
    final = permanent or item.attempts >= max_attempts
    status = "failed" if final else "pending"
    later = now + timedelta(seconds=backoff(item.attempts, base))
    values = {"status": status, "last_error": error[:2000], "next_attempt_at": later}
    if final:
        values["context"] = scrubbed(item.context)
    with db.write() as s:
        s.execute(_mine(item.id, worker).values(**values, claimed_until=None))
    return status


def drop(db: Database, item: OutboxItem, worker: str, reason: str) -> None:
    """Give up a message that no longer applies (e.g. a reminder for a ticket now answered)."""
    values = {"status": "dropped", "last_error": reason, "context": scrubbed(item.context)}
    with db.write() as s:
        s.execute(_mine(item.id, worker).values(**values, claimed_until=None))
