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


def _item(t: Ticket, policy: Policy, now: datetime) -> QueueItem:
    due = t.due_at
    return QueueItem(
        ref=t.ref,
        status=t.status,
        request_class=t.request_class,
        priority=t.priority,
        line=t.line,
        assignee=t.assignee,
        reported_at=t.reported_at,
        due_at=due,
        remaining_hours=remaining_hours(now, due, policy),
        sla_flag=t.sla_flag,
    )


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
        return [_item(t, policy, now) for t in s.execute(query).scalars()]


def listing(
    db: Database,
    policy: Policy,
    now: datetime,
    status: str | None = None,
    line: str | None = None,
    limit: int = 100,
) -> list[QueueItem]:
    """Tickets of any status for admins, newest first, optionally of one status and line."""
    query = select(Ticket)
    if status:
        query = query.where(Ticket.status == status)
    if line:
        query = query.where(Ticket.line == line)
    query = query.order_by(Ticket.reported_at.desc(), Ticket.id.desc()).limit(limit)
    with db.read() as s:
        return [_item(t, policy, now) for t in s.execute(query).scalars()]
