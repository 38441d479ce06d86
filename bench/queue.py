"""The console's queue at scale: 100,000 tickets on SQLite and on PostgreSQL.

Fills a fresh desk with ``BENCH_QUEUE_TICKETS`` tickets (default 100,000; about a third still
active, the rest resolved or closed, spread over a year) by bulk insert, then times, median
of ``BENCH_QUEUE_REPEAT`` runs: the queue's query (``triage.desk.queue.queue_page``) for the
first page and a deep page (keyset, after the 25,000th active ticket) under several sorts,
a member's line and the "At risk" view; the whole console page (``GET /staff/``, rendered) for
the first and the deep page; and one bulk action (assign 50 tickets through ``POST
/staff/bulk``, each ticket's own transaction and events, as one by one).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from triage.desk import lifecycle, pgtemp
from triage.desk.db import Database, open_database, upgrade
from triage.desk.models import Event, RefCounter, Ticket
from triage.desk.queue import AT_RISK, QueueFilter, queue_page
from triage.desk.users import add_user
from triage.engine.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent
TICKETS = int(os.environ.get("BENCH_QUEUE_TICKETS", "100000"))
REPEAT = int(os.environ.get("BENCH_QUEUE_REPEAT", "5"))
BULK = 50
PASSWORD = "bench password 123"
ACTIVE = sorted(lifecycle.ACTIVE)


def _rows(policy: Policy, n: int, now: datetime) -> tuple[list[dict], list[dict]]:
    """n tickets (and their 'created' events) as plain rows for a bulk insert."""
    rnd = random.Random(12)
    classes = list(policy.classes)
    start = now - timedelta(days=365)
    step = 365 * 86400 / n
    tickets, events = [], []
    for i in range(1, n + 1):
        klass = classes[i % len(classes)]
        prio = policy.priorities[rnd.randrange(len(policy.priorities))]
        reported = start + timedelta(seconds=i * step + rnd.random() * step)
        target = policy.target(prio)
        active = i % 3 == 0 or i > n - n // 20  # a third, and every recent one, still open
        status = ACTIVE[i % len(ACTIVE)] if active else ("resolved", "closed")[i % 2]
        reacted = status not in ("new",)
        due = reported + timedelta(hours=target.resolution if reacted else target.reaction)
        tickets.append(
            {
                "id": i,
                "ref": f"{policy.ref_prefix}-{i:06d}",
                "token_hash": f"{i:064x}",
                "contact": f"user{rnd.randrange(5000)}@example.com",
                "channel": "web",
                "subject": f"Request {rnd.randrange(10**6):06d} about {klass}",
                "module": "Portal",
                "version": "4.2",
                "description": f"Something about {klass}, number {i}.",
                "steps": "",
                "lang": "en",
                "predicted_class": klass,
                "predicted_priority": prio,
                "confidence": 0.9,
                "plan": policy.default_plan,
                "line": policy.request_class(klass).line,
                "assignee": None if i % 4 else f"agent{i % 7}",
                "status": status,
                "reported_at": reported,
                "created_at": reported,
                "updated_at": reported,
                "first_reaction_at": reported + timedelta(minutes=30) if reacted else None,
                "resolved_at": reported + timedelta(hours=5) if not active else None,
                "closed_at": None,
                "reaction_due": reported + timedelta(hours=target.reaction),
                "resolution_due": reported + timedelta(hours=target.resolution),
                "due_at": due,
                "sla_flag": "",
            }
        )
        events.append(
            {
                "ticket_id": i,
                "at": reported,
                "actor": "customer",
                "kind": "created",
                "message": "Received.",
                "data": {"from": None, "to": "new"},
                "public": True,
            }
        )
    return tickets, events


def _copy(conn, table: str, rows: list[dict]) -> None:
    """PostgreSQL's COPY FROM STDIN of plain rows (JSON values dumped)."""
    cols = list(rows[0])
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])


def fill(db: Database, policy: Policy, n: int, now: datetime) -> float:
    """Bulk-insert n tickets with their first event; the seconds it took.

    PostgreSQL: COPY; SQLite: one executemany per table through SQLAlchemy Core.
    """
    tickets, events = _rows(policy, n, now)
    started = time.perf_counter()
    with db.write() as s:
        conn = s.connection()
        if db.engine.dialect.name == "postgresql":
            _copy(conn, "tickets", tickets)
            _copy(conn, "events", events)
        else:
            conn.execute(Ticket.__table__.insert(), tickets)
            conn.execute(Event.__table__.insert(), events)
        s.merge(RefCounter(prefix=policy.ref_prefix, value=n))
    if db.engine.dialect.name == "postgresql":  # what autovacuum does to a table in service
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE tickets")
            conn.exec_driver_sql("VACUUM ANALYZE events")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return time.perf_counter() - started


def median_ms(fn, repeat: int = REPEAT) -> float:
    """The median wall time of fn() in milliseconds (one untimed warm-up)."""
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _nth_ref(db: Database, where, order, n: int) -> str:
    with db.read() as s:
        query = select(Ticket.ref).where(where).order_by(*order).offset(n).limit(1)
        return s.execute(query).scalar_one()


def measure(backend: str, url: str, policy: Policy) -> list[dict]:
    """Fill the desk at url and time the queue on it."""
    from triage.web import create_app

    now = datetime.now(UTC)
    db = open_database(url)
    filled = fill(db, policy, TICKETS, now)
    with db.read() as s:
        active = s.execute(
            select(func.count()).select_from(Ticket).where(Ticket.status.in_(ACTIVE))
        ).scalar_one()
    lines = policy.lines
    deep = min(25_000, active - 100)
    where = Ticket.status.in_(ACTIVE)
    deep_ref = _nth_ref(db, where, (Ticket.reported_at, Ticket.id), deep)
    deep_sla = _nth_ref(db, where, (Ticket.due_at, Ticket.id), deep)
    base = {"backend": backend, "tickets": TICKETS, "active": active}
    rows = [{**base, "case": "bulk insert (fill)", "ms": round(filled * 1000, 1)}]

    def page(name, **kw):
        filt = kw.pop("filt", QueueFilter())
        allowed = kw.pop("lines", lines)
        ms = median_ms(lambda: queue_page(db, policy, now, filt, allowed, me="agent1", **kw))
        rows.append({**base, "case": f"query: {name}", "ms": ms})

    page("first page, arrival order (default)")
    page(f"deep page (after #{deep}), arrival order", after=deep_ref)
    page("first page, by SLA time left", sort="sla")
    page(f"deep page (after #{deep}), by SLA time left", sort="sla", after=deep_sla)
    page("first page, by priority (descending)", sort="priority", descending=True)
    page("first page, by class", sort="class")
    page("first page, by subject", sort="subject")
    page("first page, line L1 only (an L1 member)", lines=("L1",))
    page("first page, view At risk", filt=QueueFilter(sla=AT_RISK))

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "NOW": now,
            "MODEL_DIR": str(Path(tempfile.gettempdir()) / "no-model"),
        }
    )
    add_user(db, "bench-admin", "admin", now, password=PASSWORD)
    client = app.test_client()
    client.post("/staff/login", data={"name": "bench-admin", "password": PASSWORD})
    assert client.get("/staff/").status_code == 200

    def get(path: str) -> None:
        assert client.get(path).status_code == 200

    rows.append(
        {**base, "case": "page: GET /staff/ (first)", "ms": median_ms(lambda: get("/staff/"))}
    )
    deep_path = f"/staff/?after={deep_ref}"
    rows.append(
        {
            **base,
            "case": f"page: GET /staff/ deep (after #{deep})",
            "ms": median_ms(lambda: get(deep_path)),
        }
    )
    refs = [f"{policy.ref_prefix}-{i:06d}" for i in range(TICKETS - BULK + 1, TICKETS + 1)]
    started = time.perf_counter()
    r = client.post("/staff/bulk", data={"action": "assign", "assignee": "@me", "ref": refs})
    took = (time.perf_counter() - started) * 1000
    assert r.status_code == 303
    with db.read() as s:
        done = s.execute(
            select(func.count()).select_from(Ticket).where(Ticket.assignee == "bench-admin")
        ).scalar_one()
    assert done == BULK, done
    rows.append(
        {**base, "case": f"bulk assign {BULK} tickets (POST /staff/bulk)", "ms": round(took, 1)}
    )
    db.dispose()
    return rows


def run() -> dict:
    """Run the section on SQLite, then on a throwaway PostgreSQL."""
    policy = load_policy(ROOT / "policy.yml")
    load = f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared with other work)"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-queue-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'desk.db'}"
        upgrade(url)
        rows += measure("sqlite", url, policy)
    pg = pgtemp.start()
    try:
        url = pg.create_database("bench_queue")
        upgrade(url)
        rows += measure("postgresql", url, policy)
    finally:
        pg.stop()
    notes = [
        f"{TICKETS} tickets, median of {REPEAT} runs after one warm-up; 'query' is "
        "triage.desk.queue.queue_page (50 rows, with the total count and each row's SLA clock), "
        "'page' the rendered console page through the Flask test client",
        "deep pages use keyset pagination (?after=<ref>): the sort value and id of the ref, so "
        "they cost what the first page does; priority and class sort by an expression",
        "the bulk action runs each ticket in its own write transaction, as one by one",
        load,
    ]
    return {"rows": rows, "notes": notes}
