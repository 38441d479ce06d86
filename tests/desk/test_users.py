"""Staff users: roles, tokens and passwords stored hashed, deactivation, sessions, locks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from triage.desk.sessions import (
    clear_failures,
    end_session,
    locked_until,
    record_failure,
    session_staff,
    start_session,
)
from triage.desk.users import (
    Staff,
    UserError,
    accounts,
    add_user,
    by_name,
    by_password,
    by_token,
    ensure_admin,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    set_active,
    set_password,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_add_and_authenticate(db):
    token = add_user(db, "ann", "l1", NOW, password="correct horse")
    assert by_token(db, token) == Staff("ann", "l1")
    assert by_token(db, token + "x") is None and by_token(db, "") is None
    assert by_password(db, "ann", "correct horse") == Staff("ann", "l1")
    assert by_password(db, "ann", "wrong horse") is None
    with db.read() as s:
        row = " ".join(str(v) for v in s.execute(text("SELECT * FROM users")).one())
    assert token not in row and "correct horse" not in row


@pytest.mark.parametrize(
    ("name", "role", "password"),
    [("bob", "boss", None), ("bad name", "l1", None), ("bob", "l1", "short")],
)
def test_bad_users_refused(db, name, role, password):
    with pytest.raises(UserError):
        add_user(db, name, role, NOW, password=password)
    assert list_users(db) == []


def test_duplicate_name_refused(db):
    add_user(db, "ann", "admin", NOW)
    with pytest.raises(UserError, match="exists"):
        add_user(db, "ann", "l2", NOW)
    assert list_users(db) == [Staff("ann", "admin")]


def test_ensure_admin_once(db):
    password = ensure_admin(db, NOW)
    assert password and len(password) >= 12
    assert by_password(db, "admin", password) == Staff("admin", "admin")
    assert by_name(db, "admin") == Staff("admin", "admin") and by_name(db, "nobody") is None
    assert ensure_admin(db, NOW) is None  # a user exists: nothing created, nothing shown
    assert list_users(db) == [Staff("admin", "admin")]


def test_ensure_admin_takes_the_given_password(db):
    assert ensure_admin(db, NOW, password="from the env 123") == "from the env 123"
    assert by_password(db, "admin", "from the env 123") == Staff("admin", "admin")


def test_ensure_admin_refuses_a_short_password(db):
    with pytest.raises(UserError, match="at least 8"):
        ensure_admin(db, NOW, password="short")
    assert list_users(db) == []


def test_tokens_issue_list_revoke(db):
    first = add_user(db, "ann", "l1", NOW)
    token_id, second = issue_token(db, "ann", NOW)
    assert by_token(db, first) == by_token(db, second) == Staff("ann", "l1")
    listed = list_tokens(db, "ann")
    assert [t.id for t in listed][-1] == token_id and all(t.revoked_at is None for t in listed)
    revoke_token(db, "ann", token_id, NOW)
    assert by_token(db, second) is None and by_token(db, first) is not None
    with pytest.raises(UserError, match="already revoked"):
        revoke_token(db, "ann", token_id, NOW)
    add_user(db, "bob", "l2", NOW)
    with pytest.raises(UserError, match="no API token"):
        revoke_token(db, "bob", listed[0].id, NOW)  # not bob's
    with db.read() as s:
        rows = " ".join(str(r) for r in s.execute(text("SELECT * FROM api_tokens")).all())
    assert first not in rows and second not in rows


def test_deactivation_revokes_and_the_last_admin_stays(db):
    token = add_user(db, "root", "admin", NOW, password="long enough pw")
    with pytest.raises(UserError, match="last active admin"):
        set_active(db, "root", False, NOW)
    add_user(db, "ann", "admin", NOW)
    set_active(db, "root", False, NOW)
    assert by_token(db, token) is None and by_password(db, "root", "long enough pw") is None
    assert [a.active for a in accounts(db)] == [True, False] and accounts(db)[1].tokens == 0
    with pytest.raises(UserError, match="deactivated"):
        issue_token(db, "root", NOW)
    set_active(db, "root", True, NOW)
    assert by_token(db, token) is None  # revoked for good
    with pytest.raises(UserError, match="no user"):
        set_active(db, "nobody", False, NOW)


def test_password_change_keeps_only_the_session_that_made_it(db):
    add_user(db, "ann", "l1", NOW, password="first password")
    life = timedelta(hours=12)
    mine, other = (start_session(db, "ann", NOW, life) for _ in range(2))
    assert set_password(db, "ann", "second password", keep_session=mine) == 1
    assert session_staff(db, mine, NOW, life) == Staff("ann", "l1")
    assert session_staff(db, other, NOW, life) is None
    assert by_password(db, "ann", "second password") is not None
    with pytest.raises(UserError, match="at least 8"):
        set_password(db, "ann", "short")
    end_session(db, mine)
    assert session_staff(db, mine, NOW, life) is None
    assert session_staff(db, mine, NOW + 2 * life, life) is None


def test_failures_lock_for_a_while_then_are_forgotten(db):
    lock = timedelta(minutes=15)
    assert [record_failure(db, "ann", NOW, 3, lock) for _ in range(2)] == [None, None]
    until = record_failure(db, "Ann", NOW, 3, lock)
    assert until == NOW + lock and locked_until(db, "ann", NOW) == until
    assert locked_until(db, "ann", until) is None
    assert record_failure(db, "ann", until + 2 * lock, 3, lock) is None  # a fresh count
    clear_failures(db, "ann")
    later = until + 3 * lock
    assert [record_failure(db, "ann", later, 3, lock) for _ in range(2)] == [None, None]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_keeps_the_tokens_of_existing_users(backend, request, tmp_path):
    """0005 moves each user's one API token into api_tokens: it keeps working."""
    from triage.desk.db import open_database, upgrade
    from triage.desk.tokens import hash_token

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"old_{uuid.uuid4().hex[:16]}")
    upgrade(url, "0004_staff_lang")  # a desk from before this change, with a user
    old = open_database(url)
    with old.write() as s:
        s.execute(
            text(
                "INSERT INTO users (name, role, token_hash, active, created_at) "
                "VALUES ('ann', 'l2', :h, :yes, :at)"
            ),
            {"h": hash_token("old-token"), "yes": True, "at": NOW.replace(tzinfo=None)},
        )
    old.dispose()
    upgrade(url)
    db = open_database(url)
    assert by_token(db, "old-token") == Staff("ann", "l2")
    with db.read() as s:
        assert s.execute(text("SELECT token_hash FROM users")).scalar_one() is None
    assert [t.revoked_at for t in list_tokens(db, "ann")] == [None]
    db.dispose()
