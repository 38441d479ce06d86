"""Races on SQLite and PostgreSQL: one alert's firings together, a reply against a staff move,
two outbox senders. Each trial uses separate connections released by one barrier."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.channels.conftest import mail_config
from triage.channels import alerts
from triage.channels.mail_out import send_pending
from triage.desk import tickets, tracking
from triage.desk.channel_models import OutboxMessage
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.lifecycle import IllegalTransition
from triage.desk.models import Event, Ticket

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DECIDED = Classified("access", "medium", "L1", 0.9)


def together(*fns, timeout: float = 30):
    """Run the functions at once on threads; their results (or exceptions)."""
    barrier = threading.Barrier(len(fns))
    out: list = [None] * len(fns)

    def run(i, fn):
        barrier.wait(10)
        try:
            out[i] = fn()
        except Exception as exc:  # the caller looks at what each got
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout)
    return out


@pytest.fixture
def dbs(db_url):
    """Three connections' worth of the same fresh database (once per backend)."""
    opened = [open_database(db_url) for _ in range(3)]
    yield opened
    for d in opened:
        d.dispose()


def firing(fp: str, starts: str) -> dict:
    alert = {"status": "firing", "labels": {"alertname": "DiskFull", "severity": "warning"},
             "startsAt": starts, "fingerprint": fp}  # fmt: skip
    return {"version": "4", "alerts": [alert]}


def test_one_alert_firing_twice_at_once_opens_one_ticket(dbs, policy):
    for trial in range(8):
        fp = f"fp-{trial}"
        a, b = (firing(fp, f"2026-11-23T09:0{k}:00Z") for k in (0, 1))
        got = together(
            lambda a=a: alerts.handle_payload(a, dbs[0], policy, MON_9),
            lambda b=b: alerts.handle_payload(b, dbs[1], policy, MON_9),
        )
        assert not [g for g in got if isinstance(g, Exception)], got
        actions = sorted(g[0].action for g in got)
        assert actions == ["opened", "updated"], (trial, actions)
        assert got[0][0].ref == got[1][0].ref
    with dbs[2].read() as s:
        assert s.execute(select(func.count()).select_from(Ticket)).scalar() == 8


def test_a_reply_racing_a_staff_resume_gets_one_true_answer(dbs, policy):
    intake = Intake(description="cannot sign in", contact="ann@example.com", module="A",
                    version="1")  # fmt: skip
    for trial in range(10):
        filed = tickets.file_ticket(dbs[2], policy, intake, DECIDED, MON_9)
        ref = filed.ref
        tickets.transition(dbs[2], policy, ref, "open", "bob", MON_9)
        tickets.transition(dbs[2], policy, ref, "wait_customer", "bob", MON_9, "Browser?")
        reply, staff = together(
            lambda r=ref, k=filed.token: tracking.customer_reply(
                dbs[0], policy, r, k, "Firefox", MON_9
            ),
            lambda r=ref: tickets.transition(dbs[1], policy, r, "resume", "bob", MON_9),
        )
        with dbs[2].read() as s:
            t = s.execute(select(Ticket).where(Ticket.ref == ref)).scalar_one()
            said = [e for e in t.events if e.actor == "customer" and e.kind == "comment"]
        if isinstance(reply, Exception):  # a refusal must mean nothing of it was stored
            assert said == [], (trial, "refused but stored", reply)
        assert not isinstance(reply, Exception), (trial, reply)  # not closed: accepted
        assert [e.message for e in said] == ["Firefox"] and reply in ("open", "in_progress")
        assert isinstance(staff, IllegalTransition) or t.status == "in_progress", (trial, staff)


def test_a_reply_to_a_closed_ticket_stores_nothing(db, policy):
    intake = Intake(description="cannot sign in", contact="ann@example.com", module="A",
                    version="1")  # fmt: skip
    filed = tickets.file_ticket(db, policy, intake, DECIDED, MON_9)
    for action in ("open", "resolve", "close"):
        tickets.transition(db, policy, filed.ref, action, "bob", MON_9)
    with db.read() as s:
        before = s.execute(select(func.count()).select_from(Event)).scalar()
    with pytest.raises(IllegalTransition):
        tracking.customer_reply(db, policy, filed.ref, filed.token, "hello?", MON_9)
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar() == before


def test_two_senders_deliver_each_message_once(dbs, policy, sink):
    """Slow deliveries and a short lease: a sender's later claims expire while it sends."""
    handler, port = sink
    handler.delay = 0.04
    intake = Intake(description="cannot sign in", contact="x@example.com", module="A", version="1")
    refs = {tickets.file_ticket(dbs[2], policy, intake, DECIDED, MON_9).ref for _ in range(24)}
    cfg = mail_config(port, lease=0.3)

    def worker(name: str, db):
        def run():
            end = time.monotonic() + 20
            while time.monotonic() < end:
                now = MON_9 + timedelta(seconds=time.monotonic())
                if not send_pending(db, policy, cfg, now, worker=name, limit=12).sent:
                    with db.read() as s:
                        left = s.execute(
                            select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status != "sent")
                        ).scalar()  # fmt: skip
                    if not left:
                        return
                    time.sleep(0.05)

        return run

    together(worker("w1", dbs[0]), worker("w2", dbs[1]), timeout=40)
    subjects = [m["Subject"].split("]")[0].lstrip("[") for m in handler.messages]
    assert sorted(subjects) == sorted(refs), "a message went twice or not at all"
    with dbs[2].read() as s:
        rows = s.execute(select(OutboxMessage)).scalars().all()
    assert {r.status for r in rows} == {"sent"} and {r.claimed_by for r in rows} == {"w1", "w2"}
