"""Several stateless app nodes on one PostgreSQL (issue 11 §8), everything started here.

Two ``triage serve`` processes on two ports share one PostgreSQL database, one Redis (rate
limits) and one folder of models and index; they are started together (migrations wait on an
advisory lock). A login made on node A is valid on node B; a rate limit counts the requests
of both; a model retrained on node A's side (``triage train``) is served by node B within
seconds; two ``triage mail send`` processes deliver the outbox with no message sent twice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.web.ask_fixtures import write_tiny_kb
from triage.desk import pgtemp, tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.tokens import keyring_from_config
from triage.engine import classifier, search
from triage.engine.examples import Example
from triage.engine.policy import load_policy
from triage.kb.articles import load_kb

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TRIAGE = str(Path(sys.executable).with_name("triage"))
PASSWORD = "a-long-admin-password-for-tests"
SECRET_KEY = "one-secret-key-for-every-node"
QUESTION = "the blue widget is broken and slow"
MAILS = 33  # confirmations in the outbox: 3 filed over HTTP, the rest in-process
WIDGETS = [
    "the {} is broken", "my {} does not turn on", "{} shows an error", "{} stopped working",
    "cannot configure the {}", "{} is slow", "{} crashed again", "the {} lost its settings",
]  # fmt: skip
BILLING = ["invoice is wrong", "I was charged twice", "refund my payment", "payment failed",
           "billing address change", "update my credit card", "send the receipt",
           "the invoice total is too high"]  # fmt: skip


def rows(blue: str, red: str) -> list[Example]:
    """Labelled questions where 'blue widget' means ``blue`` and 'red gadget' means ``red``."""
    return (
        [Example(t.format("blue widget"), blue) for t in WIDGETS]
        + [Example(t.format("red gadget"), red) for t in WIDGETS]
        + [Example(t, "consultation") for t in BILLING]
    )


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Debian's redis-server on a free loopback port, no persistence; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is required for the multi-node test (apt-get install redis-server)"
        )
    port = pgtemp.free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
           "no", "--dir", str(folder), "--protected-mode", "yes"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > end:
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def node(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``triage serve`` on a free port (1 worker x 2 threads); yields (base URL, process)."""
    port = pgtemp.free_port()
    cmd = [TRIAGE, "serve", "--port", str(port), "--workers", "1", "--threads", "2"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=env["FRONTLINE_ROOT"], env=env, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"node {base} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"node {base} did not answer in {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def login(base: str) -> requests.Session:
    """Sign in as admin on one node; the session holding its cookie."""
    web = requests.Session()
    page = web.get(f"{base}/staff/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    form = {"csrf_token": token.group(1), "name": "admin", "password": PASSWORD}
    done = web.post(f"{base}/staff/login", data=form, allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text[:500]
    return web


def triage_class(base: str) -> str:
    r = requests.post(f"{base}/api/triage", json={"question": QUESTION}, timeout=30)
    assert r.status_code == 200, r.text[:300]
    return r.json()["request_class"]


class Sink:
    """An SMTP sink counting messages by their Message-ID."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        """Count the message."""
        head = envelope.original_content.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        found = re.search(r"^Message-ID:\s*<[^>]*\.([a-z_]+\.\d+)@", head, re.M | re.I)
        with self.lock:  # the outbox row (kind.id) the message was made from
            self.ids[found.group(1) if found else head] += 1
        return "250 OK"


@pytest.fixture
def cluster(pg_server, tmp_path) -> Iterator[dict]:
    """PostgreSQL database, Redis, a shared model/index folder and two nodes started together."""
    shared = tmp_path / "shared"  # what every node sees (an NFS mount or a volume in real life)
    kb = write_tiny_kb(shared / "kb")
    search.build_index(load_kb(kb), shared / "index")
    classifier.train(rows("access", "component"), folds=2).save(shared / "model")
    url = pg_server.create_database(f"nodes_{os.getpid()}")
    (tmp_path / "node").mkdir()
    with redis_server(tmp_path) as redis_url:
        env = {
            **os.environ,
            "FRONTLINE_ROOT": str(tmp_path / "node"),  # no instance/config.py of a developer
            "DATABASE_URL": url,
            "FRONTLINE_ADMIN_PASSWORD": PASSWORD,
            "TRIAGE_SECRET_KEY": SECRET_KEY,
            "TRIAGE_POLICY_FILE": str(ROOT / "policy.yml"),
            "TRIAGE_KB_DIR": str(kb),
            "TRIAGE_INDEX_DIR": str(shared / "index"),
            "TRIAGE_MODEL_DIR": str(shared / "model"),
            "TRIAGE_MODEL_CHECK_SECONDS": "1",
            "TRIAGE_DATA_DIR": str(tmp_path / "no-data"),
            "TRIAGE_SITE_DIR": str(tmp_path / "no-site"),
            "TRIAGE_RATELIMIT_STORAGE_URI": redis_url,
            "TRIAGE_RATELIMIT_TICKETS": "3 per minute",
            "TRIAGE_RATELIMIT_TRIAGE": "600 per minute",
        }
        log = tmp_path / "nodes.log"
        with node(env, log) as (a, pa), node(env, log) as (b, pb):  # migrate at the same time
            wait_ready(a, pa, log)
            wait_ready(b, pb, log)
            yield {"a": a, "b": b, "env": env, "url": url, "log": log}


def test_two_nodes_share_logins_limits_models_and_the_outbox(cluster, tmp_path):
    a, b, env = cluster["a"], cluster["b"], cluster["env"]

    # a login made on node A is valid on node B (same SECRET_KEY, nothing in process memory)
    web = login(a)
    on_b = requests.get(f"{b}/staff/", cookies=web.cookies, allow_redirects=False, timeout=10)
    assert on_b.status_code == 200, (on_b.status_code, on_b.headers.get("Location"))
    assert "/staff/login" not in on_b.url
    stranger = requests.get(f"{b}/staff/", allow_redirects=False, timeout=10)
    assert stranger.status_code == 302  # and without the cookie B asks for a sign-in

    # the ticket limit (3 per minute per address) counts the requests of both nodes
    body = {"description": "the blue widget is broken", "module": "Widgets", "version": "1"}
    codes = []
    for i, base in enumerate((a, b, a, b)):
        r = requests.post(f"{base}/api/tickets", timeout=30,
                          json={**body, "contact": f"user{i}@example.com"})  # fmt: skip
        codes.append(r.status_code)
    assert codes == [201, 201, 201, 429]

    # a model retrained on node A's side is served by node B within seconds
    assert triage_class(b) == "access"
    data = tmp_path / "v2.jsonl"
    data.write_text(
        "".join(
            json.dumps({"text": r.text, "label": r.label}) + "\n"
            for r in rows("component", "access")
        )  # fmt: skip
    )
    cmd = [TRIAGE, "train", "--data", str(data), "--no-kb", "--no-corrections", "--force",
           "--folds", "2"]  # fmt: skip
    done = subprocess.run(cmd, cwd=env["FRONTLINE_ROOT"], env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    switched, end = time.monotonic(), time.monotonic() + 15
    while triage_class(b) != "component":
        assert time.monotonic() < end, "node B still serves the old model after 15 s"
        time.sleep(0.5)
    assert time.monotonic() - switched < 15
    assert triage_class(a) == "component"

    # two mail senders on the one database deliver every confirmation once
    # the nodes' keys (DATA_KEYS, else SECRET_KEY) seal what is queued, wherever it is queued
    desk = open_database(cluster["url"], keyring_from_config({"SECRET_KEY": SECRET_KEY}))
    try:
        policy = load_policy(ROOT / "policy.yml")
        decided = Classified("access", "medium", "L1")
        for i in range(MAILS - 3):  # more confirmations, filed straight into the database
            intake = Intake(description=f"widget {i}", contact=f"m{i}@example.com",
                            module="Widgets", version="1")  # fmt: skip
            tickets.file_ticket(desk, policy, intake, decided, datetime.now(UTC))
    finally:
        desk.dispose()
    sink, port = Sink(), pgtemp.free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        mail_env = {**env, "TRIAGE_MAIL_HOST": "127.0.0.1", "TRIAGE_MAIL_PORT": str(port),
                    "TRIAGE_MAIL_SECURITY": "none",
                    "TRIAGE_MAIL_FROM": "support@desk.test"}  # fmt: skip
        senders = [
            subprocess.Popen(
                [TRIAGE, "mail", "send", "--limit", "20"],
                cwd=env["FRONTLINE_ROOT"],
                env=mail_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )  # fmt: skip
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in senders]
        assert all(p.returncode == 0 for p in senders), outputs
        again = subprocess.run([TRIAGE, "mail", "send"], cwd=env["FRONTLINE_ROOT"], env=mail_env,
                               capture_output=True, text=True, timeout=120)  # fmt: skip
        assert again.returncode == 0, again.stdout + again.stderr
    finally:
        controller.stop()
    assert sum(sink.ids.values()) == MAILS, (sink.ids, outputs)
    assert max(sink.ids.values()) == 1, [k for k, n in sink.ids.items() if n > 1]
