"""`triage report` in the terminal: text, JSON and CSV, and bad periods refused."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from tests.dbfixtures import fresh_url
from triage.cli import main
from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake


def test_report_formats(tmp_path, policy):
    url = fresh_url("sqlite", None, tmp_path)
    db = open_database(url)
    now = datetime.now(UTC)
    for channel in ("web", "email"):
        intake = Intake(description="x", contact="a@b.c", module="m", version="1", channel=channel)
        ref = tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), now).ref
    tickets.escalate(db, policy, ref, "eva", now, "needs L2")
    db.dispose()
    env = {"DATABASE_URL": url}
    run = lambda *a: CliRunner().invoke(main, ["report", *a], env=env)  # noqa: E731
    text = run()
    assert text.exit_code == 0, text.output
    assert "L1->L2" in text.output and text.output.strip().endswith(
        "2 tickets; resolution SLA compliance -"
    )
    data = json.loads(run("--json").output)
    assert data["tickets"] == 2 and data["escalations"][0]["key"] == "L1->L2"
    rows = list(csv.reader(io.StringIO(run("--csv").output)))
    assert ["sla", "all:reaction", "*", "on_track", "2"] in rows
    tomorrow = (now + timedelta(days=2)).date().isoformat()
    assert json.loads(run("--json", "--since", tomorrow).output)["tickets"] == 0
    bad = run("--since", "2026-11-20", "--until", "2026-11-10")
    assert bad.exit_code == 2 and "--until" in bad.output
    assert run("--json", "--csv").exit_code == 2
