"""``triage users list|passwd|deactivate|reactivate|tokens``: each does what it says, with help,
one-line errors and exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from triage.cli import main
from triage.desk.db import open_database
from triage.desk.sessions import locked_until, record_failure, session_staff, start_session
from triage.desk.users import add_user, by_password, by_token

LIFE = timedelta(hours=12)


def run(db_url: str, *args: str, stdin: str | None = None):
    """``triage ARGS`` with DATABASE_URL set."""
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url}, input=stdin)


@pytest.fixture
def desk(db_url):
    """The database with ann (l1, a password) and root (admin)."""
    db = open_database(db_url)
    now = datetime.now(UTC)
    tokens = {"ann": add_user(db, "ann", "l1", now, "first password")}
    tokens["root"] = add_user(db, "root", "admin", now)
    yield db, tokens
    db.dispose()


@pytest.mark.parametrize(
    "command", ["list", "passwd", "deactivate", "reactivate", "tokens", "unlock"]
)
def test_every_command_has_help(command):
    r = CliRunner().invoke(main, ["users", command, "--help"])
    assert r.exit_code == 0 and "Usage: main users" in r.output and len(r.output) > 120


def test_list(db_url, desk):
    r = run(db_url, "users", "list")
    assert r.exit_code == 0, r.output
    rows = {line.split()[0]: line.split() for line in r.output.splitlines()[1:-1]}
    assert rows["ann"] == ["ann", "l1", "active", "yes", "1", "0"]
    assert rows["root"] == ["root", "admin", "active", "no", "1", "0"]
    assert r.output.splitlines()[-1] == "2 user(s)"


def test_passwd_from_stdin_and_prompt_ends_sessions(db_url, desk):
    db, _ = desk
    key = start_session(db, "ann", datetime.now(UTC), LIFE)
    r = run(db_url, "users", "passwd", "ann", "--password-stdin", stdin="second password\n")
    assert r.exit_code == 0, r.output
    assert "1 console session(s) ended" in r.output
    assert session_staff(db, key, datetime.now(UTC), LIFE) is None
    assert by_password(db, "ann", "second password")
    assert not by_password(db, "ann", "first password")
    r = run(db_url, "users", "passwd", "ann", stdin="third password\nthird password\n")
    assert r.exit_code == 0 and by_password(db, "ann", "third password")
    bad = run(db_url, "users", "passwd", "ann", "--password-stdin", stdin="short\n")
    assert bad.exit_code == 1 and "at least 8 characters" in bad.output
    nobody = run(db_url, "users", "passwd", "zed", "--password-stdin", stdin="long enough\n")
    assert nobody.exit_code == 1 and "no user 'zed'" in nobody.output


def test_deactivate_and_reactivate(db_url, desk):
    db, tokens = desk
    key = start_session(db, "ann", datetime.now(UTC), LIFE)
    r = run(db_url, "users", "deactivate", "ann")
    assert r.exit_code == 0 and "API tokens revoked" in r.output
    assert by_token(db, tokens["ann"]) is None
    assert session_staff(db, key, datetime.now(UTC), LIFE) is None
    assert "deactivated" in run(db_url, "users", "list").output
    last = run(db_url, "users", "deactivate", "root")
    assert last.exit_code == 1 and "last active admin" in last.output
    assert run(db_url, "users", "reactivate", "ann").exit_code == 0
    assert by_token(db, tokens["ann"]) is None  # old tokens stay revoked
    assert run(db_url, "users", "deactivate", "zed").exit_code == 1


def test_tokens_list_issue_revoke(db_url, desk):
    db, tokens = desk
    issued = run(db_url, "users", "tokens", "ann", "--issue")
    assert issued.exit_code == 0, issued.output
    token_id, token = issued.output.split(" (shown once): ")
    token_id, token = int(token_id.split()[-1]), token.strip()
    assert by_token(db, token).name == "ann"
    listed = run(db_url, "users", "tokens", "ann")
    assert listed.exit_code == 0 and "2 token(s) of ann" in listed.output
    assert token not in listed.output and tokens["ann"] not in listed.output
    assert run(db_url, "users", "tokens", "ann", "--revoke", str(token_id)).exit_code == 0
    assert by_token(db, token) is None and by_token(db, tokens["ann"]) is not None
    assert "revoked" in run(db_url, "users", "tokens", "ann").output
    again = run(db_url, "users", "tokens", "ann", "--revoke", str(token_id))
    assert again.exit_code == 1 and "already revoked" in again.output
    theirs = run(db_url, "users", "tokens", "root", "--revoke", str(token_id))
    assert theirs.exit_code == 1 and "has no API token" in theirs.output
    both = run(db_url, "users", "tokens", "ann", "--revoke", "1", "--issue")
    assert both.exit_code == 2 and "not both" in both.output
    assert run(db_url, "users", "tokens", "ann", "--revoke", "x").exit_code == 2
    assert run(db_url, "users", "tokens", "zed").exit_code == 1


def test_unlock_and_passwd_lift_a_sign_in_lock(db_url, desk):
    db, _ = desk
    lock = timedelta(minutes=15)
    for _ in range(5):
        record_failure(db, "ann", datetime.now(UTC), 5, lock)
    assert locked_until(db, "ann", datetime.now(UTC)) is not None
    r = run(db_url, "users", "unlock", "ann")
    assert r.exit_code == 0 and "sign-in of ann unlocked" in r.output
    assert locked_until(db, "ann", datetime.now(UTC)) is None
    assert "was not locked" in run(db_url, "users", "unlock", "ann").output
    for _ in range(5):
        record_failure(db, "ann", datetime.now(UTC), 5, lock)
    r = run(db_url, "users", "passwd", "ann", "--password-stdin", stdin="fresh password\n")
    assert r.exit_code == 0 and "sign-in unlocked" in r.output
    assert locked_until(db, "ann", datetime.now(UTC)) is None
