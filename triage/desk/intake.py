"""What arrives: a request (Intake), the engine's decision (Classified), and their validation.

Pure values; ``triage.desk.tickets`` files them. InvalidField names the field a caller got wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage.desk import validation
from triage.desk.models import CHANNELS
from triage.desk.validation import InvalidField
from triage.engine.policy import Policy

#: The intake's text fields and their limits (from the one table in ``validation``).
LIMITS = {
    k: validation.LIMITS[k]
    for k in ("subject", "contact", "module", "version", "description", "steps")
}
__all__ = ["LIMITS", "Classified", "Filed", "Intake", "InvalidField", "TicketNotFound"]


class TicketNotFound(LookupError):
    """No ticket with this ref."""

    def __init__(self, ref: str):
        super().__init__(f"no ticket {ref}")
        self.ref = ref


@dataclass(frozen=True)
class Classified:
    """What the engine decided about the question (any Decision-like object fits ``of``)."""

    request_class: str
    priority: str
    line: str
    confidence: float = 0.0
    suggestions: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, decision: Any) -> Classified:
        """Take the values from a Decision (or anything with the same attributes)."""
        sugg = tuple(_plain(s) for s in getattr(decision, "suggestions", ()) or ())
        return cls(
            decision.request_class,
            decision.priority,
            decision.line,
            float(getattr(decision, "confidence", 0.0) or 0.0),
            sugg,
        )


def _plain(s: Any) -> dict[str, Any]:
    if isinstance(s, dict):
        return s
    if hasattr(s, "to_dict"):
        return s.to_dict()
    return {k: getattr(s, k) for k in ("id", "title", "url", "score") if hasattr(s, k)}


@dataclass(frozen=True)
class Intake:
    """A request as it arrives from a channel."""

    description: str
    contact: str = ""
    subject: str = ""  # the channel's subject (form, API, mail Subject, alert title)
    module: str = ""
    version: str = ""
    steps: str = ""
    lang: str = "en"
    channel: str = "web"
    customer_priority: str | None = None
    customer_class: str | None = None
    plan: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Filed:
    """A new ticket: its ref and the tracking token (shown once, never stored in clear)."""

    ref: str
    token: str
    status: str
    request_class: str
    priority: str
    line: str
    reaction_due: datetime
    missing: tuple[str, ...]


SUBJECT_LEN = 120  # a subject made from the description's first line is cut to this


def subject_of(subject: str | None, description: str, limit: int = SUBJECT_LEN) -> str:
    """The ticket's subject: the given one, else the description's first non-blank line, cut."""
    given = " ".join((subject or "").split())
    if given:
        return given[:200]
    first = next((ln.strip() for ln in (description or "").splitlines() if ln.strip()), "")
    first = " ".join(first.split())
    return first if len(first) <= limit else first[: limit - 1].rstrip() + "…"


def validate(intake: Intake, policy: Policy) -> None:
    """Raise InvalidField for the first unacceptable field of an intake."""
    if intake.channel not in CHANNELS:
        raise InvalidField("channel", f"must be one of {', '.join(CHANNELS)}")
    if intake.customer_priority and intake.customer_priority not in policy.priorities:
        raise InvalidField("priority", f"must be one of {', '.join(policy.priorities)}")
    if intake.customer_class and intake.customer_class not in policy.classes:
        raise InvalidField("class", f"must be one of {', '.join(policy.classes)}")
    if intake.plan and intake.plan not in policy.plans:
        raise InvalidField("plan", f"must be one of {', '.join(policy.plans)}")
    if intake.lang not in policy.languages:
        raise InvalidField("lang", f"must be one of {', '.join(policy.languages)}")
    for name, limit in LIMITS.items():
        value = getattr(intake, name) or ""
        validation.check_text(name, value)  # the last defence: the channels refuse it earlier
        if len(value) > limit:
            raise InvalidField(name, f"at most {limit} characters")
    if not (intake.description or "").strip():
        raise InvalidField("description", "must not be empty")
