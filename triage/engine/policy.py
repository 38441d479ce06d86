"""The support policy (``policy.yml``): classes, priorities, SLA plans, lines, calendar.

Loaded once and validated by one schema; a bad file raises PolicyError naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from triage.engine import policy_channels as channels
from triage.engine.policy_channels import AlertRules, Reminders

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class PolicyError(Exception):
    """A policy file that cannot be used; the message names the key and the problem."""

    def __init__(self, path: Path | str, key: str, message: str):
        super().__init__(f"{path}: {key}: {message}")
        self.path, self.key, self.message = str(path), key, message


@dataclass(frozen=True)
class RequestClass:
    """A request class: who owns it and how urgent it is by default."""

    id: str
    default_priority: str
    line: str
    names: dict[str, str]
    descriptions: dict[str, str]

    def name(self, lang: str = "en") -> str:
        """The class name in a language, falling back to English."""
        return self.names.get(lang) or self.names.get("en") or self.id


@dataclass(frozen=True)
class Target:
    """SLA targets for one priority in one plan, in business hours."""

    reaction: float
    resolution: float


@dataclass(frozen=True)
class Calendar:
    """Support hours: weekly opening intervals, a time zone and closed dates."""

    timezone: str
    hours: dict[int, tuple[time, time]]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    extra_closed: frozenset[date] = frozenset()

    @property
    def tz(self) -> ZoneInfo:
        """The desk's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Policy:
    """The whole validated policy."""

    desk_name: str
    ref_prefix: str
    default_plan: str
    at_risk_share: float
    languages: tuple[str, ...]
    default_language: str
    calendar: Calendar
    lines: tuple[str, ...]
    line_names: dict[str, str]
    priorities: tuple[str, ...]
    priority_meanings: dict[str, str]
    plans: dict[str, dict[str, Target]]
    plan_names: dict[str, str]
    classes: dict[str, RequestClass]
    unknown_class: RequestClass
    required_intake: tuple[str, ...]
    decline_reasons: tuple[str, ...]
    reminders: Reminders = field(default_factory=Reminders)
    alerts: AlertRules = field(default_factory=AlertRules)
    intake_exempt: tuple[str, ...] = ()  # channels whose requests need no intake fields

    def request_class(self, class_id: str) -> RequestClass:
        """A class by id; ``unknown`` (or anything not configured) gives the unknown class."""
        return self.classes.get(class_id, self.unknown_class)

    def target(self, priority: str, plan: str | None = None) -> Target:
        """The SLA target for a priority under a plan (the default plan when None)."""
        return self.plans[plan or self.default_plan][priority]

    def escalate(self, line: str, steps: int = 1) -> str | None:
        """The line `steps` above (negative: below) `line`, or None past either end."""
        i = self.lines.index(line) + steps
        return self.lines[i] if 0 <= i < len(self.lines) else None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Desk(_Strict):
    name: str = "Frontline Support"
    ref_prefix: str = Field("SUP", pattern=r"^[A-Z]{2,8}$")
    default_plan: str
    at_risk_share: float = Field(0.8, gt=0, lt=1)
    languages: list[str] = ["en", "ru", "uk", "de"]
    default_language: str = "en"


class _Holidays(_Strict):
    country: str | None = None
    subdivision: str | None = None


class _Calendar(_Strict):
    timezone: str
    hours: dict[str, tuple[str, str]]
    holidays: _Holidays = _Holidays()
    extra_closed: list[date] = []

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for day, (start, end) in v.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
            if not (_HHMM.match(start) and _HHMM.match(end)):
                raise ValueError(f"{day}: times must be HH:MM")
            if start >= end:
                raise ValueError(f"{day}: opening {start} is not before closing {end}")
        if not v:
            raise ValueError("at least one weekday must have support hours")
        return v


class _Line(_Strict):
    id: str
    name: str
    description: str = ""


class _Priority(_Strict):
    id: str
    meaning: str


class _Target(_Strict):
    reaction: float = Field(gt=0)
    resolution: float = Field(gt=0)


class _Plan(_Strict):
    name: str
    targets: dict[str, _Target]


class _Class(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    default_priority: str
    line: str
    name: dict[str, str] = {}
    description: dict[str, str] = {}


class _Unknown(_Strict):
    id: str = "unknown"
    default_priority: str
    line: str


class _Intake(_Strict):
    required: list[str]
    exempt_channels: list[str] = []


class _PolicyFile(_Strict):
    desk: _Desk
    calendar: _Calendar
    lines: list[_Line] = Field(min_length=1)
    priorities: list[_Priority] = Field(min_length=1)
    plans: dict[str, _Plan] = Field(min_length=1)
    classes: list[_Class] = Field(min_length=1)
    unknown_class: _Unknown
    intake: _Intake
    decline_reasons: list[str] = Field(min_length=1)
    reminders: channels.RemindersSchema = channels.RemindersSchema()
    alerts: channels.AlertsSchema = channels.AlertsSchema()


def _cross_check(p: _PolicyFile) -> list[tuple[str, str]]:
    """Errors that span keys: references to priorities, lines, plans that do not exist."""
    errors: list[tuple[str, str]] = []
    prios = [x.id for x in p.priorities]
    lines = [x.id for x in p.lines]
    for i, c in enumerate(p.classes):
        if c.default_priority not in prios:
            errors.append(
                (f"classes[{i}].default_priority", f"unknown priority {c.default_priority!r}")
            )
        if c.line not in lines:
            errors.append((f"classes[{i}].line", f"unknown line {c.line!r}"))
    ids = [c.id for c in p.classes]
    for dup in sorted({x for x in ids if ids.count(x) > 1}):
        errors.append(("classes", f"duplicate class id {dup!r}"))
    if p.unknown_class.id in ids:
        errors.append(("unknown_class.id", "must differ from every class id"))
    if p.unknown_class.default_priority not in prios:
        errors.append(("unknown_class.default_priority", "unknown priority"))
    if p.unknown_class.line not in lines:
        errors.append(("unknown_class.line", f"unknown line {p.unknown_class.line!r}"))
    if p.desk.default_plan not in p.plans:
        errors.append(("desk.default_plan", f"unknown plan {p.desk.default_plan!r}"))
    if p.desk.default_language not in p.desk.languages:
        errors.append(("desk.default_language", "must be one of desk.languages"))
    for name, plan in p.plans.items():
        missing = [x for x in prios if x not in plan.targets]
        extra = [x for x in plan.targets if x not in prios]
        if missing:
            errors.append((f"plans.{name}.targets", f"missing priorities: {', '.join(missing)}"))
        if extra:
            errors.append((f"plans.{name}.targets", f"unknown priorities: {', '.join(extra)}"))
    errors += channels.cross_check(p.reminders, p.alerts, ids, prios, p.decline_reasons)
    return errors


def _to_time(text: str) -> time:
    h, m = text.split(":")
    return time(int(h), int(m))


def _build(p: _PolicyFile) -> Policy:
    cal = p.calendar
    calendar = Calendar(
        timezone=cal.timezone,
        hours={WEEKDAYS.index(d): (_to_time(a), _to_time(b)) for d, (a, b) in cal.hours.items()},
        holiday_country=cal.holidays.country,
        holiday_subdivision=cal.holidays.subdivision,
        extra_closed=frozenset(cal.extra_closed),
    )
    classes = {
        c.id: RequestClass(c.id, c.default_priority, c.line, dict(c.name), dict(c.description))
        for c in p.classes
    }
    u = p.unknown_class
    return Policy(
        desk_name=p.desk.name,
        ref_prefix=p.desk.ref_prefix,
        default_plan=p.desk.default_plan,
        at_risk_share=p.desk.at_risk_share,
        languages=tuple(p.desk.languages),
        default_language=p.desk.default_language,
        calendar=calendar,
        lines=tuple(x.id for x in p.lines),
        line_names={x.id: x.name for x in p.lines},
        priorities=tuple(x.id for x in p.priorities),
        priority_meanings={x.id: x.meaning for x in p.priorities},
        plans={
            k: {pr: Target(t.reaction, t.resolution) for pr, t in v.targets.items()}
            for k, v in p.plans.items()
        },
        plan_names={k: v.name for k, v in p.plans.items()},
        classes=classes,
        unknown_class=RequestClass(u.id, u.default_priority, u.line, {"en": "Unclassified"}, {}),
        required_intake=tuple(p.intake.required),
        decline_reasons=tuple(p.decline_reasons),
        reminders=p.reminders.build(),
        alerts=p.alerts.build(),
        intake_exempt=tuple(p.intake.exempt_channels),
    )


def _check_holidays(policy: Policy, path: str) -> None:
    import holidays

    cal = policy.calendar
    if cal.holiday_country is None:
        return
    try:
        holidays.country_holidays(cal.holiday_country, subdiv=cal.holiday_subdivision)
    except NotImplementedError as exc:
        raise PolicyError(path, "calendar.holidays", str(exc)) from None


def parse_policy(data: object, path: Path | str = "policy.yml") -> Policy:
    """Validate policy data (as loaded from YAML) and build a Policy."""
    path = str(path)
    if not isinstance(data, dict):
        raise PolicyError(path, "(top level)", "must be a mapping")
    try:
        raw = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"]) or "(top level)"
        raise PolicyError(path, key, err["msg"]) from None
    errors = _cross_check(raw)
    if errors:
        raise PolicyError(path, errors[0][0], errors[0][1])
    policy = _build(raw)
    _check_holidays(policy, path)
    return policy


def load_policy(path: Path | str) -> Policy:
    """Read and validate a policy file; raise PolicyError naming the key on any problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(path, "(file)", "not found") from None
    except yaml.YAMLError as exc:
        raise PolicyError(path, "(yaml)", str(exc)) from None
    return parse_policy(data, path)
