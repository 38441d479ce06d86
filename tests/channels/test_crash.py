"""Nothing lost on a crash: SIGKILL the mail listener and the served app mid-burst, restart,
resend, count. Every item is filed exactly once (real SMTP and HTTP to real subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT
from tests.dbfixtures import fresh_url
from triage.desk.channel_models import AlertEpisode, InboundMail
from triage.desk.db import open_database
from triage.desk.models import Ticket
from triage.desk.pgtemp import free_port

MAILS, SENDERS = 32, 4
ALERTS = 500
SECRET = "crash-test-secret"


def count(db, model, *where) -> int:
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar()


def wait_for(check, seconds: float, what: str) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A subprocess in its own process group (SIGKILL takes it and its workers at once)."""
    return subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def environment(url: str, tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(DATABASE_URL=url, FRONTLINE_ROOT=str(ROOT), TRIAGE_SECRET_KEY="crash-key")
    env.update(TRIAGE_INSTANCE_DIR=str(tmp_path / "instance"))
    env.update({f"TRIAGE_{k}": v for k, v in extra.items()})
    return env


def the_mail(i: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"] = f"user{i}@example.com", "help@frontline.test"
    msg["Subject"], msg["Message-ID"] = f"Portal problem {i}", f"<burst-{i}@example.com>"
    msg.set_content(f"The portal shows error {i} when I sign in. marker-{i}-end")
    return msg


def send_all(port: int, which: list[int], acked: set[int]) -> None:
    """Send mails over SENDERS parallel connections; note the ones answered 250."""

    def sender(part: list[int]) -> None:
        for i in part:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                    smtp.send_message(the_mail(i))
                acked.add(i)
            except (OSError, smtplib.SMTPException):
                return  # the server is gone: the rest of this connection's queue waits

    threads = [threading.Thread(target=sender, args=(which[k::SENDERS],)) for k in range(SENDERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)


def mail_serve(env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from triage.cli import main; main()", "mail", "serve"]
    proc = start([*cmd, "--port", str(port)], env)
    line = proc.stdout.readline()
    assert line.startswith("listening for mail"), line + proc.stdout.read()
    return proc


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_mail_listener_killed_mid_burst_files_every_mail_once(
    backend, request, tmp_path, engine_dirs
):
    url = fresh_url(backend, request, tmp_path)
    db = open_database(url)
    env = environment(url, tmp_path, MAIL_INBOX="help@frontline.test",
                      ATTACHMENTS_DIR=str(tmp_path / "files"), **engine_dirs)  # fmt: skip
    port = free_port()
    proc = mail_serve(env, port)
    acked: set[int] = set()
    burst = threading.Thread(target=send_all, args=(port, list(range(MAILS)), acked))
    try:
        burst.start()
        wait_for(lambda: count(db, Ticket) >= 6, 60, "the first tickets")
        kill(proc)  # kill -9 in the middle of the burst
        burst.join(60)
        assert 0 < len(acked) < MAILS
        proc = mail_serve(env, port)
        again: set[int] = set()
        send_all(port, list(range(MAILS)), again)  # the senders retry (acked ones too)
        assert again == set(range(MAILS))
    finally:
        kill(proc)
    with db.read() as s:
        descriptions = s.execute(select(Ticket.description)).scalars().all()
    for i in range(MAILS):
        assert sum(f"marker-{i}-end" in d for d in descriptions) == 1, i
    assert len(descriptions) == MAILS
    assert (
        count(db, InboundMail) == MAILS
        and count(db, InboundMail, InboundMail.status != "filed") == 0
    )
    db.dispose()


def post(port: int, data: dict) -> tuple[int, dict]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/alerts", json.dumps(data).encode(), method="POST",
        headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def served(env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-c", "from triage.cli import main; main()", "serve"]
    proc = start([*cmd, "--port", str(port), "--workers", "1"], env)

    def up() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)
            return True
        except OSError:
            return False

    wait_for(up, 60, "the served app")
    return proc


def alerts_payload() -> dict:
    alerts = [
        {"status": "firing", "labels": {"alertname": f"Disk{i}", "severity": "warning"},
         "annotations": {"summary": f"disk {i} full"}, "startsAt": "2026-11-23T09:00:00Z",
         "fingerprint": f"fp{i:04d}"}
        for i in range(ALERTS)
    ]  # fmt: skip
    return {"version": "4", "status": "firing", "alerts": alerts}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_app_killed_during_an_alert_webhook_files_every_alert_once(backend, request, tmp_path):
    url = fresh_url(backend, request, tmp_path)
    db = open_database(url)
    env = environment(url, tmp_path, ALERTS_SECRET=SECRET, RATELIMIT_ENABLED="false")
    port = free_port()
    proc = served(env, port)
    data = alerts_payload()
    first: list = []
    try:
        th = threading.Thread(target=lambda: first.append(_try_post(port, data)))
        th.start()
        wait_for(lambda: count(db, Ticket) >= 20, 60, "the first alert tickets")
        kill(proc)  # kill -9 in the middle of the webhook
        th.join(30)
        assert first == [None]  # no answer: Alertmanager sends the payload again
        assert 0 < count(db, Ticket) < ALERTS
        proc = served(env, port)
        status, body = post(port, data)
    finally:
        kill(proc)
    assert status == 200
    outcomes = body["outcomes"]
    assert all(o["ref"] for o in outcomes), [o for o in outcomes if not o["ref"]][:3]
    assert {o["action"] for o in outcomes} <= {"opened", "replayed"}
    assert len({o["ref"] for o in outcomes}) == ALERTS == count(db, Ticket)
    assert count(db, AlertEpisode, AlertEpisode.ticket_id.is_(None)) == 0
    db.dispose()


def _try_post(port: int, data: dict):
    try:
        return post(port, data)
    except (OSError, urllib.error.URLError):
        return None
