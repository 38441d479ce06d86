"""Staff corrections read back from the ticket log as labelled rows (read-only).

Every ``class`` or ``priority`` event a staff member logged (through ``tickets.correct_class``
and ``tickets.correct_priority``) yields the ticket's description labelled with the class and
priority in force right after that event. Nothing new is stored: the append-only event log is
the record of corrections.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select

from triage.desk.db import Database
from triage.desk.models import Event, Ticket
from triage.engine.learning import Corrected

KINDS = ("class", "priority")
NOT_STAFF = ("customer", "system", "engine")


def _walk(t: Ticket, since: datetime | None) -> Iterator[Corrected]:
    klass = t.customer_class or t.predicted_class
    priority = t.customer_priority or t.predicted_priority
    for e in t.events:
        data = e.data or {}
        if e.kind == "class" and data.get("class_to"):
            klass = data["class_to"]
        elif e.kind == "priority" and data.get("priority_to"):
            priority = data["priority_to"]
        else:
            continue
        if e.actor not in NOT_STAFF and (since is None or e.at >= since):
            yield Corrected(t.description, klass, priority, t.lang, t.ref, e.at)


def corrections(db: Database, since: datetime | None = None) -> list[Corrected]:
    """Every staff correction (since a moment, all when None) as a labelled row, oldest first."""
    corrected = select(Event.ticket_id).where(Event.kind.in_(KINDS))
    if since is not None:
        corrected = corrected.where(Event.at >= since)
    query = select(Ticket).where(Ticket.id.in_(corrected), Ticket.description != "")
    with db.read() as s:
        rows = [c for t in s.execute(query).scalars() for c in _walk(t, since)]
    return sorted(rows, key=lambda c: (c.at, c.ref))
