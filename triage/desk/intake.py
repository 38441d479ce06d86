"""What arrives: a request (Intake), the engine's decision (Classified), and their validation.

Pure values; ``triage.desk.tickets`` files them. InvalidField names the field a caller got wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
FIELDS = ("module", "version", "description", "steps", "contact")  # what a request carries
__all__ = [
    "FIELDS",
    "LIMITS",
    "Classified",
    "Filed",
    "Intake",
    "InvalidField",
    "TicketNotFound",
    "missing_fields",
    "parse_fields",
]


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


def missing_fields(
    values: Mapping[str, object], policy: Policy, channel: str = ""
) -> tuple[str, ...]:
    """The policy's required intake fields that are blank (none for exempt channels: alerts)."""
    if channel and channel in policy.intake_exempt:
        return ()
    return tuple(k for k in policy.required_intake if not str(values.get(k) or "").strip())


# "Module: X", "Версия: 5.1", "Schritte: ..." in any of the desk's languages; longest first.
FIELD_KEYS = {
    "module": ("product module", "модуль продукта", "модуль продукту", "produktmodul",
               "module", "modul", "модуль"),
    "version": ("product version", "версия продукта", "версія продукту", "produktversion",
                "version", "versio", "версия", "версія", "версiя"),
    "steps": ("steps to reproduce", "шаги воспроизведения", "кроки відтворення",
              "schritte zur reproduktion", "steps", "schritte", "шаги", "кроки"),
}  # fmt: skip
_KEY_OF = {k.casefold(): f for f, keys in FIELD_KEYS.items() for k in keys}
_KEYS = "|".join(re.escape(k) for k in sorted(_KEY_OF, key=len, reverse=True))
_FIELD_AT = re.compile(rf"(?:^|(?<=[\s/;,|]))(?P<key>{_KEYS})\s*[:=]", re.IGNORECASE | re.MULTILINE)
_SEPARATORS = " \t/;,|"


def parse_fields(text: str) -> dict[str, str]:
    """The intake fields a customer's text supplies ("Модуль: Compute / Версия: 5.1").

    A value runs to the next field's name; module and version end with their line, steps with
    a blank line. The first mention of a field counts; values are cut to the field's limit.
    """
    found: dict[str, str] = {}
    text = text or ""
    marks = list(_FIELD_AT.finditer(text))
    for i, m in enumerate(marks):
        name = _KEY_OF[m.group("key").casefold()]
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end() : end]
        if name == "steps":
            value = re.split(r"\n\s*\n", value.strip("\n"), maxsplit=1)[0]
        else:
            value = value.split("\n", 1)[0]
        value = value.strip().strip(_SEPARATORS).strip()
        if value and name not in found:
            found[name] = value[: LIMITS[name]]
    return found
