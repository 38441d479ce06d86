"""Reminders while a ticket waits on the customer, then the automatic close, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from triage.desk import reminders, tickets
from triage.desk.channel_models import OutboxMessage
from triage.desk.intake import Classified, Intake
from triage.desk.models import Ticket

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
DECIDED = Classified("access", "medium", "L1", 0.9)
WAITING = Intake(
    description="I cannot sign in", contact="ann@example.com", module="Accounts", steps="1. sign in"
)


def kinds(db) -> list[tuple[str, str]]:
    """(kind, status) of every outbox row, oldest first."""
    with db.read() as s:
        rows = s.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars()
        return [(r.kind, r.dedup_key or "") for r in rows]


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (MON_9, MON_9 + timedelta(hours=5), 0),
        (MON_9, MON_9 + timedelta(days=2), 2),  # Wednesday
        (MON_9, MON_9 + timedelta(days=7), 5),  # next Monday: the weekend does not count
        (datetime(2026, 12, 23, 9, tzinfo=UTC), datetime(2026, 12, 28, 9, tzinfo=UTC), 2),
    ],  # 24th Thu, 25th and 26th holidays, 27th Sunday, 28th Monday
)
def test_business_days(policy, start, end, days):
    assert reminders.business_days_between(start, end, policy.calendar) == days


def test_close_date_skips_weekends(policy):
    assert reminders.add_business_days(MON_9, 10, policy.calendar).isoformat() == "2026-12-07"


def test_reminds_every_two_business_days_then_closes(db, policy):
    ref = tickets.file_ticket(db, policy, WAITING, DECIDED, MON_9).ref  # version missing
    assert reminders.run(db, policy, MON_9 + timedelta(days=1)).reminded == []
    wed = MON_9 + timedelta(days=2)
    assert reminders.run(db, policy, wed).reminded == [ref]
    assert reminders.run(db, policy, wed + timedelta(hours=3)).reminded == []  # once per step
    fri = MON_9 + timedelta(days=4)
    assert reminders.run(db, policy, fri).reminded == [ref]
    dec_7 = MON_9 + timedelta(days=14)
    result = reminders.run(db, policy, dec_7)
    assert result.closed == [ref] and result.reminded == []
    with db.read() as s:
        ticket = s.execute(select(Ticket).where(Ticket.ref == ref)).scalar_one()
        closing = ticket.events[-1]
        assert ticket.status == "declined" and closing.reason == "information_unavailable"
        assert [e.message for e in ticket.events if e.kind == "comment"] == [
            "Reminder 1 queued for the customer.",
            "Reminder 2 queued for the customer.",
        ]
    got = kinds(db)
    assert [k for k, _ in got] == ["confirmation", "reminder", "reminder", "auto_close"]
    assert got[1][1].endswith(":1") and got[2][1].endswith(":2")
    with db.read() as s:
        row = s.execute(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).scalar()
        assert row.context["missing"] == ["version"]
        assert row.context["close_on"].startswith("2026-12-07")


def test_answered_ticket_is_not_reminded(db, policy):
    ref = tickets.file_ticket(db, policy, WAITING, DECIDED, MON_9).ref
    tickets.transition(db, policy, ref, "open", "customer", MON_9 + timedelta(hours=1))
    result = reminders.run(db, policy, MON_9 + timedelta(days=20))
    assert result.checked == 0 and result.closed == [] and result.reminded == []
    assert [k for k, _ in kinds(db)] == ["confirmation"]
