"""The database layer: SQLite settings, migrations matching the models, aware datetimes."""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import StatementError

from triage.desk.db import open_database, ping, upgrade
from triage.desk.models import Base, User


def test_sqlite_settings(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade(url)
    db = open_database(url)
    with db.read() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert s.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    seen: list[str] = []

    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with db.write() as s:
        s.execute(text("SELECT 1"))
    with db.read() as s:
        s.execute(text("SELECT 1"))
    assert "BEGIN IMMEDIATE" in seen and "BEGIN" in seen
    db.dispose()


def test_migrations_match_models_and_upgrade_is_idempotent(db_url):
    assert upgrade(db_url) == upgrade(db_url)
    db = open_database(db_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert ping(db)
    db.dispose()


def test_datetimes_are_aware_and_naive_refused(db):
    with db.write() as s:
        s.add(User(name="ann", role="l1", token_hash="h" * 64))
    with db.read() as s:
        user = s.query(User).one()
        assert user.created_at.utcoffset().total_seconds() == 0
    with pytest.raises(StatementError, match="naive"), db.write() as s:
        s.add(User(name="bob", role="l1", token_hash="g" * 64, created_at=datetime(2026, 1, 1)))
