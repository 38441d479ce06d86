"""The served API: ``POST /api/triage`` under load, and 1,000 concurrent ticket creations.

Builds the starting KB's index and model in a temp instance (``triage index``, ``triage train``),
starts ``triage serve`` (gunicorn, 2 workers, its default threads) on a free loopback port,
warms both workers, then loads ``POST /api/triage`` with varied questions at 1 and 8
connections (wrk if installed, else Python threads). Then 1,000 ``POST /api/tickets`` from 8
concurrent clients, on SQLite and on a throwaway PostgreSQL (durable settings), each checked in
the database: every ticket present exactly once, refs unique and gap-free. Rate limits are
switched off for the load (they would cap a single client address). Targets: p99 < 25 ms at 1
connection, >= 150 req/s at 8. ``BENCH_API_SECONDS`` sets the length of each triage run
(default 15).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select

from bench.httpload import load, post_json, run_clients
from triage.desk import pgtemp
from triage.desk.db import open_database
from triage.desk.models import Ticket

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = str(Path(sys.executable).with_name("triage"))
P99_TARGET_MS, RPS_TARGET = 25.0, 150.0
TICKETS, CLIENTS = 1000, 8


def busy_share(seconds: float = 1.0) -> float:
    """Share of all CPU time the machine spent busy over ``seconds`` (from /proc/stat)."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return round(1 - (idle1 - idle0) / max(total1 - total0, 1), 2)


def questions(limit: int = 1000) -> list[dict]:
    """Varied real-looking questions: the labelled data's texts, held-out first."""
    out: list[dict] = []
    for name in ("heldout.jsonl", "train.jsonl"):
        for line in (ROOT / "data" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append({"question": json.loads(line)["text"]})
    return out[:limit]


def build_engine(env: dict[str, str]) -> None:
    """Index the starting KB and train the model into the temp instance."""
    for cmd in (["index"], ["train"]):
        done = subprocess.run([TRIAGE, *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"triage {cmd[0]} failed: {done.stderr[-1500:]}")


@contextmanager
def served(
    env: dict[str, str], log: Path, workers: int = 2, threads: int | None = None
) -> Iterator[str]:
    """``triage serve`` on a free loopback port; yields the base URL, stops it after."""
    port = pgtemp.free_port()
    cmd = [TRIAGE, "serve", "--port", str(port), "--workers", str(workers)]
    cmd += ["--threads", str(threads)] if threads else []
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log)
        yield base
    except Exception:
        print(f"server log (tail):\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
        raise
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"triage serve exited: {log.read_text()[-1500:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"triage serve did not answer within {timeout:.0f} s")


def warm(base: str, bodies: list[dict], timeout: float = 120) -> None:
    """Wait for a first 200 from /api/triage, then load model and index in every worker."""
    host, port = base.rsplit(":", 1)[0].split("//")[1], int(base.rsplit(":", 1)[1])
    end, status, raw = time.monotonic() + timeout, 0, b""
    while time.monotonic() < end and status != 200:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        status, raw = post_json(conn, "/api/triage", bodies[0])
        conn.close()
    if status != 200:
        raise RuntimeError(f"POST /api/triage answers {status}: {raw[:300]!r}")
    load(base, "/api/triage", bodies, conns=8, seconds=3)


def create_tickets(base: str, tag: str) -> dict:
    """POST /api/tickets TICKETS times from CLIENTS threads; timings and returned refs."""
    host, port = base.rsplit(":", 1)[0].split("//")[1], int(base.rsplit(":", 1)[1])
    lock, lat, refs, bad = threading.Lock(), [], [], Counter()
    texts = [q["question"] for q in questions()]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        for i in range(k, TICKETS, CLIENTS):
            body = {
                "description": f"{tag}-{i}: {texts[i % len(texts)]}",
                **{"module": "Compute", "version": "2.4", "contact": f"user{i}@example.com"},
                "steps": "1. open Compute 2. start a VM",
            }
            t0 = time.perf_counter()
            try:
                status, raw = post_json(conn, "/api/tickets", body)
            except OSError as exc:  # counted, and the client goes on with a new connection
                status, raw = type(exc).__name__, b""
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            with lock:
                lat.append((time.perf_counter() - t0) * 1000)
                if status == 201:
                    refs.append(json.loads(raw)["ref"])
                else:
                    bad[status] += 1
        conn.close()

    figures = run_clients(client, CLIENTS, lat)
    del figures["requests"]
    return {
        **figures,
        "refs": refs,
        "errors": dict(bad),
    }


def verify(url: str, tag: str, refs: list[str]) -> dict:
    """Every ticket of the run present once; refs unique, gap-free and the ones returned."""
    db = open_database(url)
    with db.read() as s:
        rows = s.execute(select(Ticket.ref, Ticket.description)).all()
    db.dispose()
    tags = Counter(d.split(":", 1)[0] for _, d in rows)
    expected = {f"{tag}-{i}" for i in range(TICKETS)}
    present_once = set(tags) == expected and max(tags.values(), default=0) == 1
    found = sorted(r for r, _ in rows)
    gap_free = found == [f"SUP-{i:06d}" for i in range(1, len(found) + 1)]
    return {
        "present_once": present_once,
        "gap_free": gap_free and sorted(refs) == found,
        "stored": len(rows),
    }


def triage_rows(base: str, seconds: int) -> list[dict]:
    """POST /api/triage at 1 and 8 connections."""
    bodies, rows = questions(), []
    warm(base, bodies)
    for conns in (1, 8):
        busy = busy_share()
        r = load(base, "/api/triage", bodies, conns=conns, seconds=seconds)
        target = f"p99 < {P99_TARGET_MS:g} ms" if conns == 1 else f">= {RPS_TARGET:g} req/s"
        met = r["p99_ms"] < P99_TARGET_MS if conns == 1 else r["req_s"] >= RPS_TARGET
        clean = r["requests"] > 0 and r["non_2xx"] == 0 and not r["socket_errors"]
        rows.append({"case": f"POST /api/triage, {conns} conn", **r, "busy_before": busy,
                     "target": target, "ok": met and clean})  # fmt: skip
    return rows


def ticket_row(backend: str, base: str, url: str) -> dict:
    """1,000 ticket creations from 8 clients on one backend, verified in its database."""
    tag = f"bench-{backend}"
    r = create_tickets(base, tag)
    check = verify(url, tag, r["refs"])
    ok = check["present_once"] and check["gap_free"] and not r["errors"]
    return {
        "case": f"{TICKETS} POST /api/tickets, {CLIENTS} clients, {backend}",
        "tool": "python threads",
        **{k: r[k] for k in ("req_s", "p50_ms", "p99_ms")},
        "requests": TICKETS,
        "non_2xx": sum(r["errors"].values()),
        **check,
        "target": "all present once, gap-free",
        "ok": ok,
    }


def run() -> dict:
    """Run the section: build, serve, load, verify."""
    seconds = int(os.environ.get("BENCH_API_SECONDS", "15"))
    notes = [
        f"load average at start: {os.getloadavg()[0]:.2f}; CPU busy before each triage run "
        "(busy_before, share of both cores, server idle) shows what other processes took"
    ]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        tmp_path = Path(tmp)
        sqlite_url = f"sqlite:///{tmp_path / 'desk.db'}"
        env = {
            **os.environ,
            "FRONTLINE_ROOT": str(ROOT),
            "TRIAGE_INDEX_DIR": str(tmp_path / "index"),
            "TRIAGE_MODEL_DIR": str(tmp_path / "model"),
            "TRIAGE_RATELIMIT_ENABLED": "false",
            "DATABASE_URL": sqlite_url,
        }
        build_engine(env)
        log = tmp_path / "serve.log"
        with served(env, log) as base:
            rows = triage_rows(base, seconds)
            rows.append(ticket_row("sqlite", base, sqlite_url))
        pg = pgtemp.start(durable=True)
        try:
            pg_url = pg.create_database("bench")
            with served({**env, "DATABASE_URL": pg_url}, log) as base:
                warm(base, questions())
                rows.append(ticket_row("postgresql", base, pg_url))
        finally:
            pg.stop()
    notes.append(
        f"server: triage serve (gunicorn, 2 workers, default threads); {seconds} s per triage run"
    )
    return {"rows": rows, "notes": notes}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
