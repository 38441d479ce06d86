"""The filing write path (issue 11 §9): few statements per ticket, commits shared by concurrent
filings, a whole Alertmanager payload in one transaction, and the same stored result as before."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from triage.channels import alerts
from triage.desk import outbox, tickets
from triage.desk.channel_models import AlertEpisode, OutboxMessage
from triage.desk.db import GroupCommit
from triage.desk.intake import Classified, Intake, InvalidField
from triage.desk.models import Event, Ticket
from triage.desk.tokens import keyring_of

MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DECIDED = Classified("access", "medium", "L1", 0.9, ({"id": "a", "title": "A", "url": "/a/"},))


def intake(i: int = 0, **kw) -> Intake:
    fields = {"description": f"cannot sign in {i}", "contact": f"u{i}@example.com",
              "module": "Accounts", "version": "2.3", "steps": "1. sign in", **kw}  # fmt: skip
    return Intake(**fields)


@contextmanager
def counting(db):
    """Count the SQL statements and the commits the engine runs inside the block."""
    seen = {"statements": 0, "commits": 0}

    def on_statement(*_a, **_k):
        seen["statements"] += 1

    def on_commit(*_a):
        seen["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
        event.remove(db.engine, "commit", on_commit)


def test_a_filing_is_four_statements_in_one_commit(db, policy):
    tickets.file_ticket(db, policy, intake(0), DECIDED, MON_9)  # the counter row exists now
    with counting(db) as seen:
        filed = tickets.file_ticket(db, policy, intake(1), DECIDED, MON_9)
    # counter bump, ticket, its events, its confirmation (+ BEGIN IMMEDIATE on SQLite)
    assert seen["commits"] == 1
    assert seen["statements"] <= 4 + (db.dialect == "sqlite")
    assert filed.ref == "SUP-000002"


def test_the_fast_path_stores_what_the_orm_path_did(db, policy):
    waiting = intake(0, version="")  # missing version: waiting for the customer
    filed = tickets.file_ticket(db, policy, waiting, DECIDED, MON_9)
    assert filed.status == "waiting_customer" and filed.missing == ("version",)
    with db.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        kinds = [(e.kind, e.actor, e.public) for e in t.events]
        assert kinds == [("created", "customer", True), ("triaged", "engine", False),
                         ("status", "system", True)]  # fmt: skip
        assert t.events[1].data["suggestions"] == [{"id": "a", "title": "A", "url": "/a/"}]
        assert t.reaction_due == filed.reaction_due == t.due_at
        assert t.resolution_due > t.reaction_due and t.sla_flag == "" and t.assignee is None
        mails = s.execute(select(OutboxMessage)).scalars().all()
        assert [(m.kind, m.ticket_id, m.to_addr) for m in mails] == [
            ("confirmation", t.id, "u0@example.com")
        ]
        opened, ok = outbox.open_context(mails[0].context, keyring_of(db))
        assert ok and opened["token"] == filed.token and opened["missing"] == ["version"]
        assert filed.token not in str(mails[0].context)  # sealed at rest
    # the ORM writers still see and change it
    view = tickets.transition(db, policy, filed.ref, "open", "customer", MON_9, message="back")
    assert view.status == "open" and len(view.events) == 4


def test_concurrent_filings_share_commits_and_lose_nothing(db, policy):
    n, threads = 96, 16
    barrier = threading.Barrier(threads)
    refs: list[str] = []

    def work(k: int) -> None:
        barrier.wait()
        for i in range(k, n, threads):
            refs.append(tickets.file_ticket(db, policy, intake(i), DECIDED, MON_9).ref)

    with counting(db) as seen:
        pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    assert sorted(refs) == [f"SUP-{i:06d}" for i in range(1, n + 1)]
    assert seen["commits"] < n  # filings waiting for a commit in flight went in the next one
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Ticket)).scalar() == n
        assert s.execute(select(func.count()).select_from(Event)).scalar() == 2 * n


def test_a_failing_item_fails_only_its_caller(db):
    """The shared transaction breaks: every item is retried alone, the bad one raises."""
    gate = threading.Event()

    def apply(conn, items):
        gate.wait(5)
        if "bad" in items:
            raise ValueError("bad item")
        return [f"ok {i}" for i in items]

    group = GroupCommit(db, apply)
    results: dict[str, object] = {}

    def call(item: str) -> None:
        try:
            results[item] = group.run(item)
        except ValueError as exc:
            results[item] = exc

    pool = [threading.Thread(target=call, args=(x,)) for x in ("a", "b", "bad", "c", "d")]
    for t in pool:
        t.start()
    gate.set()
    for t in pool:
        t.join()
    assert {k: v for k, v in results.items() if k != "bad"} == {
        x: f"ok {x}" for x in ("a", "b", "c", "d")
    }
    assert isinstance(results["bad"], ValueError)


def test_invalid_intake_writes_nothing(db, policy):
    with counting(db) as seen, pytest.raises(InvalidField):
        tickets.file_ticket(db, policy, intake(0, lang="xx"), DECIDED, MON_9)
    assert seen["commits"] == 0


def _storm(n: int, tag: str = "fp") -> dict:
    labels = {"alertname": "DiskFull", "severity": "critical", "class": "infrastructure"}
    return {"version": "4", "alerts": [
        {"status": "firing", "fingerprint": f"{tag}-{i}", "labels": labels,
         "annotations": {"summary": "disk full"}, "startsAt": "2026-11-23T09:00:00Z"}
        for i in range(n)
    ]}  # fmt: skip


def test_an_alert_storm_is_a_few_transactions_of_a_few_statements(db, policy):
    with counting(db) as seen:
        outcomes = alerts.handle_payload(_storm(alerts.MAX_ALERTS), db, policy, MON_9)
    chunks = alerts.MAX_ALERTS // alerts.STORM_CHUNK
    assert alerts.STORM_CHUNK > 1 and seen["commits"] == chunks
    # per chunk: episodes, fingerprints (insert, lock), tickets, counter, events, links
    assert seen["statements"] <= 12 * chunks
    assert [o.action for o in outcomes] == ["opened"] * alerts.MAX_ALERTS
    refs = [o.ref for o in outcomes]
    assert refs == [f"SUP-{i:06d}" for i in range(1, alerts.MAX_ALERTS + 1)]
    with db.read() as s:
        linked = s.execute(
            select(AlertEpisode.fingerprint, Ticket.ref).join(
                Ticket, Ticket.id == AlertEpisode.ticket_id
            )
        ).all()
        assert dict(linked) == {f"fp-{i}": f"SUP-{i + 1:06d}" for i in range(alerts.MAX_ALERTS)}
        statuses = s.execute(select(AlertEpisode.status).distinct()).scalars().all()
        assert statuses == ["firing"]
    replay = alerts.handle_payload(_storm(alerts.MAX_ALERTS), db, policy, MON_9)
    assert {(o.action, o.ref) for o in replay[:2]} == {("replayed", "SUP-000001"),
                                                       ("replayed", "SUP-000002")}  # fmt: skip


def test_a_storm_that_fails_half_way_leaves_nothing_and_its_retry_files_all(
    db, policy, monkeypatch
):
    real, calls = tickets.prepare, [0]

    def flaky(*args, **kw):
        calls[0] += 1
        if calls[0] == 300:
            raise RuntimeError("crash in the middle of the payload")
        return real(*args, **kw)

    monkeypatch.setattr(tickets, "prepare", flaky)
    with pytest.raises(RuntimeError):
        alerts.handle_payload(_storm(alerts.MAX_ALERTS), db, policy, MON_9)
    done = 299 // alerts.STORM_CHUNK * alerts.STORM_CHUNK  # the chunks before the failing one
    with db.read() as s:  # whole chunks only: no ticket without its episode, nor the reverse
        assert s.execute(select(func.count()).select_from(Ticket)).scalar() == done
        assert s.execute(select(func.count()).select_from(AlertEpisode)).scalar() == done
    outcomes = alerts.handle_payload(_storm(alerts.MAX_ALERTS), db, policy, MON_9)
    actions = [o.action for o in outcomes]
    assert actions == ["replayed"] * done + ["opened"] * (alerts.MAX_ALERTS - done)
    assert len({o.ref for o in outcomes}) == alerts.MAX_ALERTS and all(o.ref for o in outcomes)
    with db.read() as s:
        assert s.execute(select(func.count()).select_from(Ticket)).scalar() == alerts.MAX_ALERTS


def test_a_storm_refiring_an_open_ticket_and_a_new_one_in_the_same_payload(db, policy):
    first = alerts.handle_payload(_storm(1, "old"), db, policy, MON_9)[0]
    mixed = _storm(2, "new")
    mixed["alerts"].append({**_storm(1, "old")["alerts"][0], "startsAt": "2026-11-23T10:00:00Z"})
    outcomes = alerts.handle_payload(mixed, db, policy, MON_9)
    assert [(o.action, o.ref) for o in outcomes] == [
        ("opened", "SUP-000002"), ("opened", "SUP-000003"), ("updated", first.ref)
    ]  # fmt: skip
    # the same fingerprint twice in one payload: one ticket, then a comment on it
    twice = _storm(1, "dup")
    twice["alerts"].append({**twice["alerts"][0], "startsAt": "2026-11-23T11:00:00Z"})
    outcomes = alerts.handle_payload(twice, db, policy, MON_9)
    assert [(o.action, o.ref) for o in outcomes] == [
        ("opened", "SUP-000004"), ("updated", "SUP-000004")
    ]  # fmt: skip


def test_outbox_rows_are_the_same_either_way(db, policy):
    """The ORM writers' rows (outbox._row) and the fast path's (row_values) agree."""
    filed = tickets.file_ticket(db, policy, intake(0), DECIDED, MON_9)
    with db.read() as s:
        t = s.execute(select(Ticket).where(Ticket.ref == filed.ref)).scalar_one()
        stored = s.execute(select(OutboxMessage)).scalar_one()
        notice = outbox.notices_for(t, t.events, filed.token)[0]
        ring = keyring_of(db)
        expected = outbox.row_values(t, notice, MON_9, None, ring)
    got = {k: getattr(stored, k) for k in expected}
    assert got.pop("context") != expected["context"]  # sealed anew each time, so compare opened
    assert got == {k: v for k, v in expected.items() if k != "context"}
    assert outbox.open_context(stored.context, ring) == outbox.open_context(
        expected["context"], ring
    )
