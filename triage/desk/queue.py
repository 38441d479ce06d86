"""The work queue of a support line: breach risk first (SLA due time), then arrival order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.desk import lifecycle
from triage.desk.db import Database
from triage.desk.models import Ticket
from triage.desk.sla import business_seconds
from triage.engine.policy import Policy


@dataclass(frozen=True)
class QueueItem:
    """One line of the queue."""

    ref: str
    status: str
    request_class: str
    priority: str
    line: str
    assignee: str | None
    reported_at: datetime
    due_at: datetime
    remaining_hours: float  # support hours until due; negative once overdue
    sla_flag: str


def remaining_hours(now: datetime, due: datetime, policy: Policy) -> float:
    """Support hours from now until due (negative when due has passed)."""
    if due >= now:
        return round(business_seconds(now, due, policy.calendar) / 3600, 3)
    return -round(business_seconds(due, now, policy.calendar) / 3600, 3)


def queue(
    db: Database,
    policy: Policy,
    now: datetime,
    line: str | None = None,
    include_waiting: bool = False,
    limit: int = 100,
) -> list[QueueItem]:
    """Open tickets of a line (all lines when None), most urgent due time first, then oldest."""
    statuses = lifecycle.ACTIVE if include_waiting else lifecycle.ACTIVE - lifecycle.PAUSED
    query = select(Ticket).where(Ticket.status.in_(sorted(statuses)))
    if line:
        query = query.where(Ticket.line == line)
    query = query.order_by(Ticket.due_at, Ticket.reported_at, Ticket.id).limit(limit)
    with db.read() as s:
        rows = s.execute(query.execution_options(populate_existing=True)).scalars().all()
        return [
            QueueItem(
                t.ref,
                t.status,
                t.request_class,
                t.priority,
                t.line,
                t.assignee,
                t.reported_at,
                t.due_at,
                remaining_hours(now, t.due_at, policy),
                t.sla_flag,
            )  # fmt: skip
            for t in rows
        ]
