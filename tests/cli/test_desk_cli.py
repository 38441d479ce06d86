"""The desk's commands on both databases: users, tickets list/show, sweep, db upgrade, serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake
from triage.desk.pgtemp import free_port
from triage.desk.users import by_token
from triage.engine.policy import load_policy
from triage.settings import project_root


def run(db_url: str, *args: str, stdin: str | None = None):
    """Invoke ``triage ARGS`` with DATABASE_URL set."""
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url}, input=stdin)
    return result


def test_db_upgrade_and_users(db_url):
    assert run(db_url, "db", "upgrade").exit_code == 0
    result = run(db_url, "users", "add", "ann", "--role", "l2")
    assert result.exit_code == 0, result.output
    token = result.output.split("API token (shown once): ")[1].split()[0]
    db = open_database(db_url)
    assert by_token(db, token).role == "l2"
    db.dispose()
    again = run(db_url, "users", "add", "ann", "--role", "l1")
    assert again.exit_code != 0 and "already exists" in again.output
    assert run(db_url, "users", "add", "bob", "--role", "boss").exit_code != 0
    pw = run(
        db_url, "users", "add", "eve", "--role", "admin", "--password", stdin="pw12345678\n" * 2
    )
    assert pw.exit_code == 0, pw.output


def test_tickets_list_show_and_sweep(db_url):
    policy = load_policy(project_root() / "policy.yml")
    db = open_database(db_url)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    intake = Intake(
        description="VPN is down", contact="c@x", module="Net", version="1", steps="connect"
    )
    ref = tickets.file_ticket(db, policy, intake, Classified("outage", "critical", "L3"), long_ago)
    db.dispose()
    listed = run(db_url, "tickets", "list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output)[0]["ref"] == ref.ref
    assert ref.ref in run(db_url, "tickets", "list").output
    shown = json.loads(run(db_url, "tickets", "show", ref.ref, "--json").output)
    assert shown["status"] == "new" and shown["events"][0]["kind"] == "created"
    text = run(db_url, "tickets", "show", ref.ref).output
    assert "reaction: due" in text and "2 event(s)" in text
    assert run(db_url, "tickets", "show", "SUP-999999").exit_code == 1
    first = run(db_url, "desk", "sweep")
    assert first.exit_code == 0 and f"{ref.ref} reaction_breached" in first.output
    second = run(db_url, "desk", "sweep")
    assert "0 newly at risk, 0 newly breached" in second.output


@pytest.mark.slow
def test_serve_migrates_and_serves(tmp_path):
    port, url = free_port(), f"sqlite:///{tmp_path / 'served.db'}"
    env = {**os.environ, "DATABASE_URL": url, "FRONTLINE_ROOT": str(project_root())}
    triage = str(Path(sys.executable).with_name("triage"))
    cmd = [triage, "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        for _ in range(300):  # up to 30 s on a busy machine
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json") as r:
                    body = json.load(r)
                break
            except OSError:
                time.sleep(0.1)
        if body is None:
            proc.terminate()
            pytest.fail(
                f"server did not answer: {proc.communicate(timeout=20)[0].decode()[-2000:]}"
            )
        assert body["openapi"].startswith("3.")
        db = open_database(url)
        assert by_token(db, "nothing") is None  # the tables exist: serve migrated first
        db.dispose()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
