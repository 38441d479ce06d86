"""The only writer of tickets: file, transition, escalate, correct, comment, assign.

Every change is one write transaction (BEGIN IMMEDIATE on SQLite, a row lock on PostgreSQL)
that updates the ticket and appends its events; nothing is ever deleted. Refs come from a
counter row bumped inside the ticket's own transaction, so they are unique and gap-free.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.desk import lifecycle, messages, outbox, validation
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
    validate,
)
from triage.desk.lifecycle import TicketState
from triage.desk.models import Event, RefCounter, Ticket
from triage.desk.tokens import hash_token, keyring_of, new_token
from triage.desk.views import TicketView, clocks, pauses_of, sla_flag, staff_view
from triage.engine.policy import Policy


def _dialect_insert(session: Session):
    """The INSERT construct of the session's dialect (both have ON CONFLICT DO NOTHING)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def next_ref(session: Session, prefix: str) -> str:
    """Bump the prefix's counter inside the caller's transaction and format the ref."""
    if session.get(RefCounter, prefix) is None:  # first ticket of this prefix: create the row
        insert = _dialect_insert(session)(RefCounter).values(prefix=prefix, value=0)
        session.execute(insert.on_conflict_do_nothing(index_elements=["prefix"]))
    bump = (
        update(RefCounter)
        .where(RefCounter.prefix == prefix)
        .values(value=RefCounter.value + 1)
        .returning(RefCounter.value)
        .execution_options(synchronize_session=False)
    )
    return f"{prefix}-{session.execute(bump).scalar_one():06d}"


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
    validate(intake, policy)
    values = {k: getattr(intake, k) for k in FIELDS}
    missing = missing_fields(values, policy, intake.channel)
    status = lifecycle.initial_status(missing)
    token = new_token()
    with db.write() as s:
        t = _new_ticket(policy, intake, decided, status, now)
        t.ref, t.token_hash = next_ref(s, policy.ref_prefix), hash_token(token)
        t.token_sealed = keyring_of(s).seal(token)  # for the status links of later mails
        _file_events(t, now, intake, decided, missing)
        _refresh_dues(t, policy, now)
        s.add(t)
        outbox.on_events(s, t, t.events, now, token)  # the confirmation, sent by a mail worker
    return Filed(t.ref, token, status, t.request_class, t.priority, t.line, t.reaction_due, missing)


def _new_ticket(
    policy: Policy, intake: Intake, decided: Classified, status: str, now: datetime
) -> Ticket:
    """The ticket row of an intake, without ref and token (a customer's class picks the line)."""
    klass = intake.customer_class or decided.request_class
    return Ticket(
        **{k: getattr(intake, k) for k in ("contact", "channel", "module", "version")},
        **{k: getattr(intake, k) for k in ("description", "steps", "lang")},
        predicted_class=decided.request_class,
        predicted_priority=decided.priority,
        confidence=decided.confidence,
        customer_class=intake.customer_class,
        customer_priority=intake.customer_priority,
        plan=intake.plan or policy.default_plan,
        line=policy.request_class(klass).line if intake.customer_class else decided.line,
        status=status,
        reported_at=now,
        created_at=now,
        updated_at=now,
        events=[],
    )


def _file_events(t: Ticket, now: datetime, intake: Intake, d: Classified, missing) -> None:
    data = {"from": None, "to": "new", "channel": intake.channel}
    text = messages.received(intake.lang)
    _log(t, now, "customer", "created", message=text, data=data, public=True)
    engine = {"class": d.request_class, "priority": d.priority, "line": d.line}
    engine.update(confidence=d.confidence, suggestions=list(d.suggestions), **intake.extra)
    _log(t, now, "engine", "triaged", message="Classified by the engine.", data=engine)
    if missing:
        msg = lifecycle.intake_request(missing, intake.lang)
        data = {"from": "new", "to": "waiting_customer", "missing": list(missing)}
        _log(
            t, now, "system", "status", message=msg, reason="missing intake", data=data, public=True
        )


def _change(
    db: Database, policy: Policy, ref: str, now: datetime, fn: Callable[[Ticket], None]
) -> TicketView:
    """Lock the ticket, let ``fn`` change it and log, refresh its due times, commit."""
    with db.write() as s:
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
    if not message.strip():
        raise InvalidField("message", "must not be empty")

    def fn(t: Ticket) -> None:
        if t.status in lifecycle.FINAL and public:
            raise lifecycle.IllegalTransition(t.status, "comment", f"ticket is {t.status}")
        _log(t, now, actor, "comment", message=message.strip(), public=public)

    return _change(db, policy, ref, now, fn)


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
