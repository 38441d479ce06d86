"""``triage mail send`` and ``triage mail serve`` as an operator runs them."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import ROOT
from tests.dbfixtures import fresh_url
from triage.cli import main
from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.models import Ticket
from triage.desk.pgtemp import free_port


@pytest.fixture
def desk_url(request, tmp_path, monkeypatch):
    """A fresh SQLite desk named by DATABASE_URL, the project as root, no stray TRIAGE_*."""
    for key in [k for k in os.environ if k.startswith("TRIAGE_")]:
        monkeypatch.delenv(key)
    url = fresh_url("sqlite", request, tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FRONTLINE_ROOT", str(ROOT))
    return url


def test_mail_send_delivers_and_sums_up(desk_url, policy, sink, monkeypatch):
    handler, port = sink
    db = open_database(desk_url)
    intake = Intake(description="cannot sign in", contact="ann@example.com", lang="de")
    now = datetime.now(UTC)
    ref = tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), now).ref
    db.dispose()
    env = {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_FROM": "help@frontline.test"}
    for key, value in env.items():
        monkeypatch.setenv(f"TRIAGE_{key}", value)
    result = CliRunner().invoke(main, ["mail", "send"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("sent 1, retrying 0, failed 0, dropped 0")
    [msg] = handler.messages
    assert msg["From"] == "help@frontline.test" and ref in msg["Subject"]
    again = CliRunner().invoke(main, ["mail", "send"])
    assert "sent 0" in again.output and len(handler.messages) == 1


def test_mail_send_refuses_a_bad_setting(desk_url, monkeypatch):
    monkeypatch.setenv("TRIAGE_MAIL_SECURITY", "ssl3")
    result = CliRunner().invoke(main, ["mail", "send"])
    assert result.exit_code == 1 and "MAIL_SECURITY must be one of" in result.output


def test_mail_serve_files_a_ticket_and_stops_on_sigterm(desk_url, engine_dirs, tmp_path):
    port = free_port()
    env = {**os.environ, "TRIAGE_MAIL_INBOX": "help@frontline.test",
           "TRIAGE_ATTACHMENTS_DIR": str(tmp_path / "files"),
           **{f"TRIAGE_{k}": v for k, v in engine_dirs.items()}}  # fmt: skip
    cmd = [sys.executable, "-c", "from triage.cli import main; main()", "mail", "serve"]
    proc = subprocess.Popen(
        [*cmd, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"listening for mail on 127.0.0.1:{port} for help@frontline.test")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "ann@example.com", "help@frontline.test", "Down"
        msg.set_content("The whole site is down for everyone")
        with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
            smtp.send_message(msg)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "mail listener stopped" in out
    db = open_database(desk_url)
    with db.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert (t.channel, t.contact, t.predicted_class) == ("email", "ann@example.com", "outage")
    db.dispose()
