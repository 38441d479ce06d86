"""Managers' report on a fixture history: every figure computed by hand below.

Calendar: Europe/Berlin, Mon-Fri 08:00-17:00 (UTC+1 in November). Now: Thu 26 Nov 2026 13:00.
  A access/medium web    Mon 10:00, reacted 12:00 (2 h), resolved Tue 10:00 (7+2 = 9 h)
  B outage/critical email Mon 16:00, reacted Tue 10:00 (1+2 = 3 h), L3->L4, resolved
    Wed 16:00 (1+9+8 = 18 h)
  C server/high phone    Mon 09:00, no reaction: 8+9+9+5 = 31 h > 16: reaction breached
  D consultation/low web Thu 09:00, 4 h: on track; L1->L2 and back
  E access/medium web    Mon 10:00, reacted 11:00 (1 h), waiting Mon 11:00-Tue 10:00 (6+2 = 8 h
    paused), resolved Tue 13:00: 7+5-8 = 4 h
  G outage/critical alert Wed 15:00, no reaction: 2+5 = 7 h of 8 = 87.5 %: at risk
  H feedback/low web     Mon 16 Nov 11:00 (week 47), reacted 11:30 (0.5 h), resolved 12:00 (1 h)
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from triage.desk import reports, tickets
from triage.desk.deflection import SessionRecord
from triage.desk.intake import Classified, Intake
from triage.kb.review import Usage

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def utc(day, hour, minute=0):
    """A November 2026 moment given in UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def file(db, policy, klass, prio, line, channel, at):
    """File a complete ticket; its ref."""
    intake = Intake(description=f"{klass} problem", contact="a@b.c", module="M", version="1",
                    steps="1. try", channel=channel)  # fmt: skip
    return tickets.file_ticket(db, policy, intake, Classified(klass, prio, line), at).ref


@pytest.fixture
def history(db, policy):
    """The tickets of the module docstring."""
    go = tickets.transition
    a = file(db, policy, "access", "medium", "L1", "web", utc(23, 9))
    go(db, policy, a, "open", "eva", utc(23, 11))
    go(db, policy, a, "resolve", "eva", utc(24, 9))
    b = file(db, policy, "outage", "critical", "L3", "email", utc(23, 15))
    go(db, policy, b, "open", "eva", utc(24, 9))
    tickets.escalate(db, policy, b, "eva", utc(24, 10), "vendor bug")
    go(db, policy, b, "resolve", "eva", utc(25, 15))
    file(db, policy, "server", "high", "L2", "phone", utc(23, 8))
    d = file(db, policy, "consultation", "low", "L1", "web", utc(26, 8))
    tickets.escalate(db, policy, d, "eva", utc(26, 9), "needs L2")
    tickets.escalate(db, policy, d, "eva", utc(26, 10), "back", steps=-1)
    e = file(db, policy, "access", "medium", "L1", "web", utc(23, 9))
    go(db, policy, e, "open", "eva", utc(23, 10))
    go(db, policy, e, "wait_customer", "eva", utc(23, 10), reason="logs")
    go(db, policy, e, "resume", "eva", utc(24, 9))
    go(db, policy, e, "resolve", "eva", utc(24, 12))
    file(db, policy, "outage", "critical", "L3", "alert", utc(25, 14))
    h = file(db, policy, "feedback", "low", "L1", "web", utc(16, 10))
    go(db, policy, h, "open", "eva", utc(16, 10, 30))
    go(db, policy, h, "resolve", "eva", utc(16, 11))
    return reports.load_tickets(db, policy, NOW, None, None)


def row(rows, by, key, target):
    return next(r for r in rows if (r.by, r.key, r.target) == (by, key, target))


def test_sla_compliance(history, policy):
    rows = reports.sla_compliance(history, policy, NOW)
    counts = lambda r: (r.met, r.breached, r.at_risk, r.on_track, r.compliance)  # noqa: E731
    assert counts(row(rows, "all", "*", "reaction")) == (4, 1, 1, 1, 0.8)
    assert counts(row(rows, "all", "*", "resolution")) == (4, 0, 0, 3, 1.0)
    assert counts(row(rows, "priority", "critical", "reaction")) == (1, 0, 1, 0, 1.0)
    assert counts(row(rows, "priority", "high", "reaction")) == (0, 1, 0, 0, 0.0)
    assert counts(row(rows, "priority", "low", "reaction")) == (1, 0, 0, 1, 1.0)
    assert counts(row(rows, "class", "server", "resolution")) == (0, 0, 0, 1, None)
    assert counts(row(rows, "class", "access", "resolution")) == (2, 0, 0, 0, 1.0)


def test_business_hours_median_and_p90(history, policy):
    by = {t.priority: t for t in reports.times(history, policy)}
    # all: reaction [0.5, 1, 2, 3], resolution [1, 4, 9, 18]
    assert (by["*"].reacted, by["*"].reaction_median, by["*"].reaction_p90) == (4, 1.5, 3.0)
    assert (by["*"].resolved, by["*"].resolution_median, by["*"].resolution_p90) == (4, 6.5, 18.0)
    assert (by["medium"].reaction_median, by["medium"].reaction_p90) == (1.5, 2.0)
    assert (by["medium"].resolution_median, by["medium"].resolution_p90) == (6.5, 9.0)
    assert (by["high"].reacted, by["high"].reaction_median) == (0, None)
    assert list(by) == ["critical", "high", "medium", "low", "*"]


def test_volume_and_escalations(history, policy):
    by_class = [
        (c.period, c.key, c.count) for c in reports.volume(history, policy, "request_class")
    ]
    assert by_class == [
        ("2026-W47", "feedback", 1),
        ("2026-W48", "access", 2), ("2026-W48", "consultation", 1),
        ("2026-W48", "outage", 2), ("2026-W48", "server", 1),
    ]  # fmt: skip
    by_channel = {(c.period, c.key): c.count for c in reports.volume(history, policy, "channel")}
    assert by_channel == {
        ("2026-W47", "web"): 1, ("2026-W48", "web"): 3, ("2026-W48", "email"): 1,
        ("2026-W48", "phone"): 1, ("2026-W48", "alert"): 1,
    }  # fmt: skip
    flow = [(c.period, c.key, c.count) for c in reports.escalation_flow(history)]
    assert flow == [
        ("de-escalate", "L2->L1", 1),
        ("escalate", "L1->L2", 1),
        ("escalate", "L3->L4", 1),
    ]


def test_report_period_deflection_top_articles_and_csv(db, history, policy):
    since = utc(22, 23)  # Monday 23 Nov 00:00 in Berlin
    views = reports.load_tickets(db, policy, NOW, since, None)
    sessions = [
        SessionRecord("access", "en", NOW - timedelta(hours=3), 2, NOW - timedelta(hours=2)),
        SessionRecord("access", "en", NOW - timedelta(hours=3), 2, None, NOW - timedelta(hours=2)),
    ]
    usage = [Usage("reset-password", 5, 3, 1), Usage("quota", 2, 0, 2)]
    r = reports.build_report(views, policy, NOW, since, None, sessions, usage)
    assert r.tickets == 6 and all(c.period == "2026-W48" for c in r.by_class)
    total = r.deflection[-1]
    assert (total.request_class, total.sessions, total.deflected, total.rate) == ("*", 2, 1, 0.5)
    assert [(a.article, a.score) for a in r.top_articles] == [("reset-password", 3.0)]
    table = list(csv.reader(io.StringIO(reports.to_csv(r))))
    assert table[0] == ["section", "group", "key", "measure", "value"]
    assert ["sla", "all:reaction", "*", "compliance", "0.75"] in table  # H is out of the period
    assert ["hours", "priority", "*", "resolution_p90", "18.0"] in table
    assert ["escalation", "escalate", "L3->L4", "count", "1"] in table
    assert ["sla", "priority:reaction", "low", "compliance", ""] in table  # only D, on track
