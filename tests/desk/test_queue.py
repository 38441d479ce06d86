"""The queue order (due time, then arrival) and the SLA sweep, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from triage.desk import tickets
from triage.desk.intake import Classified, Intake
from triage.desk.models import Event
from triage.desk.queue import queue
from triage.desk.sweep import sweep

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
INTAKE = Intake(description="d", contact="c@example.com", module="m", version="1", steps="s")


def file(db, policy, priority, line="L1", now=MON_9, intake=INTAKE):
    """File a ticket with the given predicted priority and line; return its ref."""
    decided = Classified("access", priority, line)
    return tickets.file_ticket(db, policy, intake, decided, now).ref


def test_queue_orders_by_due_then_arrival(db, policy):
    low = file(db, policy, "low")
    crit_early = file(db, policy, "critical")
    crit_late = file(db, policy, "critical", now=MON_9 + timedelta(minutes=5))
    high = file(db, policy, "high")
    other_line = file(db, policy, "critical", line="L2")
    crit_same = file(db, policy, "critical")  # same due as crit_early: arrival decides
    refs = [i.ref for i in queue(db, policy, MON_9, line="L1")]
    assert refs == [crit_early, crit_same, crit_late, high, low]
    assert other_line in [i.ref for i in queue(db, policy, MON_9)]
    assert queue(db, policy, MON_9, line="L1")[0].remaining_hours == 8


def test_waiting_and_resolved_leave_the_queue(db, policy):
    a, b, c = (file(db, policy, "high") for _ in range(3))
    tickets.transition(db, policy, a, "wait_customer", "bob", MON_9, reason="logs?")
    tickets.transition(db, policy, b, "open", "bob", MON_9)
    tickets.transition(db, policy, b, "resolve", "bob", MON_9)
    assert [i.ref for i in queue(db, policy, MON_9)] == [c]
    assert {i.ref for i in queue(db, policy, MON_9, include_waiting=True)} == {a, c}


def test_sweep_flags_once_and_is_idempotent(db, policy):
    ref = file(db, policy, "critical")  # 8 business hours: due Tuesday 09:00 Berlin
    quiet = file(db, policy, "low")
    at_risk = MON_9 + timedelta(hours=6, minutes=30)  # 6.5 of 8 h used = 81%
    result = sweep(db, policy, at_risk)
    assert result.flagged == {ref: "reaction_at_risk"} and result.checked == 2
    assert sweep(db, policy, at_risk).flagged == {}
    breached = MON_9 + timedelta(days=1, hours=2)  # Tuesday 11:00 Berlin: 10 h used
    assert sweep(db, policy, breached).flagged == {ref: "reaction_breached"}
    assert sweep(db, policy, breached + timedelta(hours=1)).flagged == {}
    with db.read() as s:
        kinds = s.execute(select(Event.kind, func.count()).group_by(Event.kind)).all()
    assert dict(kinds)["sla"] == 2
    tickets.transition(db, policy, ref, "open", "bob", breached)  # reacted: resolution clock
    assert quiet not in sweep(db, policy, breached).flagged
