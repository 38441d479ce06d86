"""Solved work for reuse: the texts of recently resolved tickets (read only).

The staff console compares a ticket with these (``triage.engine.similar``); the number read
is bounded, so the comparison stays a few milliseconds however large the desk grows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from triage.desk.db import Database
from triage.desk.models import Ticket

SOLVED = ("resolved", "closed")


@dataclass(frozen=True)
class Solved:
    """A resolved ticket as a neighbour: its ref, class, and the text compared."""

    ref: str
    request_class: str
    text: str


def recent_solved(db: Database, limit: int = 500, exclude: str | None = None) -> list[Solved]:
    """The most recently resolved or closed tickets (newest first), at most ``limit``."""
    cols = (Ticket.ref, Ticket.staff_class, Ticket.customer_class, Ticket.predicted_class)
    query = (
        select(*cols, Ticket.description, Ticket.steps)
        .where(Ticket.status.in_(SOLVED))
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    if exclude:
        query = query.where(Ticket.ref != exclude)
    with db.read() as s:
        rows = s.execute(query).all()
    return [
        Solved(ref, staff or customer or predicted, f"{desc}\n{steps}".strip())
        for ref, staff, customer, predicted, desc, steps in rows
    ]
