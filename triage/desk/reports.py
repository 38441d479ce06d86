"""Reports for managers: SLA compliance, reaction and resolution times, volume, escalations.

Pure functions over ticket views (with their events) and ``now``; ``load_tickets`` is the one
query. Definitions:

- SLA, per target (reaction, resolution): *met* / *breached* once the clock stopped (reached,
  or the ticket deferred or declined); a running clock is *breached* past its target, *at
  risk* past the policy's share, else *on track*. Compliance = met / (met + breached).
- Times are support hours (business calendar, waiting statuses excluded) from report to
  first reaction and to resolution. Median: the middle value (mean of the two middle ones);
  p90: nearest rank, the value at position ceil(0.9 n) in ascending order.
- Volume: tickets reported per ISO week (desk time zone) per class and per channel.
- Escalation flow: ``escalate`` / ``de-escalate`` events counted per (from line, to line).
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.desk.db import Database
from triage.desk.deflection import DeflectionRate, SessionRecord, deflection_rates, records
from triage.desk.models import Ticket
from triage.desk.sla import SlaState, business_seconds
from triage.desk.views import TicketView, clocks, pauses_of, staff_view
from triage.engine.policy import Policy
from triage.kb.review import Ranked, Usage, by_deflections

TARGETS = ("reaction", "resolution")
STATES = ("met", "breached", "at_risk", "on_track")


@dataclass(frozen=True)
class SlaRow:
    """SLA outcome counts of one group (a priority or a class) for one target."""

    by: str  # "priority" | "class" | "all"
    key: str
    target: str  # reaction | resolution
    met: int
    breached: int
    at_risk: int
    on_track: int
    compliance: float | None


@dataclass(frozen=True)
class TimeRow:
    """Support hours to first reaction and to resolution of one priority ('*' for all)."""

    priority: str
    reacted: int
    reaction_median: float | None
    reaction_p90: float | None
    resolved: int
    resolution_median: float | None
    resolution_p90: float | None


@dataclass(frozen=True)
class Count:
    """A count of tickets in one week (``YYYY-Www``) for one key, or of one line move."""

    period: str
    key: str
    count: int


def sla_state_name(state: SlaState) -> str:
    """met, breached, at_risk or on_track."""
    if state.met is not None:
        return "met" if state.met else "breached"
    return "breached" if state.breached else "at_risk" if state.at_risk else "on_track"


def _states(t: TicketView, policy: Policy, now: datetime | None) -> dict[str, str]:
    c = t.clocks if now is None else clocks(t, policy, now, pauses_of(t.events))
    return {"reaction": sla_state_name(c.reaction), "resolution": sla_state_name(c.resolution)}


def sla_compliance(
    tickets: Sequence[TicketView], policy: Policy, now: datetime | None = None
) -> list[SlaRow]:
    """SLA outcomes per priority, per class (policy order), then for all.

    With ``now`` None the clocks the views were built with are used (no recomputation).
    """
    states = [(t, _states(t, policy, now)) for t in tickets]
    groups = [("priority", p, lambda t, p=p: t.priority == p) for p in policy.priorities]
    groups += [("class", k, lambda t, k=k: t.request_class == k) for k in policy.classes]
    groups.append(("all", "*", lambda t: True))
    rows = []
    for by, key, member in groups:
        for target in TARGETS:
            n = Counter(s[target] for t, s in states if member(t))
            done = n["met"] + n["breached"]
            rate = round(n["met"] / done, 4) if done else None
            rows.append(SlaRow(by, key, target, *(n[x] for x in STATES), rate))
    return rows


def median(values: Sequence[float]) -> float | None:
    """The median (None for no values)."""
    return round(statistics.median(values), 4) if values else None


def p90(values: Sequence[float]) -> float | None:
    """The 90th percentile by nearest rank (None for no values)."""
    if not values:
        return None
    return round(sorted(values)[math.ceil(0.9 * len(values)) - 1], 4)


def hours_to(t: TicketView, end: datetime | None, policy: Policy) -> float | None:
    """Support hours from report to ``end`` (pauses excluded); None without an end."""
    if end is None:
        return None
    return business_seconds(t.reported_at, end, policy.calendar, pauses_of(t.events)) / 3600


def times(tickets: Sequence[TicketView], policy: Policy) -> list[TimeRow]:
    """Reaction and resolution hours per priority present, then for all ('*')."""
    keys = [p for p in policy.priorities if any(t.priority == p for t in tickets)] + ["*"]
    rows = []
    for key in keys:
        group = [t for t in tickets if key in ("*", t.priority)]
        react = [h for t in group if (h := hours_to(t, t.first_reaction_at, policy)) is not None]
        resolve = [h for t in group if (h := hours_to(t, t.resolved_at, policy)) is not None]
        rows.append(
            TimeRow(
                key,
                len(react),
                median(react),
                p90(react),
                len(resolve),
                median(resolve),
                p90(resolve),
            )  # fmt: skip
        )
    return rows


def week_of(moment: datetime, policy: Policy) -> str:
    """The ISO week of a moment in the desk's time zone, ``YYYY-Www``."""
    year, week, _ = moment.astimezone(policy.calendar.tz).isocalendar()
    return f"{year}-W{week:02d}"


def volume(tickets: Iterable[TicketView], policy: Policy, field: str) -> list[Count]:
    """Tickets per week and per ``field`` (``request_class`` or ``channel``), sorted."""
    n = Counter((week_of(t.reported_at, policy), getattr(t, field)) for t in tickets)
    return [Count(w, k, c) for (w, k), c in sorted(n.items())]


def escalation_flow(tickets: Iterable[TicketView]) -> list[Count]:
    """Moves between support lines, ``L1->L2``, with their count (period: escalate|de-escalate)."""
    n = Counter(
        (e.kind, f"{e.data.get('from_line')}->{e.data.get('to_line')}")
        for t in tickets
        for e in t.events
        if e.kind in ("escalate", "de-escalate")
    )
    return [Count(kind, move, c) for (kind, move), c in sorted(n.items())]


def load_tickets(
    db: Database, policy: Policy, now: datetime, since: datetime | None, until: datetime | None
) -> list[TicketView]:
    """Staff views of the tickets reported in [since, until)."""
    q = select(Ticket)
    if since is not None:
        q = q.where(Ticket.reported_at >= since)
    if until is not None:
        q = q.where(Ticket.reported_at < until)
    with db.read() as s:
        return [staff_view(t, policy, now) for t in s.execute(q.order_by(Ticket.id)).scalars()]


@dataclass(frozen=True)
class Report:
    """Everything the managers' report shows, for tickets reported in [since, until)."""

    since: datetime | None
    until: datetime | None
    now: datetime
    tickets: int
    sla: tuple[SlaRow, ...]
    times: tuple[TimeRow, ...]
    by_class: tuple[Count, ...]
    by_channel: tuple[Count, ...]
    escalations: tuple[Count, ...]
    deflection: tuple[DeflectionRate, ...]
    top_articles: tuple[Ranked, ...]


def build_report(
    tickets: Sequence[TicketView],
    policy: Policy,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    sessions: Iterable[SessionRecord] = (),
    usage: Iterable[Usage] = (),
    top: int = 10,
    views_at_now: bool = False,
) -> Report:
    """Assemble the report from ticket views, Ask sessions and article usage (pure).

    ``views_at_now``: the views' clocks were computed at ``now`` (as ``load_tickets`` does).
    """
    return Report(
        since,
        until,
        now,
        len(tickets),
        tuple(sla_compliance(tickets, policy, None if views_at_now else now)),
        tuple(times(tickets, policy)),
        tuple(volume(tickets, policy, "request_class")),
        tuple(volume(tickets, policy, "channel")),
        tuple(escalation_flow(tickets)),
        tuple(deflection_rates(sessions, now)),
        tuple(by_deflections(usage)[:top]),
    )


def report(
    db: Database, policy: Policy, now: datetime, since: datetime | None, until: datetime | None
) -> Report:
    """Load tickets, sessions and article usage of the period and build the report."""
    from triage.desk.kbsignals import usage

    views = load_tickets(db, policy, now, since, until)
    sessions, used = records(db, since, until), usage(db, now, since)
    return build_report(views, policy, now, since, until, sessions, used, views_at_now=True)


def csv_rows(r: Report) -> list[tuple[str, str, str, str, object]]:
    """The report as long rows: (section, group, key, measure, value)."""
    out: list[tuple[str, str, str, str, object]] = []
    for s in r.sla:
        for m in (*STATES, "compliance"):
            out.append(("sla", f"{s.by}:{s.target}", s.key, m, getattr(s, m)))
    for t in r.times:
        for m in [f for f in TimeRow.__dataclass_fields__ if f != "priority"]:
            out.append(("hours", "priority", t.priority, m, getattr(t, m)))
    for group, rows in (("class", r.by_class), ("channel", r.by_channel)):
        out += [("volume", group, c.key, c.period, c.count) for c in rows]
    out += [("escalation", c.period, c.key, "count", c.count) for c in r.escalations]
    for d in r.deflection:
        key = f"{d.request_class}:{d.lang}"
        out += [("deflection", "class:lang", key, m, getattr(d, m)) for m in ("sessions", "rate")]
    out += [
        ("top_articles", "deflections", a.article, "count", int(a.score)) for a in r.top_articles
    ]
    return out


def to_csv(r: Report) -> str:
    """The report as CSV text with a header row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("section", "group", "key", "measure", "value"))
    writer.writerows(("" if v is None else v for v in row) for row in csv_rows(r))
    return buf.getvalue()
