"""The public pages in-process (Flask test client, no HTTP server): what each step costs.

Builds the starting KB's index and model in a temp instance (``triage index``, ``triage train``),
a fresh SQLite desk, then times every step of Ask support and the status page with varied
real-looking questions (the labelled data's texts): the empty page, a question posted without
JavaScript (engine + session write + render), the script's commit of a question, the site
search, marking solved, filing a ticket, and the status page. CSRF is off for the load (it
needs a browser's cookie round trip) and rate limits are off. ``BENCH_PAGES_N`` sets the
number of questions (default 200).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.api import build_engine, questions
from bench.httpload import _percentile
from triage.desk.db import upgrade

ROOT = Path(__file__).resolve().parent.parent


def _app(tmp: Path):
    from triage.web import create_app

    url = f"sqlite:///{tmp / 'desk.db'}"
    upgrade(url)
    config = {
        "TESTING": True,
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "INDEX_DIR": str(tmp / "index"),
        "MODEL_DIR": str(tmp / "model"),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
    }
    return create_app(config)


def _timed(times: dict[str, list[float]], name: str, fn):
    start = time.perf_counter()
    response = fn()
    times.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    assert response.status_code < 400, (name, response.status_code)
    return response


def _steps(client, texts: list[str]) -> dict[str, list[float]]:
    """One pass of every step per question; milliseconds per step."""
    times: dict[str, list[float]] = {}
    ticket = {"module": "Compute", "version": "2.3", "contact": "a@example.com", "priority": "low",
              "steps": "1. open Compute"}  # fmt: skip
    for i, q in enumerate(texts):
        _timed(times, "GET /ask", lambda: client.get("/ask"))
        _timed(times, "POST /ask (no JS)", lambda q=q: client.post("/ask", data={"question": q}))
        sid = _timed(
            times,
            "POST /ask/session",
            lambda q=q: client.post("/ask/session", json={"question": q}),
        )
        sid = sid.get_json()
        _timed(
            times, "GET /api/search", lambda q=q: client.get("/api/search", query_string={"q": q})
        )
        if sid["suggested"] and i % 2 == 0:
            data = {"sid": sid["sid"], "article": sid["suggested"][0], "answer": "yes"}
            _timed(
                times,
                "POST /ask/answer (solved)",
                lambda d=data: client.post("/ask/answer", data=d),
            )
        elif i % 2 == 1:
            data = {**ticket, "description": q, "sid": sid["sid"]}
            page = _timed(
                times, "POST /ask/ticket", lambda d=data: client.post("/ask/ticket", data=d)
            )
            link = (
                page.get_data(as_text=True).split('id="tracking-link" href="', 1)[1].split('"')[0]
            )
            path = link.split("://", 1)[1].split("/", 1)[1]
            _timed(times, "GET /t/<ref>", lambda p=path: client.get("/" + p))
    return times


def run() -> dict:
    """Time the public pages' steps; rows with p50 / p99 per step."""
    n = int(os.environ.get("BENCH_PAGES_N", "200"))
    texts = [q["question"] for q in questions(n)]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = {
            **os.environ,
            "TRIAGE_INDEX_DIR": str(tmp_path / "index"),
            "TRIAGE_MODEL_DIR": str(tmp_path / "model"),
        }
        build_engine(env)
        client = _app(tmp_path).test_client()
        _steps(client, texts[:10])  # warm-up: engine load, first renders
        times = _steps(client, texts)
    rows = [
        {
            "step": name,
            "n": len(ms),
            "p50 ms": round(_percentile(sorted(ms), 0.50), 2),
            "p99 ms": round(_percentile(sorted(ms), 0.99), 2),
        }
        for name, ms in times.items()
    ]
    notes = [
        f"{n} questions from data/*.jsonl on the starting KB; in-process test client, SQLite "
        "desk (WAL), no HTTP server: the pages' own cost (engine, desk write, render)."
    ]
    return {"rows": rows, "notes": notes}
