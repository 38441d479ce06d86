"""The lifecycle table: every legal move, a sample of illegal ones, escalation, corrections."""

from __future__ import annotations

import pytest

from triage.desk import lifecycle as lc
from triage.desk.lifecycle import IllegalTransition, TicketState

REASONS = ("cannot_reproduce", "out_of_scope")
LINES = ("L1", "L2", "L3", "L4")

LEGAL = [
    ("new", "open", None, "open"),
    ("waiting_customer", "open", None, "open"),
    ("open", "start", None, "in_progress"),
    ("new", "wait_customer", "module and version?", "waiting_customer"),
    ("open", "wait_customer", "logs please", "waiting_customer"),
    ("in_progress", "wait_customer", "logs please", "waiting_customer"),
    ("in_progress", "wait_third_party", "vendor ticket 42", "waiting_third_party"),
    ("waiting_customer", "resume", None, "in_progress"),
    ("waiting_third_party", "resume", None, "in_progress"),
    ("open", "resolve", None, "resolved"),
    ("in_progress", "resolve", None, "resolved"),
    ("waiting_customer", "resolve", None, "resolved"),
    ("waiting_third_party", "resolve", None, "resolved"),
    ("resolved", "close", None, "closed"),
    ("resolved", "reopen", "still broken", "in_progress"),
    ("deferred", "reopen", "version now supported", "in_progress"),
    ("open", "defer", "cannot_reproduce", "deferred"),
    ("in_progress", "defer", "cannot_reproduce", "deferred"),
    ("waiting_customer", "defer", "out_of_scope", "deferred"),
    ("waiting_third_party", "defer", "out_of_scope", "deferred"),
    ("new", "decline", "out_of_scope", "declined"),
    ("open", "decline", "out_of_scope", "declined"),
    ("in_progress", "decline", "cannot_reproduce", "declined"),
    ("waiting_customer", "decline", "cannot_reproduce", "declined"),
    ("waiting_third_party", "decline", "out_of_scope", "declined"),
]

ILLEGAL = [
    ("new", "resolve"),
    ("new", "start"),
    ("new", "close"),
    ("open", "close"),
    ("open", "reopen"),
    ("in_progress", "open"),
    ("in_progress", "close"),
    ("waiting_customer", "wait_customer"),
    ("waiting_third_party", "wait_customer"),
    ("resolved", "resolve"),
    ("resolved", "defer"),
    ("closed", "reopen"),
    ("closed", "open"),
    ("closed", "decline"),
    ("declined", "reopen"),
    ("declined", "open"),
    ("deferred", "resolve"),
    ("deferred", "close"),
    ("open", "fly"),
]


def state(status: str, line: str = "L1") -> TicketState:
    """A state with the given status and line."""
    return TicketState(status=status, line=line, priority="medium", request_class="access")


@pytest.mark.parametrize(("status", "action", "reason", "to"), LEGAL)
def test_every_legal_move(status, action, reason, to):
    after = lc.apply(state(status), action, reason, REASONS)
    assert after == state(to)


def test_table_is_fully_covered():
    assert {(s, a) for s, a, _, _ in LEGAL} == set(lc.TRANSITIONS)
    assert all(s in lc.STATUSES and t in lc.STATUSES for (s, _), t in lc.TRANSITIONS.items())


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_illegal_moves_raise(status, action):
    with pytest.raises(IllegalTransition) as err:
        lc.apply(state(status), action, "out_of_scope", REASONS)
    assert err.value.status == status and action in err.value.message


def test_final_statuses_allow_nothing():
    for status in lc.FINAL:
        assert lc.allowed_actions(status) == ()


@pytest.mark.parametrize("action", sorted(lc.NEEDS_REASON))
def test_reason_required(action):
    status = next(s for s, a in lc.TRANSITIONS if a == action)
    for reason in (None, "", "   "):
        with pytest.raises(IllegalTransition, match="reason"):
            lc.apply(state(status), action, reason, REASONS)


@pytest.mark.parametrize("action", ["defer", "decline"])
def test_defer_decline_need_a_policy_reason(action, policy):
    with pytest.raises(IllegalTransition, match="cannot_reproduce"):
        lc.apply(state("open"), action, "I do not feel like it", policy.decline_reasons)
    for reason in policy.decline_reasons:
        assert lc.apply(state("open"), action, reason, policy.decline_reasons).status != "open"


def test_waiting_pauses_the_clock():
    paused = {s for s in lc.STATUSES if lc.pauses_clock(s)}
    assert paused == {"waiting_customer", "waiting_third_party"}


@pytest.mark.parametrize(
    ("line", "steps", "to"),
    [("L1", 1, "L2"), ("L2", 1, "L3"), ("L3", 1, "L4"), ("L4", -1, "L3"), ("L2", -1, "L1")],
)
def test_escalation_up_and_down(line, steps, to):
    after = lc.escalate(state("in_progress", line), LINES, "needs a developer", steps)
    assert after.line == to and after.status == "in_progress"


@pytest.mark.parametrize(
    ("status", "line", "steps", "reason"),
    [
        ("in_progress", "L4", 1, "up"),
        ("in_progress", "L1", -1, "down"),
        ("in_progress", "L1", 1, ""),
        ("closed", "L1", 1, "up"),
        ("resolved", "L2", 1, "up"),
    ],
)
def test_escalation_refused(status, line, steps, reason):
    with pytest.raises(IllegalTransition):
        lc.escalate(state(status, line), LINES, reason, steps)


def test_priority_correction_needs_reason(policy):
    s = state("open")
    with pytest.raises(IllegalTransition, match="reason"):
        lc.correct_priority(s, "critical", policy.priorities, None)
    with pytest.raises(ValueError, match="unknown priority"):
        lc.correct_priority(s, "urgent!!", policy.priorities, "why")
    assert lc.correct_priority(s, "critical", policy.priorities, "site down").priority == "critical"
    with pytest.raises(IllegalTransition):
        lc.correct_priority(state("closed"), "low", policy.priorities, "why")


def test_class_correction_moves_line(policy):
    lines = {c.id: c.line for c in policy.classes.values()}
    after = lc.correct_class(state("open"), "outage", lines)
    assert (after.request_class, after.line) == ("outage", "L3")
    with pytest.raises(ValueError):
        lc.correct_class(state("open"), "nonsense", lines)


def test_missing_intake_puts_ticket_in_waiting_customer(policy):
    fields = {"module": "Compute", "version": " ", "description": "boom", "contact": None}
    fields["steps"] = "1. start a VM"
    missing = lc.missing_intake(fields, policy.required_intake)
    assert missing == ("version", "contact")
    assert lc.initial_status(missing) == "waiting_customer"
    assert lc.initial_status(()) == "new"
    assert "the product version, a contact" in lc.intake_request(missing)
    assert "версия продукта, контакт" in lc.intake_request(missing, "ru")  # not the field ids
    assert lc.intake_request(missing, "de").startswith("Bitte")
    assert lc.intake_request(missing, "ru") != lc.intake_request(missing, "uk")
