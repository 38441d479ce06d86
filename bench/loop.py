"""Closing the loop at scale: the managers' report, its charts, and gap clustering.

A synthetic desk on SQLite: N tickets over 8 weeks (every class, channel and priority; a third
escalated, two thirds resolved), then ``reports.report`` (load + compute), the six charts, and
``find_gaps`` on N gap questions taken from ``data/train.jsonl`` texts. Medians of 3 runs.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from triage.desk import reports, tickets
from triage.desk.db import open_database, upgrade
from triage.desk.intake import Classified, Intake
from triage.engine.policy import load_policy
from triage.kb.gaps import GapQuestion, find_gaps
from triage.web import charts

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 9, 7, 7, 0, tzinfo=UTC)
SIZES = (500, 2000)


def _fill(db, policy, n: int, rng: random.Random) -> None:
    classes, channels = list(policy.classes), ["web", "email", "phone", "alert"]
    for i in range(n):
        at = START + timedelta(minutes=rng.randrange(8 * 7 * 24 * 60))
        k = classes[i % len(classes)]
        intake = Intake(description=f"problem {i}", contact="a@b.c", module="M", version="1",
                        steps="1. try", channel=channels[i % 4])  # fmt: skip
        decided = Classified(k, policy.classes[k].default_priority, policy.classes[k].line)
        ref = tickets.file_ticket(db, policy, intake, decided, at).ref
        tickets.transition(db, policy, ref, "open", "eva", at + timedelta(hours=rng.randrange(30)))
        if i % 3 == 0 and decided.line != "L4":
            tickets.escalate(db, policy, ref, "eva", at + timedelta(hours=31), "runbook")
        if i % 3 != 2:
            tickets.transition(db, policy, ref, "resolve", "eva", at + timedelta(days=3))


def _time(fn, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return round(statistics.median(out), 3)


def _gaps(n: int) -> float:
    lines = (ROOT / "data/train.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(x) for x in lines]
    qs = [GapQuestion(f"{r['text']} #{i // len(rows)}" if i >= len(rows) else r["text"],
                      r.get("lang", "en"), r["class"], "ticket", f"SUP-{i}")
          for i, r in ((i, rows[i % len(rows)]) for i in range(n))]  # fmt: skip
    return _time(lambda: find_gaps(qs))


def _measure(db, policy, n: int) -> dict:
    now = START + timedelta(weeks=9)
    r = reports.report(db, policy, now, None, None)
    return {
        "tickets": n,
        "report s": _time(lambda: reports.report(db, policy, now, None, None)),
        "6 charts s": _time(lambda: [charts.render(r, c) for c in charts.CHARTS]),
        "gaps s (n questions)": _gaps(n),
    }


def run() -> dict:
    """Report, charts and gap clustering at each size."""
    policy = load_policy(ROOT / "policy.yml")
    out = []
    for n in SIZES:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/desk.db"
            upgrade(url)
            db = open_database(url)
            _fill(db, policy, n, random.Random(n))
            out.append(_measure(db, policy, n))
            db.dispose()
    return {"rows": out, "notes": ["report = load every ticket with its events + compute"]}
