"""The customer's side of a ticket: what the status page shows, and the customer's reply.

Read with the tracking token only (a wrong token looks exactly like an unknown ref). The page
shows public events, each said by "you" (the customer), "support" or the desk itself, never a
staff name. A reply goes through ``triage.desk.tickets`` (the only writer): a public comment,
and when the ticket was waiting on the customer, the move back to open that resumes its clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from triage.desk import lifecycle, tickets
from triage.desk.db import Database
from triage.desk.intake import (
    FIELDS,
    LIMITS,
    InvalidField,
    TicketNotFound,
    missing_fields,
    parse_fields,
)
from triage.desk.models import Ticket
from triage.desk.sla import SlaState
from triage.desk.tokens import token_matches
from triage.desk.unit import one_transaction
from triage.desk.views import CustomerView, clocks, customer_view, pauses_of
from triage.engine.policy import Policy

CUSTOMER, SYSTEM = "customer", ("system", "engine")
WROTE = ("subject", "description", "module", "version", "steps")  # shown as the customer wrote
SOLVABLE = frozenset({"new", "open", "in_progress", "waiting_customer", "waiting_third_party"})
# reasons staff record for themselves: never shown to the customer
INTERNAL_REASONS = frozenset(
    {"answered from the knowledge base", "missing intake", "information requested"}
)


@dataclass(frozen=True)
class TrackedEvent:
    """One public event and who said it: ``you``, ``support`` or ``desk``."""

    at: datetime
    kind: str
    message: str
    reason: str | None
    by: str
    data: dict


@dataclass(frozen=True)
class Tracking:
    """Everything the status page shows about one ticket."""

    view: CustomerView
    request_class: str
    reacted_at: datetime | None
    reaction: SlaState
    events: tuple[TrackedEvent, ...]
    can_reply: bool
    wrote: dict[str, str] = field(default_factory=dict)  # the customer's own words, by field
    missing: tuple[str, ...] = ()  # required intake fields still blank
    customer_status: str = "working"  # a key of ``status`` in triage/web/customer.yml
    can_solve: bool = False  # "This solved it"
    can_reopen: bool = False  # "Reopen"


def _by(actor: str) -> str:
    if actor == CUSTOMER:
        return "you"
    return "desk" if actor in SYSTEM else "support"


def _public_data(kind: str, data: dict) -> dict:
    """Only the values the customer may see: the status moved to, the priority set, the
    intake fields the customer filled in."""
    keep = {
        "status": ("to", "action", "missing", "step"),
        "priority": ("priority_to",),
        "intake": ("fields",),
    }.get(kind, ())
    return {k: data[k] for k in keep if k in (data or {})}


TOLD = frozenset({"waiting_customer", "deferred", "declined"})  # moves whose reason is told


def _public_reason(kind: str, reason: str | None, actor: str, data: dict) -> str | None:
    """The reason the customer may read: why the priority changed, what support asks for, a
    coded decline reason; never a note staff keep for themselves (a third party's case, the
    knowledge base answered it)."""
    if not reason or actor == CUSTOMER or reason.strip().lower() in INTERNAL_REASONS:
        return None
    if kind == "status" and (data or {}).get("to") not in TOLD:
        return None
    return reason


def customer_status(status: str, reacted: bool, events: tuple[TrackedEvent, ...]) -> str:
    """Where the work stands in the customer's words (a key of the words table; pure).

    ``received`` until support first reacts; ``answered`` while support's public word is the
    last of the conversation; ``need_info`` while the ticket waits for missing intake fields.
    """
    fixed = {
        "resolved": "solved",
        "closed": "closed",
        "deferred": "deferred",
        "declined": "declined",
        "waiting_third_party": "third_party",
    }
    if status in fixed:
        return fixed[status]
    if status == "waiting_customer":
        wait = next((e for e in reversed(events) if e.data.get("to") == status), None)
        return "need_info" if wait is not None and "missing" in wait.data else "waiting_you"
    said = [e for e in events if e.kind == "comment" or (e.kind == "status" and e.by == "you")]
    if said and said[-1].by == "support":
        return "answered"
    return "received" if status == "new" and not reacted else "working"


def find_tracking(
    db: Database, policy: Policy, ref: str, token: str | None, now: datetime
) -> Tracking | None:
    """The status page's values when ref and token match; None otherwise (no difference)."""
    with db.read() as s:
        t = s.execute(select(Ticket).where(Ticket.ref == ref)).scalar_one_or_none()
        if t is None or not token_matches(token, t.token_hash):
            return None
        reaction = clocks(t, policy, now, pauses_of(t.events)).reaction
        events = tuple(
            TrackedEvent(
                e.at,
                e.kind,
                e.message,
                _public_reason(e.kind, e.reason, e.actor, e.data),
                _by(e.actor),
                _public_data(e.kind, e.data),
            )
            for e in t.events
            if e.public
        )
        wrote = {k: str(getattr(t, k, "") or "").strip() for k in WROTE}
        open_ = t.status not in lifecycle.FINAL
        return Tracking(
            view=customer_view(t, policy, now),
            request_class=t.request_class,
            reacted_at=t.first_reaction_at,
            reaction=reaction,
            events=events,
            can_reply=open_,
            wrote={k: v for k, v in wrote.items() if v},
            missing=missing_fields({k: getattr(t, k) for k in FIELDS}, policy, t.channel)
            if open_
            else (),
            customer_status=customer_status(t.status, t.first_reaction_at is not None, events),
            can_solve=t.status in SOLVABLE or t.status == "resolved",
            can_reopen=t.status == "resolved",
        )


def customer_reply(
    db: Database, policy: Policy, ref: str, token: str | None, message: str, now: datetime
) -> str:
    """Add the customer's reply; a ticket waiting on the customer moves back to open.

    Returns the status after the reply. TicketNotFound for an unknown ref or a wrong token,
    InvalidField for an empty message, IllegalTransition when the ticket is closed. Token check,
    comment and move are one transaction on the locked ticket: a refusal stored nothing, and a
    staff move racing the reply comes wholly before or wholly after it.
    """
    if not message.strip():
        raise InvalidField("message", "must not be empty")
    with one_transaction(db) as unit:
        _lock(unit, ref, token)
        view = tickets.comment(unit, policy, ref, CUSTOMER, now, message, public=True)
        supplied = parse_fields(message)  # "Модуль: Compute / Версия: 5.1" fills them
        if supplied:
            view, _filled = tickets.fill_intake(unit, policy, ref, CUSTOMER, now, supplied)
        if view.status == "waiting_customer":
            text = "The customer replied; the ticket is open again."
            view = tickets.transition(unit, policy, ref, "open", CUSTOMER, now, message=text)
        return view.status


def _lock(unit, ref: str, token: str | None) -> None:
    """Lock the ticket row for this transaction; TicketNotFound unless the token matches."""
    query = select(Ticket.token_hash).where(Ticket.ref == ref).with_for_update()
    stored = unit.session.execute(query).scalar()
    if stored is None or not token_matches(token, stored):
        raise TicketNotFound(ref)


def supply_fields(
    db: Database, policy: Policy, ref: str, token: str | None, values: dict[str, str], now: datetime
) -> tuple[str, ...]:
    """Fill the missing intake fields the customer sent from the status page (one transaction).

    Returns the fields filled. InvalidField for a field that is not missing or too long, or when
    nothing was given; TicketNotFound for a wrong token; IllegalTransition when closed.
    """
    given = {k: (v or "").strip() for k, v in values.items() if (v or "").strip()}
    for name, value in given.items():
        if name not in FIELDS:
            raise InvalidField(name, "not an intake field")
        if len(value) > LIMITS[name]:
            raise InvalidField(name, f"at most {LIMITS[name]} characters")
    if not given:
        raise InvalidField("fields", "nothing given")
    with one_transaction(db) as unit:
        _lock(unit, ref, token)
        _view, filled = tickets.fill_intake(unit, policy, ref, CUSTOMER, now, given)
        return filled


def confirm_solved(db: Database, policy: Policy, ref: str, token: str | None, now: datetime) -> str:
    """ "This solved it": the ticket is resolved (if it was not yet) and closed; the new status.

    One transaction on the locked ticket; TicketNotFound for a wrong token, IllegalTransition
    when the lifecycle allows no such move (a closed or declined ticket).
    """
    with one_transaction(db) as unit:
        _lock(unit, ref, token)
        status = unit.session.execute(select(Ticket.status).where(Ticket.ref == ref)).scalar()
        text, step = "The customer confirmed that this solved it.", {"step": True}
        if status == "new":
            tickets.transition(unit, policy, ref, "open", CUSTOMER, now, None, text, step)
        if status != "resolved":
            tickets.transition(unit, policy, ref, "resolve", CUSTOMER, now, None, text, step)
        return tickets.transition(unit, policy, ref, "close", CUSTOMER, now, message=text).status


def reopen(
    db: Database, policy: Policy, ref: str, token: str | None, message: str, now: datetime
) -> str:
    """ "Reopen" a resolved ticket, with what still does not work as the customer's reply.

    One transaction on the locked ticket; the new status. TicketNotFound for a wrong token,
    IllegalTransition unless the ticket is resolved.
    """
    text = (message or "").strip()
    if len(text) > LIMITS["description"]:
        raise InvalidField("message", f"at most {LIMITS['description']} characters")
    with one_transaction(db) as unit:
        _lock(unit, ref, token)
        status = unit.session.execute(select(Ticket.status).where(Ticket.ref == ref)).scalar()
        if status != "resolved":
            raise lifecycle.IllegalTransition(status, "reopen", f"ticket is {status}")
        if text:
            tickets.comment(unit, policy, ref, CUSTOMER, now, text, public=True)
        reason = "The customer reopened the request."
        view = tickets.transition(unit, policy, ref, "reopen", CUSTOMER, now, reason, reason)
        return view.status
