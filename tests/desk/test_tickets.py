"""Filing and changing tickets on both databases: refs, tokens, events, SLA due times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from triage.desk import tickets
from triage.desk.intake import Classified, Intake, InvalidField, TicketNotFound
from triage.desk.lifecycle import IllegalTransition
from triage.desk.models import Event, Ticket
from triage.desk.sla import business_seconds
from triage.desk.tokens import hash_token

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
DECIDED = Classified("access", "medium", "L1", 0.91, ({"id": "a", "url": "/access/a/"},))
FULL = Intake(
    description="I cannot sign in since the update",
    contact="ann@example.com",
    module="Accounts",
    version="2.3",
    steps="1. open the portal 2. sign in",
)


def file(db, policy, intake=FULL, decided=DECIDED, now=MON_9):
    """File a ticket and return the Filed value."""
    return tickets.file_ticket(db, policy, intake, decided, now)


def test_file_ticket_stores_everything(db, policy):
    filed = file(db, policy)
    assert filed.ref == "SUP-000001" and filed.status == "new" and filed.missing == ()
    # medium = 96 business hours: 7 h on Monday, 9 whole days, 8 h on Monday 7 December
    assert filed.reaction_due == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    with db.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert (t.contact, t.module, t.version, t.lang, t.channel) == (
            "ann@example.com", "Accounts", "2.3", "en", "web",
        )  # fmt: skip
        assert (t.predicted_class, t.predicted_priority, t.line, t.plan) == (
            "access", "medium", "L1", "standard",
        )  # fmt: skip
        assert t.reported_at == MON_9 and t.reported_at.tzinfo is not None
        assert [e.kind for e in t.events] == ["created", "triaged"]
        assert t.events[1].data["suggestions"][0]["url"] == "/access/a/"


def test_reaction_due_counts_business_hours(db, policy):
    # critical = 8 business hours: Friday 16:00 Berlin -> 1 h Friday + 7 h Monday = Mon 15:00
    fri_16 = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    filed = file(db, policy, decided=Classified("outage", "critical", "L3"), now=fri_16)
    assert filed.reaction_due == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_token_never_stored_in_clear(db, policy):
    filed = file(db, policy)
    assert len(filed.token) >= 40
    with db.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert t.token_hash == hash_token(filed.token) and filed.token not in t.token_hash
        dump = " ".join(
            str(v)
            for table in ("tickets", "events", "ref_counters")
            for row in s.execute(text(f"SELECT * FROM {table}"))
            for v in row
        )
    assert filed.token not in dump


def test_refs_are_sequential_and_customer_choice_kept(db, policy):
    refs = [file(db, policy).ref for _ in range(3)]
    assert refs == ["SUP-000001", "SUP-000002", "SUP-000003"]
    chosen = Intake(**{**FULL.__dict__, "customer_priority": "high", "customer_class": "outage"})
    filed = file(db, policy, intake=chosen)
    assert (filed.priority, filed.request_class, filed.line) == ("high", "outage", "L3")


def test_missing_intake_waits_for_customer(db, policy):
    filed = file(db, policy, intake=Intake(description="help", lang="de"))
    assert filed.status == "waiting_customer"
    assert filed.missing == ("module", "version", "steps", "contact")  # seed 003: steps too
    view = tickets.transition(db, policy, filed.ref, "open", "ann", MON_9 + timedelta(hours=2))
    request = [e for e in view.events if e.kind == "status"][0]
    assert request.public and request.message.startswith("Bitte") and "version" in request.message
    # two hours paused: the reaction due moves two business hours later than unpaused
    unpaused = file(db, policy, intake=FULL).reaction_due
    moved = business_seconds(unpaused, view.clocks.reaction.due, policy.calendar)
    assert moved == 2 * 3600


@pytest.mark.parametrize(
    ("field", "value"),
    [("channel", "pigeon"), ("customer_priority", "urgent"), ("lang", "fr"), ("plan", "gold"),
     ("description", "  "), ("module", "x" * 201)],
)  # fmt: skip
def test_invalid_intake_changes_nothing(db, policy, field, value):
    with pytest.raises(InvalidField):
        file(db, policy, intake=Intake(**{**FULL.__dict__, field: value}))
    with db.read() as s:
        assert s.execute(select(func.count(Ticket.id))).scalar() == 0


def test_transitions_log_events_and_reaction(db, policy):
    ref = file(db, policy).ref
    later = MON_9 + timedelta(hours=1)
    view = tickets.transition(db, policy, ref, "open", "bob", later)
    assert view.status == "open" and view.first_reaction_at == later
    assert view.clocks.reaction.met is True
    tickets.transition(db, policy, ref, "start", "bob", later)
    tickets.transition(db, policy, ref, "wait_third_party", "bob", later, reason="vendor #9")
    view = tickets.transition(db, policy, ref, "resume", "bob", later + timedelta(days=1))
    view = tickets.transition(db, policy, ref, "resolve", "bob", later + timedelta(days=1))
    assert view.status == "resolved" and view.resolved_at is not None
    view = tickets.transition(db, policy, ref, "close", "bob", later + timedelta(days=2))
    kinds = [(e.kind, e.data.get("to")) for e in view.events]
    assert kinds[-1] == ("status", "closed") and len(view.events) == 8
    with pytest.raises(IllegalTransition):
        tickets.transition(db, policy, ref, "reopen", "bob", later + timedelta(days=3), "again")
    with db.read() as s:  # the refused move left no trace
        assert s.execute(select(func.count(Event.id))).scalar() == 8


def test_escalation_and_corrections(db, policy):
    ref = file(db, policy).ref
    view = tickets.escalate(db, policy, ref, "bob", MON_9, "needs runbook access")
    assert view.line == "L2" and view.events[-1].public is False
    view = tickets.escalate(db, policy, ref, "eve", MON_9, "back to L1", steps=-1)
    assert view.line == "L1"
    with pytest.raises(IllegalTransition):
        tickets.escalate(db, policy, ref, "eve", MON_9, "", steps=1)
    view = tickets.correct_priority(db, policy, ref, "bob", MON_9, "critical", "site is down")
    assert (view.priority, view.customer_priority, view.predicted_priority) == (
        "critical", None, "medium",
    )  # fmt: skip
    assert view.events[-1].public and "site is down" in view.events[-1].message
    assert view.clocks.reaction.target_hours == 8
    with pytest.raises(InvalidField):
        tickets.correct_priority(db, policy, ref, "bob", MON_9, "whenever", "x")
    view = tickets.correct_class(db, policy, ref, "bob", MON_9, "outage", "whole portal")
    assert (view.request_class, view.predicted_class, view.line) == ("outage", "access", "L3")
    view = tickets.comment(db, policy, ref, "bob", MON_9, "looking at logs", public=False)
    assert view.events[-1].public is False
    with pytest.raises(TicketNotFound):
        tickets.comment(db, policy, "SUP-999999", "bob", MON_9, "hello", public=True)
