"""The periodic sweep: flag tickets whose SLA is at risk or breached, logging each flag once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from triage.desk import lifecycle, tickets
from triage.desk.db import Database
from triage.desk.models import Ticket
from triage.desk.views import clocks, pauses_of, sla_flag
from triage.engine.policy import Policy


@dataclass(frozen=True)
class SweepResult:
    """What one sweep saw and changed."""

    checked: int
    flagged: dict[str, str] = field(default_factory=dict)  # ref -> new flag


def due_flags(db: Database, policy: Policy, now: datetime) -> tuple[int, dict[str, str]]:
    """How many active tickets, and those whose SLA flag at ``now`` is new (read only)."""
    query = (
        select(Ticket)
        .where(Ticket.status.in_(sorted(lifecycle.ACTIVE)))
        .options(selectinload(Ticket.events))
    )
    out: dict[str, str] = {}
    checked = 0
    with db.read() as s:
        for t in s.execute(query).scalars():
            checked += 1
            clk = clocks(t, policy, now, pauses_of(t.events))
            flag = sla_flag(clk, t.first_reaction_at is not None)
            if flag and flag != t.sla_flag:
                out[t.ref] = flag
    return checked, out


def sweep(db: Database, policy: Policy, now: datetime) -> SweepResult:
    """Flag at-risk and breached tickets; running it again at the same moment changes nothing."""
    checked, candidates = due_flags(db, policy, now)
    flagged = {}
    for ref in candidates:
        flag = tickets.flag_sla(db, policy, ref, now)  # re-checked under the write lock
        if flag:
            flagged[ref] = flag
    return SweepResult(checked, flagged)
