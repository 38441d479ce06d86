"""Email channel throughput: mails into the SMTP listener, outbox mail out to an SMTP sink.

Builds the starting KB's index and model in a temp instance (``triage index``, ``triage train``),
then, on SQLite and on a throwaway PostgreSQL: sends ``BENCH_MAILS`` (default 300) real support
questions from ``data/heldout.jsonl`` as mails to ``start_listener`` over loopback SMTP from 1
and from 4 clients (reply latency of DATA per mail: parse, engine, ticket, outbox, commit), and
checks every mail became exactly one ticket. Then delivers the queued confirmations to an
aiosmtpd sink with one sender, and (PostgreSQL) with two concurrent senders, checking that no
message went out twice.
"""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from bench.api import ROOT, build_engine
from bench.httpload import _percentile
from triage.channels.mail_in import Inbox, start_listener
from triage.channels.mail_out import MailConfig, send_pending
from triage.desk import pgtemp
from triage.desk.channel_models import OutboxMessage
from triage.desk.db import open_database, upgrade
from triage.desk.models import Ticket
from triage.engine.decide import Engine

SUPPORT = "support@bench.test"
MAILS = int(os.environ.get("BENCH_MAILS", "300"))


class _Sink:
    """Counts what an aiosmtpd sink receives, by subject."""

    def __init__(self) -> None:
        self.subjects: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        """Keep the subject line."""
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        subject = next((h for h in head.split("\r\n") if h.startswith("Subject:")), "")
        with self.lock:
            self.subjects[subject] += 1
        return "250 OK"


def _mails(n: int) -> list[bytes]:
    rows = (ROOT / "data" / "heldout.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(r)["text"] for r in rows if r.strip()]
    out = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"], msg["To"] = f"user{i}@example.com", SUPPORT
        msg["Subject"], msg["Message-ID"] = f"Request {i}", f"<bench-{i}@example.com>"
        msg.set_content(texts[i % len(texts)] + "\nModule: Compute\nVersion: 2.4\n")
        out.append(msg.as_bytes(policy=email_policy.SMTP))
    return out


def _parallel(fn, n: int) -> None:
    """Run fn(0..n-1) on n threads; re-raise the first error any of them hit."""
    errors: list[BaseException] = []

    def guarded(k: int) -> None:
        try:
            fn(k)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            errors.append(exc)

    pool = [threading.Thread(target=guarded, args=(k,)) for k in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]


def _send_mails(port: int, mails: list[bytes], clients: int) -> dict:
    lat: list[float] = []
    codes: Counter[int] = Counter()
    lock = threading.Lock()

    def client(k: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.ehlo()
            for raw in mails[k::clients]:
                t0 = time.perf_counter()
                smtp.mail("bench@example.com")
                smtp.rcpt(SUPPORT)
                code, _ = smtp.data(raw)
                with lock:
                    lat.append((time.perf_counter() - t0) * 1000)
                    codes[code] += 1

    start = time.perf_counter()
    _parallel(client, clients)
    elapsed, lat = time.perf_counter() - start, sorted(lat)
    return {
        "per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(_percentile(lat, 0.5), 1),
        "p99_ms": round(_percentile(lat, 0.99), 1),
        "codes": dict(codes),
    }


def _inbound(url: str, engine: Engine, tmp: Path, backend: str) -> list[dict]:
    db = open_database(url)
    inbox = Inbox(db, engine.policy, engine, tmp / "files", addresses=(SUPPORT,))
    port = pgtemp.free_port()
    controller = start_listener(inbox, "127.0.0.1", port)
    rows = []
    try:
        mails = _mails(2 * MAILS)
        for clients, batch in ((1, mails[:MAILS]), (4, mails[MAILS:])):
            r = _send_mails(port, batch, clients)
            rows.append({"case": f"mail in, {clients} client(s)", "backend": backend, **r})
    finally:
        controller.stop()
    with db.read() as s:
        n = s.execute(select(func.count()).select_from(Ticket)).scalar()
    rows[-1]["check"] = f"{n} tickets for {2 * MAILS} mails"
    db.dispose()
    return rows


def _outbound(url: str, engine: Engine, senders: int, backend: str) -> dict:
    sink, port = _Sink(), pgtemp.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    cfg = MailConfig(host="127.0.0.1", port=port, sender="Support <support@bench.test>")
    dbs = [open_database(url) for _ in range(senders)]
    now = datetime.now(UTC)

    def worker(k: int) -> None:
        while send_pending(dbs[k], engine.policy, cfg, now, worker=f"w{k}", limit=20).sent:
            pass

    start = time.perf_counter()
    _parallel(worker, senders)
    elapsed = time.perf_counter() - start
    controller.stop()
    with dbs[0].read() as s:
        sent = s.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        ).scalar()
    for db in dbs:
        db.dispose()
    twice = sum(1 for c in sink.subjects.values() if c > 1)
    return {
        "case": f"mail out, {senders} sender(s)",
        "backend": backend,
        "per_s": round(sum(sink.subjects.values()) / elapsed, 1),
        "check": f"{sent} sent, {sum(sink.subjects.values())} received, {twice} twice",
    }


def run() -> dict:
    """Both directions on SQLite and PostgreSQL."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-channels-"))
    env = {**os.environ, "TRIAGE_INDEX_DIR": str(tmp / "index"), "TRIAGE_MODEL_DIR": str(tmp / "m")}
    build_engine(env)
    engine = Engine.from_config(
        {
            "POLICY_FILE": str(ROOT / "policy.yml"),
            "INDEX_DIR": env["TRIAGE_INDEX_DIR"],
            "MODEL_DIR": env["TRIAGE_MODEL_DIR"],
        }  # fmt: skip
    )
    rows: list[dict] = []
    pg = pgtemp.start()
    try:
        for backend in ("sqlite", "postgresql"):
            url = f"sqlite:///{tmp / 'desk.db'}" if backend == "sqlite" else pg.create_database("b")
            upgrade(url)
            rows += _inbound(url, engine, tmp, backend)
            rows.append(_outbound(url, engine, 1 if backend == "sqlite" else 2, backend))
    finally:
        pg.stop()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
    notes = [
        "mail in: SMTP DATA reply latency per mail over loopback (parse, engine.decide, ticket, "
        "outbox row, commit); mail out: confirmations rendered and delivered to an aiosmtpd sink.",
        f"{MAILS} mails per case (BENCH_MAILS); the machine's other load is not controlled.",
    ]
    return {"rows": rows, "notes": notes}
