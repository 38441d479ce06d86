"""The only writer of tickets: file, transition, escalate, correct, comment, assign.

Every change is one write transaction (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL)
that updates the ticket and appends its events; nothing is ever deleted. Refs come from a
counter row bumped inside the ticket's own transaction, so they are unique and gap-free.

Filing is the hot path (an alert storm, a flood of web tickets): the ticket is prepared
(validated, SLA due times computed once, texts made) before the transaction, then written
with Core inserts, one counter bump and one statement per table (tickets, events, outbox),
no ORM flush; filings arriving from several threads at once share one transaction and one
commit (``GroupCommit``), and a batch of alerts files its tickets in one go (``file_drafts``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from triage.desk import lifecycle, messages, outbox, validation
from triage.desk.channel_models import OutboxMessage
from triage.desk.db import Database
from triage.desk.intake import (
    FIELDS,
    LIMITS,
    Classified,
    Filed,
    Intake,
    InvalidField,
    TicketNotFound,
    missing_fields,
    subject_of,
    validate,
)
from triage.desk.lifecycle import TicketState
from triage.desk.models import Event, RefCounter, Ticket
from triage.desk.sla import due_at
from triage.desk.tokens import Keyring, hash_token, keyring_of, new_token
from triage.desk.views import TicketView, clocks, pauses_of, sla_flag, staff_view
from triage.engine.policy import Policy


@cache
def _bump_statement(dialect: str):
    """``INSERT .. ON CONFLICT DO UPDATE value = value + n RETURNING value``: one round trip
    that creates the prefix's row or bumps it, row-locked until the transaction ends."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RefCounter.__table__
    stmt = insert(table).values(prefix=bindparam("prefix"), value=bindparam("n"))
    bump = {"value": table.c.value + stmt.excluded.value}
    return stmt.on_conflict_do_update(index_elements=["prefix"], set_=bump).returning(table.c.value)


def next_ref_block(conn: Connection, prefix: str, n: int) -> int:
    """Take ``n`` consecutive numbers of the prefix's counter (caller's transaction); the first."""
    stmt = _bump_statement(conn.dialect.name)
    return conn.execute(stmt, {"prefix": prefix, "n": n}).scalar_one() - n + 1


def _refresh_dues(ticket: Ticket, policy: Policy, now: datetime) -> None:
    """Recompute the stored due times (the queue's order) from the ticket and its events."""
    c = clocks(ticket, policy, now, pauses_of(ticket.events))
    ticket.reaction_due, ticket.resolution_due = c.reaction.due, c.resolution.due
    ticket.due_at = ticket.reaction_due if ticket.first_reaction_at is None else c.resolution.due


def _log(ticket: Ticket, now: datetime, actor: str, kind: str, **kw: Any) -> Event:
    ev = Event(at=now, actor=actor, kind=kind, **{"message": "", "data": {}, **kw})
    ticket.events.append(ev)
    ticket.updated_at = now
    if kw.get("public") and actor not in ("customer", "system") and not ticket.first_reaction_at:
        ticket.first_reaction_at = now
    return ev


def file_ticket(
    db: Database, policy: Policy, intake: Intake, decided: Classified, now: datetime
) -> Filed:
    """File a new ticket from an intake and the engine's decision; return its ref and token."""
    draft = prepare(policy, intake, decided, now)  # validated and computed before the lock
    grouped = getattr(db, "grouped", None)
    if grouped is None:  # a Joined unit (triage.desk.unit): a savepoint of its transaction
        with db.write() as s:
            return file_drafts(s, [draft])[0]
    ring = keyring_of(db)
    filer = grouped("file_ticket", lambda conn, drafts: _insert_many(conn, drafts, ring))
    return filer.run(draft)  # filings from other threads meanwhile share the commit


def file_drafts(session: Session, drafts: list[_Draft]) -> list[Filed]:
    """File prepared tickets in the caller's write transaction, in order (consecutive refs),
    with one statement per table for all of them (a batch of alerts)."""
    return _insert_many(session.connection(), drafts, keyring_of(session)) if drafts else []


@dataclass
class _Draft:
    """A ticket about to be filed: its row, its events, the token and the emails it owes.

    Built before the write transaction (validation, SLA due times, texts), so the lock is held
    only for the inserts; duck-types as a ticket for ``outbox.notices_for``.
    """

    row: dict[str, Any]
    events: list[SimpleNamespace]
    token: str
    prefix: str
    missing: tuple[str, ...]
    ticket_id: int | None = None  # set once inserted

    def __getattr__(self, name: str) -> Any:  # ticket attributes the outbox reads
        try:
            return self.__dict__["row"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def request_class(self) -> str:
        return self.row["customer_class"] or self.row["predicted_class"]

    @property
    def priority(self) -> str:
        return self.row["customer_priority"] or self.row["predicted_priority"]


def prepare(policy: Policy, intake: Intake, decided: Classified, now: datetime) -> _Draft:
    """A validated ticket ready to be filed by ``file_drafts`` (InvalidField if it cannot)."""
    validate(intake, policy)
    values = {k: getattr(intake, k) for k in FIELDS}
    missing = missing_fields(values, policy, intake.channel)
    status = lifecycle.initial_status(missing)
    token = new_token()
    row = _new_ticket(policy, intake, decided, status, now)
    row["token_hash"] = hash_token(token)
    draft = _Draft(row, _file_events(now, intake, decided, missing), token, policy.ref_prefix,
                   missing)  # fmt: skip
    target = policy.target(draft.priority, row["plan"])
    # a new ticket has no pause behind it and no reaction yet: its clocks start now
    row["reaction_due"] = due_at(now, target.reaction, policy.calendar)
    row["resolution_due"] = due_at(now, target.resolution, policy.calendar)
    row["due_at"] = row["reaction_due"]
    return draft


def _insert_many(conn: Connection, drafts: list[_Draft], ring: Keyring) -> list[Filed]:
    """Insert drafts: one counter bump per prefix and one statement per table, for all of them."""
    for prefix in dict.fromkeys(d.prefix for d in drafts):
        mine = [d for d in drafts if d.prefix == prefix]
        first = next_ref_block(conn, prefix, len(mine))
        for i, d in enumerate(mine):
            d.row["ref"] = f"{prefix}-{first + i:06d}"
    for d in drafts:  # kept sealed for the status links of later mails (never plain)
        d.row["token_sealed"] = ring.seal(d.token)
    ids = dict((ref, tid) for tid, ref in conn.execute(_INSERT_TICKET, [d.row for d in drafts]))
    events, mails = [], []
    for d in drafts:
        tid = d.ticket_id = ids[d.row["ref"]]
        events += [{**vars(e), "ticket_id": tid} for e in d.events]
        if outbox.is_address(d.row["contact"]):  # the confirmation, sent by a mail worker
            notices = outbox.notices_for(d, d.events, d.token)
            at = d.row["created_at"]
            mails += [{**outbox.row_values(d, n, at, None, ring), "ticket_id": tid}
                      for n in notices]  # fmt: skip
    conn.execute(_INSERT_EVENT, events)
    if mails:
        conn.execute(_INSERT_OUTBOX, mails)
    return [_filed(d) for d in drafts]


def _filed(d: _Draft) -> Filed:
    r = d.row
    return Filed(r["ref"], d.token, r["status"], d.request_class, d.priority, r["line"],
                 r["reaction_due"], d.missing)  # fmt: skip


_TICKETS = Ticket.__table__
# (id, ref) pairs, in any order: asking for parameter order makes SQLite insert row by row
_INSERT_TICKET = _TICKETS.insert().returning(_TICKETS.c.id, _TICKETS.c.ref)
_INSERT_EVENT = Event.__table__.insert()
_INSERT_OUTBOX = OutboxMessage.__table__.insert()


def _new_ticket(
    policy: Policy, intake: Intake, decided: Classified, status: str, now: datetime
) -> dict[str, Any]:
    """The ticket row of an intake, without ref, token and due times (a customer's class picks
    the line)."""
    klass = intake.customer_class or decided.request_class
    return {
        **{k: getattr(intake, k) for k in ("contact", "channel", "module", "version")},
        **{k: getattr(intake, k) for k in ("description", "steps", "lang")},
        "subject": subject_of(intake.subject, intake.description),
        "predicted_class": decided.request_class,
        "predicted_priority": decided.priority,
        "confidence": decided.confidence,
        "customer_class": intake.customer_class,
        "customer_priority": intake.customer_priority,
        "staff_class": None,
        "staff_priority": None,
        "assignee": None,
        "plan": intake.plan or policy.default_plan,
        "line": policy.request_class(klass).line if intake.customer_class else decided.line,
        "status": status,
        "reported_at": now,
        "created_at": now,
        "updated_at": now,
        "first_reaction_at": None,
        "resolved_at": None,
        "closed_at": None,
        "sla_flag": "",
    }


def _event(now: datetime, actor: str, kind: str, message: str, data: dict, public: bool,
           reason: str | None = None) -> SimpleNamespace:  # fmt: skip
    return SimpleNamespace(at=now, actor=actor, kind=kind, message=message, reason=reason,
                           data=data, public=public)  # fmt: skip


def _file_events(now: datetime, intake: Intake, d: Classified, missing) -> list[SimpleNamespace]:
    data = {"from": None, "to": "new", "channel": intake.channel}
    out = [_event(now, "customer", "created", messages.received(intake.lang), data, True)]
    engine = {"class": d.request_class, "priority": d.priority, "line": d.line}
    engine.update(confidence=d.confidence, suggestions=list(d.suggestions), **intake.extra)
    out.append(_event(now, "engine", "triaged", "Classified by the engine.", engine, False))
    if missing:
        msg = lifecycle.intake_request(missing, intake.lang)
        data = {"from": "new", "to": "waiting_customer", "missing": list(missing)}
        out.append(_event(now, "system", "status", msg, data, True, reason="missing intake"))
    return out


def _change(
    db: Database, policy: Policy, ref: str, now: datetime, fn: Callable[[Ticket], None]
) -> TicketView:
    """Lock the ticket, let ``fn`` change it and log, refresh its due times, commit."""
    with db.write() as s:
        return _change_in(s, policy, ref, now, fn)


def _change_in(
    s: Session, policy: Policy, ref: str, now: datetime, fn: Callable[[Ticket], None]
) -> TicketView:
    """``_change`` inside the caller's write transaction."""
    query = select(Ticket).where(Ticket.ref == ref).with_for_update()
    ticket = s.execute(query).scalar_one_or_none()
    if ticket is None:
        raise TicketNotFound(ref)
    seen = len(ticket.events)
    fn(ticket)
    _refresh_dues(ticket, policy, now)
    outbox.on_events(s, ticket, ticket.events[seen:], now)  # emails these events owe
    s.flush()
    return staff_view(ticket, policy, now)


def _state(t: Ticket) -> TicketState:
    return TicketState(t.status, t.line, t.priority, t.request_class)


def transition(
    db: Database,
    policy: Policy,
    ref: str,
    action: str,
    actor: str,
    now: datetime,
    reason: str | None = None,
    message: str = "",
    extra: dict[str, Any] | None = None,  # more event data (the articles an answer sent)
) -> TicketView:
    """Apply a lifecycle action (IllegalTransition when not allowed); a public event."""

    def fn(t: Ticket) -> None:
        new = lifecycle.apply(_state(t), action, reason, policy.decline_reasons)
        data = {**(extra or {}), "from": t.status, "to": new.status, "action": action}
        t.status = new.status
        if action == "resolve":
            t.resolved_at = now
        elif action == "reopen":
            t.resolved_at = None
        elif action == "close":
            t.closed_at = now
        text = message or messages.status_changed(new.status, t.lang)
        _log(t, now, actor, "status", message=text, reason=reason, data=data, public=True)

    return _change(db, policy, ref, now, fn)


def escalate(
    db: Database, policy: Policy, ref: str, actor: str, now: datetime, reason: str, steps: int = 1
) -> TicketView:
    """Move the ticket up (or down, steps < 0) the support lines with a reason; internal event."""

    def fn(t: Ticket) -> None:
        new = lifecycle.escalate(_state(t), policy.lines, reason, steps)
        data = {"from_line": t.line, "to_line": new.line, "steps": steps}
        kind = "escalate" if steps > 0 else "de-escalate"
        t.line, t.assignee = new.line, None
        text = f"{data['from_line']} -> {new.line}"
        _log(t, now, actor, kind, message=text, reason=reason, data=data)

    return _change(db, policy, ref, now, fn)


def correct_priority(
    db: Database, policy: Policy, ref: str, actor: str, now: datetime, priority: str, reason: str
) -> TicketView:
    """Set the staff priority; the reason is told to the customer (public event)."""

    def fn(t: Ticket) -> None:
        try:
            lifecycle.correct_priority(_state(t), priority, policy.priorities, reason)
        except ValueError as exc:
            raise InvalidField("priority", str(exc)) from None
        data = {"priority_from": t.priority, "priority_to": priority}
        t.staff_priority = priority
        text = messages.priority_changed(priority, reason, t.lang)
        _log(t, now, actor, "priority", message=text, reason=reason, data=data, public=True)

    return _change(db, policy, ref, now, fn)


def correct_class(
    db: Database,
    policy: Policy,
    ref: str,
    actor: str,
    now: datetime,
    class_id: str,
    reason: str = "",
) -> TicketView:
    """Set the staff class; the ticket moves to the class's line (internal event)."""

    def fn(t: Ticket) -> None:
        lines = {c.id: c.line for c in policy.classes.values()}
        try:
            new = lifecycle.correct_class(_state(t), class_id, lines)
        except ValueError as exc:
            raise InvalidField("class", str(exc)) from None
        data = {"class_from": t.request_class, "class_to": class_id, "line_to": new.line}
        if new.line != t.line:
            t.line, t.assignee = new.line, None
        t.staff_class = class_id
        text = f"Class set to {class_id}."
        _log(t, now, actor, "class", message=text, reason=reason or None, data=data)

    return _change(db, policy, ref, now, fn)


def comment(
    db: Database, policy: Policy, ref: str, actor: str, now: datetime, message: str, public: bool
) -> TicketView:
    """Add a note (internal) or a reply to the customer (public)."""
    with db.write() as s:
        return comment_in(s, policy, ref, actor, now, message, public)


def comment_in(
    s: Session, policy: Policy, ref: str, actor: str, now: datetime, message: str, public: bool
) -> TicketView:
    """``comment`` inside the caller's write transaction."""
    if not message.strip():
        raise InvalidField("message", "must not be empty")

    def fn(t: Ticket) -> None:
        if t.status in lifecycle.FINAL and public:
            raise lifecycle.IllegalTransition(t.status, "comment", f"ticket is {t.status}")
        _log(t, now, actor, "comment", message=message.strip(), public=public)

    return _change_in(s, policy, ref, now, fn)


def assign(
    db: Database, policy: Policy, ref: str, actor: str, now: datetime, to: str | None
) -> TicketView:
    """Give the ticket to a staff member (None: back to the line); internal event."""

    def fn(t: Ticket) -> None:
        data = {"assignee_from": t.assignee, "assignee_to": to}
        _log(t, now, actor, "assign", message=f"Assigned to {to or 'the line'}.", data=data)
        t.assignee = to

    return _change(db, policy, ref, now, fn)


def link_article(
    db: Database,
    policy: Policy,
    ref: str,
    actor: str,
    now: datetime,
    article: str,
    kind: str = "kb_link",
    **data: Any,
) -> TicketView:
    """Record that an article answers the ticket (``kb_link``) or was drafted from it (internal)."""
    if not article.strip():
        raise InvalidField("article", "must not be empty")

    def fn(t: Ticket) -> None:
        text = f"Knowledge base: {'draft' if kind == 'kb_draft' else 'article'} {article}."
        _log(t, now, actor, kind, message=text, data={"article": article.strip(), **data})

    return _change(db, policy, ref, now, fn)


def flag_sla(db: Database, policy: Policy, ref: str, now: datetime) -> str | None:
    """Set the ticket's SLA flag and log it once (internal); the new flag, or None if unchanged."""
    changed: list[str] = []

    def fn(t: Ticket) -> None:
        flag = sla_flag(
            clocks(t, policy, now, pauses_of(t.events)), t.first_reaction_at is not None
        )
        if flag and flag != t.sla_flag and t.status in lifecycle.ACTIVE:
            data = {"flag_from": t.sla_flag, "flag_to": flag}
            text = f"SLA {flag.replace('_', ' ')}."
            _log(t, now, "system", "sla", message=text, data=data)
            t.sla_flag = flag
            changed.append(flag)

    _change(db, policy, ref, now, fn)
    return changed[0] if changed else None


def fill_intake(
    db: Database, policy: Policy, ref: str, actor: str, now: datetime, values: dict[str, str]
) -> tuple[TicketView, tuple[str, ...]]:
    """Fill the ticket's blank intake fields the customer supplied; (view, fields filled).

    Only blank fields are filled (what support already has is never overwritten); a public
    ``intake`` event names them. A ticket waiting on the customer for missing intake moves on
    to open once nothing required is missing. Nothing is logged when nothing was filled.
    """
    for name, value in values.items():
        if name not in FIELDS:
            raise InvalidField(name, f"not an intake field (one of: {', '.join(FIELDS)})")
        validation.check_text(name, value or "")
        if len(value or "") > LIMITS[name]:
            raise InvalidField(name, f"at most {LIMITS[name]} characters")
    filled: list[str] = []

    def fn(t: Ticket) -> None:
        if t.status in lifecycle.FINAL:
            raise lifecycle.IllegalTransition(t.status, "fill", f"ticket is {t.status}")
        for name in FIELDS:
            value = (values.get(name) or "").strip()
            if value and not str(getattr(t, name) or "").strip():
                setattr(t, name, value)
                filled.append(name)
        if not filled:
            return
        data = {"fields": list(filled)}
        _log(t, now, actor, "intake", message="Intake completed.", data=data, public=True)
        left = missing_fields({k: getattr(t, k) for k in FIELDS}, policy, t.channel)
        if t.status == "waiting_customer" and not left and _waits_for_intake(t):
            new = lifecycle.apply(_state(t), "open")
            move = {"from": t.status, "to": new.status, "action": "open", "filled": list(filled)}
            t.status = new.status
            text = "The missing information was supplied; the ticket is open again."
            _log(t, now, actor, "status", message=text, data=move, public=True)

    view = _change(db, policy, ref, now, fn)
    return view, tuple(filled)


def _waits_for_intake(t: Ticket) -> bool:
    """Whether the ticket's current wait on the customer was the request for missing fields."""
    for ev in reversed(t.events):
        if ev.kind == "status" and (ev.data or {}).get("to") == "waiting_customer":
            return "missing" in (ev.data or {})
    return False
