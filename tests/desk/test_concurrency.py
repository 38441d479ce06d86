"""Concurrent creation: 8 threads (and 2 processes on PostgreSQL) lose nothing, refs gap-free."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select

from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.models import Ticket
from triage.engine.policy import load_policy
from triage.settings import project_root

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
THREADS, PER_THREAD = 8, 25


def file_many(url: str, tag: str, threads: int, per_thread: int) -> list[str]:
    """File threads x per_thread tickets from as many threads; return the refs."""
    policy = load_policy(project_root() / "policy.yml")
    db = open_database(url)
    decided = Classified("access", "medium", "L1")

    def worker(t: int) -> list[str]:
        out = []
        for i in range(per_thread):
            intake = Intake(description=f"{tag}-{t}-{i}", contact="c@x", module="m", version="1")
            out.append(tickets.file_ticket(db, policy, intake, decided, NOW).ref)
        return out

    with ThreadPoolExecutor(threads) as pool:
        refs = [r for chunk in pool.map(worker, range(threads)) for r in chunk]
    db.dispose()
    return refs


def assert_complete(url: str, expected_descriptions: set[str], returned: list[str]) -> None:
    """Every ticket present exactly once; refs unique, gap-free, and the ones returned."""
    db = open_database(url)
    with db.read() as s:
        rows = s.execute(select(Ticket.ref, Ticket.description)).all()
    db.dispose()
    descriptions = Counter(d for _, d in rows)
    assert set(descriptions) == expected_descriptions and max(descriptions.values()) == 1
    n = len(expected_descriptions)
    assert sorted(r for r, _ in rows) == [f"SUP-{i:06d}" for i in range(1, n + 1)]
    assert sorted(returned) == sorted(r for r, _ in rows)


def test_threads_lose_nothing(db_url):
    refs = file_many(db_url, "t", THREADS, PER_THREAD)
    expected = {f"t-{t}-{i}" for t in range(THREADS) for i in range(PER_THREAD)}
    assert_complete(db_url, expected, refs)


def test_two_processes_on_postgresql(pg_server, tmp_path):
    from tests.dbfixtures import fresh_url

    url = fresh_url("postgresql", None, tmp_path, server=pg_server)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(file_many, [(url, f"p{p}", 4, 25) for p in range(2)])
    expected = {f"p{p}-{t}-{i}" for p in range(2) for t in range(4) for i in range(25)}
    assert_complete(url, expected, [r for chunk in results for r in chunk])
