"""`triage kb gaps|review|draft|link` on a small desk history (SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from tests.conftest import write_article
from tests.dbfixtures import fresh_url
from triage.cli import main
from triage.desk import questions, tickets
from triage.desk.db import open_database
from triage.desk.intake import Classified, Intake

NOW = datetime.now(UTC)
M = timedelta(minutes=1)


@pytest.fixture
def desk(tmp_path, policy):
    """A database with two unanswered topics and one resolved ticket; (env, db, ref)."""
    url = fresh_url("sqlite", None, tmp_path)
    db = open_database(url)
    for text in ("terraform apply 403 Forbidden", "terraform apply gives 403 Forbidden"):
        questions.record_question(db, None, text, "en", ("access", 0.3), [], NOW - 60 * M)
    for text in ("IPv6 am Load Balancer", "IPv6 für den Load Balancer aktivieren"):
        questions.record_question(db, None, text, "de", ("consultation", 0.3), [], NOW - 60 * M)
    intake = Intake(
        description="Snapshot restore hangs at 99%",
        contact="a@b.c",
        module="Snapshots",
        version="2",
    )
    ref = tickets.file_ticket(db, policy, intake, Classified("component", "medium", "L2"), NOW).ref
    tickets.transition(db, policy, ref, "open", "eva", NOW)
    tickets.transition(db, policy, ref, "resolve", "eva", NOW, message="Restarted the worker.")
    kb = tmp_path / "kb"
    write_article(kb, "component", "snapshots", review_by="2020-01-01")
    for helpful in (True,) * 5 + (False,):
        questions.add_feedback(db, "snapshots", "en", helpful, NOW)
    yield {"DATABASE_URL": url, "TRIAGE_KB_DIR": str(kb)}, db, ref
    db.dispose()


def run(env, *args):
    """Invoke `triage` with env; the result."""
    return CliRunner().invoke(main, list(args), env=env)


def test_gaps_json_and_text(desk):
    env, _, ref = desk
    result = run(env, "kb", "gaps", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [t["size"] for t in data["topics"]] == [2, 2] and data["unclustered"] == 1
    text = run(env, "kb", "gaps", "--min-size", "1")
    assert text.exit_code == 0 and ref in text.output
    assert text.output.strip().endswith("3 topics from 5 unanswered questions (0 in no topic)")
    later = (NOW + timedelta(days=2)).date().isoformat()
    assert "0 topics from 0" in run(env, "kb", "gaps", "--since", later).output


def test_review_lists(desk):
    env, _, _ = desk
    result = run(env, "kb", "review", "--json")
    assert result.exit_code == 0, result.output
    lists = json.loads(result.output)
    assert lists["most_helpful"][0]["article"] == "snapshots"
    assert lists["most_helpful"][0]["votes"] == 6
    assert lists["overdue"][0]["article"] == "snapshots"


def test_draft_then_link(desk, tmp_path):
    env, _, ref = desk
    result = run(env, "kb", "draft", ref, "--owner", "olga")
    assert result.exit_code == 0, result.output
    (path,) = (tmp_path / "kb/component").glob("snapshot-restore*.en.md")
    assert "status: draft" in path.read_text(encoding="utf-8")
    again = run(env, "kb", "draft", ref)
    assert again.exit_code == 0 and len(list((tmp_path / "kb/component").glob("snap*-*.md"))) == 2
    assert run(env, "kb", "link", ref, "snapshots").exit_code == 0
    bad = run(env, "kb", "link", ref, "no-such-article")
    assert bad.exit_code == 1 and "no published article" in bad.output
    missing = run(env, "kb", "draft", "SUP-999999")
    assert missing.exit_code == 1 and "no ticket SUP-999999" in missing.output
