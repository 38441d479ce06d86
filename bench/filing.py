"""Filing speed: the desk's write path against the raw ORM commit rate of the same run.

On SQLite (WAL, synchronous=NORMAL, the desk's own engine settings) and on a throwaway durable
PostgreSQL (the server's defaults: fsync and synchronous commit on), each:

- ``raw ORM``: one-row ORM inserts, one transaction each, on the desk's engine (the ceiling);
- ``file_ticket``: in-process filings, engine not called, from 1, 8 and 32 threads
  (concurrent filings share a commit);
- ``alerts 500``: one Alertmanager payload of 500 new alerts applied in-process (class and
  priority from labels, no engine), checked: 500 tickets;
- over HTTP (``triage serve``, gunicorn): ``POST /api/alerts`` at 8 connections, every request
  new alerts (``BENCH_ALERTS_PER_POST`` per post, default 1 and 10), and ``POST /api/tickets``
  with the engine at 8 connections (beside ``POST /api/triage``, the engine alone, which bounds
  it); tickets counted in the database afterwards.

Targets (issue 11): file_ticket >= 1,500/s SQLite, >= 1,000/s PostgreSQL; 500 alerts < 1 s;
>= 1,000 alert filings/s over HTTP; >= 300 POST /api/tickets/s. ``BENCH_FILING_SECONDS`` sets
each HTTP run (default 10), ``BENCH_FILINGS`` the in-process count (default 2000).
Run alone: ``python -m bench.run filing``.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.api import ROOT, build_engine, busy_share, questions, served, warm
from bench.httpload import load
from triage.channels import alerts
from triage.desk import pgtemp, tickets
from triage.desk.db import Database, open_database, upgrade
from triage.desk.intake import Classified, Intake
from triage.desk.models import Ticket
from triage.engine.policy import load_policy

N = int(os.environ.get("BENCH_FILINGS", "2000"))
SECONDS = int(os.environ.get("BENCH_FILING_SECONDS", "10"))
PER_POST = [int(x) for x in os.environ.get("BENCH_ALERTS_PER_POST", "1,10").split(",")]
SECRET = "bench-alerts-secret"
TARGETS = {"sqlite": 1500.0, "postgresql": 1000.0}
DECIDED = Classified("infrastructure", "high", "L2", 0.9, ({"id": "a", "title": "A", "url": "/a"},))
BODY = "The virtual machine does not start after the update; the console shows a disk error. " * 5


class _RawBase(DeclarativeBase):
    pass


class RawTicket(_RawBase):
    """The anchor's table: a ~400-byte body, three indexes."""

    __tablename__ = "bench_raw_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    contact: Mapped[str] = mapped_column(String(320), index=True)
    body: Mapped[str] = mapped_column(Text)


def say(text: str) -> None:
    """Progress on stdout, at once."""
    print(f"  [filing] {text}", flush=True)


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else float("nan")


def raw_orm(db: Database, n: int) -> float:
    """Single-row ORM inserts, one write transaction each, on the desk's engine: per second."""
    _RawBase.metadata.create_all(db.engine)
    start = time.perf_counter()
    for i in range(n):
        with db.write() as s:
            s.add(RawTicket(ref=f"R-{i:06d}", status="new", contact=f"u{i}@x.test", body=BODY))
    return _rate(n, time.perf_counter() - start)


def _intake(i: int) -> Intake:
    return Intake(description=f"{i}: {BODY}", contact=f"user{i}@example.com", module="Compute",
                  version="2.4", steps="1. open Compute 2. start a VM")  # fmt: skip


def file_many(db: Database, policy, n: int, threads: int) -> dict:
    """``n`` filings from ``threads`` threads; rate, and the errors any of them hit."""
    errors: list[str] = []
    now = datetime.now(UTC)

    def work(k: int) -> None:
        for i in range(k, n, threads):
            try:
                tickets.file_ticket(db, policy, _intake(i), DECIDED, now)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    start = time.perf_counter()
    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return {"per_s": _rate(n - len(errors), time.perf_counter() - start), "errors": len(errors)}


def alert(fp: str, starts: str = "2026-12-01T10:00:00Z") -> dict:
    """One firing alert whose class and priority come from its labels."""
    labels = {"alertname": "DiskFull", "severity": "critical", "class": "infrastructure"}
    return {"status": "firing", "fingerprint": fp, "labels": {**labels, "service": "storage"},
            "annotations": {"summary": "disk almost full"}, "startsAt": starts}  # fmt: skip


def count_tickets(db: Database, channel: str | None = None) -> int:
    """Tickets in the database (of one channel)."""
    query = select(func.count()).select_from(Ticket)
    if channel:
        query = query.where(Ticket.channel == channel)
    with db.read() as s:
        return int(s.execute(query).scalar())


def alert_batch(db: Database, policy, tag: str) -> dict:
    """One payload of 500 new alerts, in-process: seconds, and how many tickets it opened."""
    payload = {"version": "4", "alerts": [alert(f"{tag}-{i}") for i in range(alerts.MAX_ALERTS)]}
    before = count_tickets(db, "alert")
    start = time.perf_counter()
    outcomes = alerts.handle_payload(payload, db, policy, datetime.now(UTC))
    seconds = time.perf_counter() - start
    opened = sum(o.action == "opened" for o in outcomes)
    return {"seconds": round(seconds, 3), "opened": opened,
            "stored": count_tickets(db, "alert") - before}  # fmt: skip


ALERT_LUA = """-- generated by bench/filing.py: every request new alerts (thread id, counter)
local n = 0
threads = 0
setup = function(thread) thread:set("tid", threads); threads = threads + 1 end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(secret)s"
request = function()
  n = n + 1
  local items = {}
  for k = 1, %(per)d do
    items[k] = string.format([==[%(alert)s]==], tid, n, k)  -- tid: this thread's global
  end
  local body = '{"version":"4","alerts":[' .. table.concat(items, ",") .. ']}'
  return wrk.format(nil, "/api/alerts", nil, body)
end
"""


def _alert_template(tag: str) -> str:
    text = json.dumps(alert(f"{tag}-FP"))
    return text.replace("%", "%%").replace(f"{tag}-FP", f"{tag}-%d-%d-%d")


def alerts_http(base: str, tag: str, per_post: int, seconds: int) -> dict:
    """POST /api/alerts at 8 connections, every post ``per_post`` new alerts (wrk or threads)."""
    if shutil.which("wrk"):
        lua = ALERT_LUA % {"secret": SECRET, "per": per_post, "alert": _alert_template(tag)}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(lua)
        cmd = ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "--latency", "-s", f.name]
        try:
            out = subprocess.run([*cmd, base], capture_output=True, text=True,
                                 timeout=seconds + 60, check=True)  # fmt: skip
        finally:
            Path(f.name).unlink(missing_ok=True)
        from bench.httpload import parse_wrk

        return {"tool": "wrk", **parse_wrk(out.stdout)}
    return _alerts_threads(base, tag, per_post, seconds)


def _alerts_threads(base: str, tag: str, per_post: int, seconds: int) -> dict:
    host, port = base.split("//")[1].split(":")
    lock, lat, bad, stop = threading.Lock(), [], [0], time.perf_counter() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"}

    def worker(k: int) -> None:
        conn, n = http.client.HTTPConnection(host, int(port), timeout=30), 0
        while time.perf_counter() < stop:
            n += 1
            items = [alert(f"{tag}-{k}-{n}-{j}") for j in range(per_post)]
            t0 = time.perf_counter()
            conn.request("POST", "/api/alerts", json.dumps({"version": "4", "alerts": items}),
                         headers)  # fmt: skip
            resp = conn.getresponse()
            resp.read()
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
                bad[0] += resp.status != 200
        conn.close()

    from bench.httpload import run_clients

    return {"tool": "python threads", **run_clients(worker, 8, lat), "non_2xx": bad[0],
            "socket_errors": ""}  # fmt: skip


def ticket_bodies(tag: str) -> list[dict]:
    """Varied POST /api/tickets bodies (real support questions)."""
    extra = {"module": "Compute", "version": "2.4", "steps": "1. open Compute 2. start a VM"}
    return [
        {"description": f"{tag}-{i}: {q['question']}", "contact": f"u{i}@example.com", **extra}
        for i, q in enumerate(questions(700))
    ]


def in_process_rows(backend: str, url: str, policy) -> list[dict]:
    """Raw ORM, file_ticket (1 and 4 threads) and the 500-alert payload on one database."""
    db = open_database(url)
    rows = []
    try:
        say(f"{backend}: raw ORM, {N} one-row commits")
        busy = busy_share(0.5)
        raw = raw_orm(db, N)
        rows.append({"case": "raw ORM insert, 1 thread", "backend": backend, "per_s": raw,
                     "busy_before": busy})  # fmt: skip
        for threads in (1, 8, 32):
            say(f"{backend}: file_ticket x {N}, {threads} thread(s)")
            busy = busy_share(0.5)
            r = file_many(db, policy, N, threads)
            ok = r["per_s"] >= TARGETS[backend] and not r["errors"]
            rows.append({"case": f"file_ticket in-process, {threads} thread(s)",
                         "backend": backend, **r, "vs_raw": round(r["per_s"] / raw, 2),
                         "target": f">= {TARGETS[backend]:g}/s", "ok": ok,
                         "busy_before": busy})  # fmt: skip
        say(f"{backend}: one Alertmanager payload of {alerts.MAX_ALERTS} alerts")
        r = alert_batch(db, policy, f"batch-{backend}")
        rows.append({"case": f"{alerts.MAX_ALERTS} alerts in one post, in-process",
                     "backend": backend, "seconds": r["seconds"],
                     "per_s": _rate(r["opened"], r["seconds"]),
                     "check": f"{r['opened']} opened, {r['stored']} stored",
                     "target": "< 1 s",
                     "ok": r["seconds"] < 1.0 and r["stored"] == 500})  # fmt: skip
    finally:
        db.dispose()
    return rows


def http_rows(backend: str, env: dict, url: str, log: Path) -> list[dict]:
    """POST /api/alerts and POST /api/tickets (engine) against ``triage serve``."""
    rows = []
    db = open_database(url)
    try:
        with served({**env, "DATABASE_URL": url}, log) as base:
            say(f"{backend}: warming the server (model, index, sentence encoder)")
            warm(base, [{"question": q["question"]} for q in questions(200)])
            for per in PER_POST:
                tag = f"http-{backend}-{per}"
                before = count_tickets(db, "alert")
                busy = busy_share()
                say(f"{backend}: POST /api/alerts, {per} alert(s) per post, 8 conns, {SECONDS} s")
                r = alerts_http(base, tag, per, SECONDS)
                filed = count_tickets(db, "alert") - before
                per_s = round(filed / SECONDS, 1)  # tickets stored per second of load
                rows.append({"case": f"POST /api/alerts, {per}/post, 8 conns", "backend": backend,
                             **r, "per_s": per_s, "check": f"{filed} tickets stored",
                             "busy_before": busy, "target": ">= 1000 alerts/s",
                             "ok": per_s >= 1000 and r["non_2xx"] == 0})  # fmt: skip
            bodies = ticket_bodies(f"http-{backend}")
            say(f"{backend}: POST /api/triage (the engine alone, for scale), 8 conns, {SECONDS} s")
            busy = busy_share()
            r = load(base, "/api/triage", [{"question": b["description"]} for b in bodies], 8,
                     SECONDS)  # fmt: skip
            rows.append({"case": "POST /api/triage (engine only), 8 conns", "backend": backend,
                         **r, "per_s": r["req_s"], "busy_before": busy})  # fmt: skip
            say(f"{backend}: POST /api/tickets, 8 conns, {SECONDS} s")
            before = count_tickets(db)
            busy = busy_share()
            r = load(base, "/api/tickets", bodies, conns=8, seconds=SECONDS)
            filed = count_tickets(db) - before
            rows.append({"case": "POST /api/tickets (engine), 8 conns", "backend": backend, **r,
                         "per_s": r["req_s"], "check": f"{filed} tickets stored",
                         "busy_before": busy, "target": ">= 300/s",
                         "ok": r["req_s"] >= 300 and r["non_2xx"] == 0})  # fmt: skip
    finally:
        db.dispose()
    return rows


def run() -> dict:
    """Both databases: in-process figures, then the served ones."""
    policy = load_policy(ROOT / "policy.yml")
    rows: list[dict] = []
    notes = [f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared with the load "
             "generator); compare per_s with the raw ORM rate of the same backend; busy_before: "
             "share of both cores busy just before the case (0 = idle)"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-filing-") as tmp:
        tmp_path = Path(tmp)
        pg = pgtemp.start(durable=True)
        try:
            urls = {"sqlite": f"sqlite:///{tmp_path / 'desk.db'}",
                    "postgresql": pg.create_database("filing")}  # fmt: skip
            for backend, url in urls.items():
                upgrade(url)
                rows += in_process_rows(backend, url, policy)
            env = {**os.environ, "FRONTLINE_ROOT": str(ROOT),
                   "TRIAGE_INDEX_DIR": str(tmp_path / "index"),
                   "TRIAGE_MODEL_DIR": str(tmp_path / "model"),
                   "TRIAGE_RATELIMIT_ENABLED": "false", "TRIAGE_ALERTS_SECRET": SECRET}  # fmt: skip
            say("building the index and the model for the served engine")
            build_engine({**env, "DATABASE_URL": urls["sqlite"]})
            for backend, url in urls.items():
                rows += http_rows(backend, env, url, tmp_path / "serve.log")
        finally:
            pg.stop()
    notes.append(f"server: triage serve defaults; {SECONDS} s per HTTP run; wrk runs on the "
                 "same 2 cores as the server")  # fmt: skip
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
