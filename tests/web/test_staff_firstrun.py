"""First run: `triage serve` creates the admin once, password printed or from the environment."""

from __future__ import annotations

import click
import pytest

from triage.cli.web import ADMIN_PASSWORD_ENV, first_admin
from triage.desk.db import open_database, upgrade
from triage.desk.users import by_password, list_users


@pytest.fixture
def empty_desk(tmp_path) -> str:
    """A migrated desk without users."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    upgrade(url)
    return url


def _users(url):
    db = open_database(url)
    try:
        return db, list_users(db)
    finally:
        db.dispose()


def test_admin_created_once_with_a_printed_password(empty_desk, monkeypatch):
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    line = first_admin(empty_desk)
    assert line and "shown once" in line
    password = line.split("with password ")[1].split(" ")[0]
    db = open_database(empty_desk)
    assert by_password(db, "admin", password).role == "admin"
    db.dispose()
    assert first_admin(empty_desk) is None  # second start: nothing made, nothing printed
    assert [u.name for u in _users(empty_desk)[1]] == ["admin"]


def test_admin_password_from_the_environment(empty_desk, monkeypatch):
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "from-the-environment")
    line = first_admin(empty_desk)
    assert line and "from-the-environment" not in line and ADMIN_PASSWORD_ENV in line
    db = open_database(empty_desk)
    assert by_password(db, "admin", "from-the-environment").name == "admin"
    db.dispose()


def test_short_password_from_the_environment_stops(empty_desk, monkeypatch):
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, "short")
    with pytest.raises(click.ClickException, match=ADMIN_PASSWORD_ENV):
        first_admin(empty_desk)
    assert _users(empty_desk)[1] == []
