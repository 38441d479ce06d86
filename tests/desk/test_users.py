"""Staff users: roles, tokens and passwords stored hashed, permissions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from triage.desk.users import (
    Staff,
    UserError,
    add_user,
    by_name,
    by_password,
    by_token,
    ensure_admin,
    list_users,
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


def test_permissions():
    assert Staff("w", "writer").can("read") and not Staff("w", "writer").can("work")
    assert Staff("x", "l2").can("work") and not Staff("x", "l2").can("admin")
    assert Staff("a", "admin").can("admin")


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
