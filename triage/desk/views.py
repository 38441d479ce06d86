"""Read-only values of tickets: the staff view, the customer view, and the ticket's SLA clocks.

Built from ORM rows but returned as frozen dataclasses, so callers (web, CLI) never hold a
session. The customer view carries only what the requester may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from triage.desk import lifecycle
from triage.desk.db import Database
from triage.desk.models import Ticket
from triage.desk.sla import Pause, SlaState, sla_state
from triage.desk.tokens import token_matches
from triage.engine.policy import Policy


@dataclass(frozen=True)
class EventView:
    """One logged event."""

    at: datetime
    actor: str
    kind: str
    message: str
    reason: str | None
    data: dict[str, Any]
    public: bool


@dataclass(frozen=True)
class Clocks:
    """Both SLA targets of a ticket at a moment."""

    reaction: SlaState
    resolution: SlaState


@dataclass(frozen=True)
class TicketView:
    """Everything staff see about a ticket."""

    ref: str
    status: str
    channel: str
    contact: str
    module: str
    version: str
    description: str
    steps: str
    lang: str
    request_class: str
    priority: str
    predicted_class: str
    predicted_priority: str
    confidence: float
    customer_class: str | None
    customer_priority: str | None
    staff_class: str | None
    staff_priority: str | None
    plan: str
    line: str
    assignee: str | None
    reported_at: datetime
    updated_at: datetime
    first_reaction_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_flag: str
    clocks: Clocks
    allowed_actions: tuple[str, ...]
    events: tuple[EventView, ...]


@dataclass(frozen=True)
class PublicEvent:
    """An event as the customer sees it: no actor names, no internal data."""

    at: datetime
    kind: str
    message: str
    reason: str | None


@dataclass(frozen=True)
class CustomerView:
    """What the requester may see with the tracking token."""

    ref: str
    status: str
    priority: str
    lang: str
    reported_at: datetime
    reaction_due: datetime
    reacted: bool
    events: tuple[PublicEvent, ...]


def pauses_of(events: Iterable[Any]) -> tuple[Pause, ...]:
    """The spans a ticket spent in a waiting status, from its status events in order."""
    pauses: list[Pause] = []
    start: datetime | None = None
    for ev in events:
        to = (ev.data or {}).get("to")
        if to is None:
            continue
        if lifecycle.pauses_clock(to) and start is None:
            start = ev.at
        elif not lifecycle.pauses_clock(to) and start is not None:
            pauses.append(Pause(start, ev.at))
            start = None
    if start is not None:
        pauses.append(Pause(start, None))
    return tuple(pauses)


def clocks(ticket: Any, policy: Policy, now: datetime, pauses: Iterable[Pause]) -> Clocks:
    """The reaction and resolution clocks of a ticket at ``now``."""
    target = policy.target(ticket.priority, ticket.plan)
    pauses = tuple(pauses)

    def state(hours: float, stopped: datetime | None) -> SlaState:
        return sla_state(
            ticket.reported_at,
            hours,
            policy.calendar,
            now,
            pauses,
            at_risk_share=policy.at_risk_share,
            stopped_at=stopped,
        )

    stop = ticket.resolved_at or ticket.closed_at
    if stop is None and ticket.status in ("deferred", "declined"):
        stop = ticket.updated_at
    return Clocks(state(target.reaction, ticket.first_reaction_at), state(target.resolution, stop))


def sla_flag(clk: Clocks, reacted: bool) -> str:
    """The flag of the target still running: ``<target>_at_risk``, ``<target>_breached`` or ''."""
    name, state = ("resolution", clk.resolution) if reacted else ("reaction", clk.reaction)
    if state.breached:
        return f"{name}_breached"
    return f"{name}_at_risk" if state.at_risk else ""


def _event(ev: Any) -> EventView:
    return EventView(
        ev.at, ev.actor, ev.kind, ev.message, ev.reason, dict(ev.data or {}), ev.public
    )


def staff_view(ticket: Any, policy: Policy, now: datetime) -> TicketView:
    """The full staff view of a loaded ticket (events included) at ``now``."""
    events = tuple(_event(e) for e in ticket.events)
    fields = {k: getattr(ticket, k) for k in TicketView.__dataclass_fields__ if hasattr(ticket, k)}
    fields.update(
        request_class=ticket.request_class,
        priority=ticket.priority,
        clocks=clocks(ticket, policy, now, pauses_of(events)),
        allowed_actions=lifecycle.allowed_actions(ticket.status),
        events=events,
    )
    return TicketView(**fields)


def customer_view(ticket: Any, policy: Policy, now: datetime) -> CustomerView:
    """The customer's view of a loaded ticket: status, due reaction time, public events only."""
    pauses = pauses_of(ticket.events)
    reaction = clocks(ticket, policy, now, pauses).reaction
    public = tuple(
        PublicEvent(e.at, e.kind, e.message, e.reason) for e in ticket.events if e.public
    )
    return CustomerView(
        ref=ticket.ref,
        status=ticket.status,
        priority=ticket.priority,
        lang=ticket.lang,
        reported_at=ticket.reported_at,
        reaction_due=reaction.due,
        reacted=ticket.first_reaction_at is not None,
        events=public,
    )


def to_jsonable(value: Any) -> Any:
    """A dataclass (or nested values) as JSON-ready data, datetimes in ISO 8601."""
    if hasattr(value, "__dataclass_fields__"):
        value = asdict(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _load(session: Any, ref: str) -> Ticket | None:
    return session.execute(select(Ticket).where(Ticket.ref == ref)).scalar_one_or_none()


def find_staff_view(db: Database, policy: Policy, ref: str, now: datetime) -> TicketView | None:
    """The staff view of a ticket by ref, or None."""
    with db.read() as s:
        ticket = _load(s, ref)
        return staff_view(ticket, policy, now) if ticket else None


def find_customer_view(
    db: Database, policy: Policy, ref: str, token: str | None, now: datetime
) -> CustomerView | None:
    """The customer view when ref and tracking token match; None otherwise (no difference)."""
    with db.read() as s:
        ticket = _load(s, ref)
        if ticket is None or not token_matches(token, ticket.token_hash):
            return None
        return customer_view(ticket, policy, now)


def ticket_line(db: Database, ref: str) -> str | None:
    """The line that owns a ticket now, or None when there is no such ticket."""
    with db.read() as s:
        return s.execute(select(Ticket.line).where(Ticket.ref == ref)).scalar_one_or_none()
