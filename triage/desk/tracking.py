"""The customer's side of a ticket: what the status page shows, and the customer's reply.

Read with the tracking token only (a wrong token looks exactly like an unknown ref). The page
shows public events, each said by "you" (the customer), "support" or the desk itself, never a
staff name. A reply goes through ``triage.desk.tickets`` (the only writer): a public comment,
and when the ticket was waiting on the customer, the move back to open that resumes its clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.desk import lifecycle, tickets
from triage.desk.db import Database
from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.models import Ticket
from triage.desk.sla import SlaState
from triage.desk.tokens import token_matches
from triage.desk.unit import one_transaction
from triage.desk.views import CustomerView, clocks, customer_view, pauses_of
from triage.engine.policy import Policy

CUSTOMER, SYSTEM = "customer", ("system", "engine")


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


def _by(actor: str) -> str:
    if actor == CUSTOMER:
        return "you"
    return "desk" if actor in SYSTEM else "support"


def _public_data(kind: str, data: dict) -> dict:
    """Only the values the customer may see: the status moved to and the priority set."""
    keep = {"status": ("to",), "priority": ("priority_to",)}.get(kind, ())
    return {k: data[k] for k in keep if k in (data or {})}


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
                e.at, e.kind, e.message, e.reason, _by(e.actor), _public_data(e.kind, e.data)
            )
            for e in t.events
            if e.public
        )
        return Tracking(
            view=customer_view(t, policy, now),
            request_class=t.request_class,
            reacted_at=t.first_reaction_at,
            reaction=reaction,
            events=events,
            can_reply=t.status not in lifecycle.FINAL,
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
        query = select(Ticket.token_hash).where(Ticket.ref == ref).with_for_update()
        stored = unit.session.execute(query).scalar()
        if stored is None or not token_matches(token, stored):
            raise TicketNotFound(ref)
        view = tickets.comment(unit, policy, ref, CUSTOMER, now, message, public=True)
        if view.status == "waiting_customer":
            text = "The customer replied; the ticket is open again."
            view = tickets.transition(unit, policy, ref, "open", CUSTOMER, now, message=text)
        return view.status
