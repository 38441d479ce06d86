"""Reminders while a ticket waits on the customer, then closing it (policy ``reminders:``).

Every ``every_days`` business days of waiting the customer is reminded once (the outbox's dedup
key is the ticket, the moment the wait began and the reminder's number, so repeated or
concurrent sweeps queue it once); after ``close_after_days`` the ticket is declined with the
policy's reason, which queues the closing notice. Business days are open days of the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from triage.desk import outbox, tickets
from triage.desk.db import Database
from triage.desk.lifecycle import IllegalTransition
from triage.desk.models import Ticket
from triage.desk.sla import is_closed
from triage.engine.policy import Calendar, Policy

MAX_DAYS = 3 * 366


def business_days_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Open days after ``start``'s local date up to and including ``end``'s (0 if none)."""
    tz = calendar.tz
    day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    count = 0
    for _ in range(MAX_DAYS):
        if day >= last:
            break
        day += timedelta(days=1)
        count += 0 if is_closed(day, calendar) else 1
    return count


def add_business_days(start: datetime, days: int, calendar: Calendar) -> date:
    """The local date that is ``days`` open days after ``start``'s local date."""
    day, left = start.astimezone(calendar.tz).date(), days
    for _ in range(MAX_DAYS):
        if left <= 0:
            return day
        day += timedelta(days=1)
        left -= 0 if is_closed(day, calendar) else 1
    raise ValueError(f"no {days} open days within {MAX_DAYS} days")


@dataclass(frozen=True)
class Waiting:
    """A ticket waiting on the customer: since when, and what was asked."""

    ref: str
    since: datetime
    missing: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ReminderResult:
    """What one pass did."""

    checked: int
    reminded: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


def _waiting_of(t: Ticket) -> Waiting | None:
    for ev in reversed(t.events):
        if (ev.data or {}).get("to") == "waiting_customer":
            data = ev.data or {}
            return Waiting(t.ref, ev.at, tuple(data.get("missing") or ()), ev.reason or "")
    return None


def waiting(db: Database) -> list[Waiting]:
    """Every ticket now waiting on the customer, with the start of its wait."""
    query = (
        select(Ticket)
        .where(Ticket.status == "waiting_customer")
        .options(selectinload(Ticket.events))
        .order_by(Ticket.id)
    )
    with db.read() as s:
        found = (_waiting_of(t) for t in s.execute(query).scalars())
        return [w for w in found if w is not None]


def _remind(db: Database, policy: Policy, w: Waiting, number: int, now: datetime) -> bool:
    """Queue reminder ``number`` for the wait (once) and note it on the ticket."""
    close_on = add_business_days(w.since, policy.reminders.close_after_days, policy.calendar)
    ctx = {"number": number, "waiting_since": w.since.isoformat(), "missing": list(w.missing)}
    ctx.update(reason=w.reason, close_on=datetime.combine(close_on, w.since.timetz()).isoformat())
    key = f"reminder:{w.ref}:{w.since.isoformat()}:{number}"
    with db.write() as s:
        query = select(Ticket).where(Ticket.ref == w.ref).with_for_update()
        ticket = s.execute(query).scalar_one()
        if ticket.status != "waiting_customer":
            return False
        queued = outbox.enqueue_once(s, ticket, outbox.Notice("reminder", ctx), now, key)
    if queued:
        note = f"Reminder {number} queued for the customer."
        tickets.comment(db, policy, w.ref, "system", now, note, public=False)
    return queued


def run(db: Database, policy: Policy, now: datetime) -> ReminderResult:
    """Remind and close waiting tickets as the policy says; safe to repeat at the same moment."""
    rules = policy.reminders
    found = waiting(db)
    result = ReminderResult(len(found))
    for w in found:
        days = business_days_between(w.since, now, policy.calendar)
        if days >= rules.close_after_days:
            msg = f"Closed automatically: no answer after {days} business days."
            try:
                tickets.transition(
                    db, policy, w.ref, "decline", "system", now, rules.close_reason, msg
                )
                result.closed.append(w.ref)
            except IllegalTransition:  # answered meanwhile
                continue
        elif days >= rules.every_days and _remind(db, policy, w, days // rules.every_days, now):
            result.reminded.append(w.ref)
    return result
