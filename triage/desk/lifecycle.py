"""The ticket lifecycle as data: statuses, allowed moves, escalation and corrections (pure).

``TRANSITIONS[(status, action)]`` is the status an action leads to; anything not in the table
is an ``IllegalTransition``. Waiting statuses pause the SLA clock; ``closed`` and ``declined``
are final. Nothing here touches the database: ``triage.desk.tickets`` applies the results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

STATUSES = (
    "new",
    "open",
    "in_progress",
    "waiting_customer",
    "waiting_third_party",
    "resolved",
    "closed",
    "deferred",
    "declined",
)
PAUSED = frozenset({"waiting_customer", "waiting_third_party"})
FINAL = frozenset({"closed", "declined"})
ACTIVE = frozenset({"new", "open", "in_progress", "waiting_customer", "waiting_third_party"})
WORKING = ("open", "in_progress", "waiting_customer", "waiting_third_party")

TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "open"): "open",
    ("waiting_customer", "open"): "open",
    ("open", "start"): "in_progress",
    ("new", "wait_customer"): "waiting_customer",
    ("open", "wait_customer"): "waiting_customer",
    ("in_progress", "wait_customer"): "waiting_customer",
    ("in_progress", "wait_third_party"): "waiting_third_party",
    ("waiting_customer", "resume"): "in_progress",
    ("waiting_third_party", "resume"): "in_progress",
    ("open", "resolve"): "resolved",
    ("in_progress", "resolve"): "resolved",
    ("waiting_customer", "resolve"): "resolved",
    ("waiting_third_party", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "in_progress",
    ("deferred", "reopen"): "in_progress",
    **{(s, "defer"): "deferred" for s in WORKING},
    **{(s, "decline"): "declined" for s in ("new", *WORKING)},
}
ACTIONS = tuple(sorted({a for _, a in TRANSITIONS}))
CODED_REASON = frozenset({"defer", "decline"})  # reason must be one of policy.decline_reasons
NEEDS_REASON = frozenset({"wait_customer", "wait_third_party", "reopen", "defer", "decline"})


class IllegalTransition(Exception):
    """A move the lifecycle does not allow, or one missing what it needs (a reason)."""

    def __init__(self, status: str, action: str, message: str):
        super().__init__(message)
        self.status, self.action, self.message = status, action, message


@dataclass(frozen=True)
class TicketState:
    """What the lifecycle rules look at and change."""

    status: str
    line: str
    priority: str
    request_class: str


def allowed_actions(status: str) -> tuple[str, ...]:
    """The actions allowed from a status, sorted."""
    return tuple(sorted(a for s, a in TRANSITIONS if s == status))


def pauses_clock(status: str) -> bool:
    """Whether the SLA clock stands still in this status."""
    return status in PAUSED


def _reason(
    status: str, action: str, reason: str | None, choices: Sequence[str] = ()
) -> str | None:
    reason = (reason or "").strip() or None
    if reason is None:
        raise IllegalTransition(status, action, f"{action!r} needs a reason")
    if choices and reason not in choices:
        raise IllegalTransition(
            status, action, f"{action!r} needs one of these reasons: {', '.join(choices)}"
        )
    return reason


def apply(
    state: TicketState,
    action: str,
    reason: str | None = None,
    decline_reasons: Sequence[str] = (),
) -> TicketState:
    """The state after ``action``; IllegalTransition if not allowed or a reason is missing."""
    target = TRANSITIONS.get((state.status, action))
    if target is None:
        if action not in ACTIONS:
            msg = f"unknown action {action!r} (one of: {', '.join(ACTIONS)})"
        else:
            allowed = ", ".join(allowed_actions(state.status)) or "none"
            msg = f"cannot {action} a ticket that is {state.status} (allowed: {allowed})"
        raise IllegalTransition(state.status, action, msg)
    if action in NEEDS_REASON:
        choices = decline_reasons if action in CODED_REASON else ()
        if action in CODED_REASON and not choices:
            raise ValueError("decline_reasons are required for defer/decline")
        _reason(state.status, action, reason, choices)
    return replace(state, status=target)


def escalate(
    state: TicketState, lines: Sequence[str], reason: str | None, steps: int = 1
) -> TicketState:
    """Move the ticket ``steps`` lines up (negative: down), with a reason."""
    action = "escalate" if steps > 0 else "de-escalate"
    if state.status not in ACTIVE:
        raise IllegalTransition(state.status, action, f"cannot {action} a {state.status} ticket")
    _reason(state.status, action, reason)
    i = lines.index(state.line) + steps if state.line in lines else -1
    if steps == 0 or not 0 <= i < len(lines):
        raise IllegalTransition(
            state.status, action, f"no line {abs(steps)} step(s) from {state.line}"
        )
    return replace(state, line=lines[i])


def correct_priority(
    state: TicketState, priority: str, priorities: Sequence[str], reason: str | None
) -> TicketState:
    """Set the staff priority; the reason is required (it is told to the customer)."""
    if state.status in FINAL:
        raise IllegalTransition(state.status, "correct_priority", f"ticket is {state.status}")
    if priority not in priorities:
        raise ValueError(f"unknown priority {priority!r} (one of: {', '.join(priorities)})")
    _reason(state.status, "correct_priority", reason)
    return replace(state, priority=priority)


def correct_class(state: TicketState, class_id: str, class_lines: Mapping[str, str]) -> TicketState:
    """Set the staff class; the ticket moves to the line that owns the new class."""
    if state.status in FINAL:
        raise IllegalTransition(state.status, "correct_class", f"ticket is {state.status}")
    if class_id not in class_lines:
        raise ValueError(f"unknown class {class_id!r} (one of: {', '.join(class_lines)})")
    return replace(state, request_class=class_id, line=class_lines[class_id])


def missing_intake(fields: Mapping[str, object], required: Sequence[str]) -> tuple[str, ...]:
    """The required intake fields that are absent or blank, in policy order."""
    return tuple(k for k in required if not str(fields.get(k) or "").strip())


def initial_status(missing: Sequence[str]) -> str:
    """A new ticket waits for the customer when intake fields are missing."""
    return "waiting_customer" if missing else "new"


_INTAKE_REQUEST = {
    "en": "Please send us the missing information: {fields}.",
    "ru": "Пожалуйста, пришлите недостающие сведения: {fields}.",
    "uk": "Будь ласка, надішліть відсутні відомості: {fields}.",
    "de": "Bitte senden Sie uns die fehlenden Angaben: {fields}.",
}


_FIELD_NAMES = {
    "en": {"module": "the product module", "version": "the product version",
           "description": "a description", "steps": "the steps to reproduce",
           "contact": "a contact"},
    "ru": {"module": "модуль продукта", "version": "версия продукта", "description": "описание",
           "steps": "шаги воспроизведения", "contact": "контакт"},
    "uk": {"module": "модуль продукту", "version": "версія продукту", "description": "опис",
           "steps": "кроки відтворення", "contact": "контакт"},
    "de": {"module": "das Produktmodul", "version": "die Produktversion",
           "description": "eine Beschreibung", "steps": "die Schritte zur Reproduktion",
           "contact": "einen Kontakt"},
}  # fmt: skip


def intake_request(missing: Sequence[str], lang: str = "en") -> str:
    """The message (in the ticket's language) asking the customer for missing intake fields,
    each named in that language (never the field ids)."""
    text = _INTAKE_REQUEST.get(lang, _INTAKE_REQUEST["en"])
    names = _FIELD_NAMES.get(lang, _FIELD_NAMES["en"])
    return text.format(fields=", ".join(names.get(m, m) for m in missing))
