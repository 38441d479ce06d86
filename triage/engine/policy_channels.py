"""The channel rules of the policy: reminder rhythm for waiting tickets, alert label mapping.

``policy.yml`` keys ``reminders:`` and ``alerts:``; both optional (these defaults apply) and
validated with the rest of the file, cross-checked against classes, priorities and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_SEVERITY = {"critical": "critical", "warning": "high", "info": "low"}


@dataclass(frozen=True)
class Reminders:
    """Remind a customer every ``every_days`` business days; close after ``close_after_days``."""

    every_days: int = 2
    close_after_days: int = 10
    close_reason: str = "information_unavailable"


@dataclass(frozen=True)
class AlertRules:
    """How Alertmanager labels become a class and a priority."""

    default_class: str = "server"
    default_priority: str = "medium"
    severity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def priority_of(self, severity: str | None) -> str:
        """The priority for a severity label (the default when unknown or absent)."""
        return self.severity.get((severity or "").lower(), self.default_priority)


class RemindersSchema(BaseModel):
    """``reminders:`` in policy.yml."""

    model_config = ConfigDict(extra="forbid")
    every_business_days: int = Field(2, ge=1, le=60)
    close_after_business_days: int = Field(10, ge=1, le=365)
    close_reason: str = "information_unavailable"

    @model_validator(mode="after")
    def _order(self) -> RemindersSchema:
        if self.close_after_business_days <= self.every_business_days:
            raise ValueError("close_after_business_days must exceed every_business_days")
        return self

    def build(self) -> Reminders:
        """The frozen value."""
        return Reminders(
            self.every_business_days, self.close_after_business_days, self.close_reason
        )


class AlertsSchema(BaseModel):
    """``alerts:`` in policy.yml."""

    model_config = ConfigDict(extra="forbid")
    default_class: str = "server"
    default_priority: str = "medium"
    severity: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY))

    def build(self) -> AlertRules:
        """The frozen value (severity names lower-cased)."""
        sev = {k.lower(): v for k, v in self.severity.items()}
        return AlertRules(self.default_class, self.default_priority, sev)


def cross_check(
    reminders: RemindersSchema,
    alerts: AlertsSchema,
    classes: list[str],
    priorities: list[str],
    reasons: list[str],
) -> list[tuple[str, str]]:
    """Errors (key, message) where the channel rules name what the policy does not define."""
    errors: list[tuple[str, str]] = []
    if reminders.close_reason not in reasons:
        errors.append(("reminders.close_reason", "must be one of decline_reasons"))
    if alerts.default_class not in classes:
        errors.append(("alerts.default_class", f"unknown class {alerts.default_class!r}"))
    if alerts.default_priority not in priorities:
        errors.append(("alerts.default_priority", f"unknown priority {alerts.default_priority!r}"))
    for name, prio in alerts.severity.items():
        if prio not in priorities:
            errors.append((f"alerts.severity.{name}", f"unknown priority {prio!r}"))
    return errors
