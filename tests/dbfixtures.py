"""Database fixtures: every database test runs once on SQLite and once on PostgreSQL.

PostgreSQL is $TEST_DATABASE_URL when set, else a throwaway server started for the session
(initdb + pg_ctl on a loopback port). Under CI=true a missing PostgreSQL fails the run.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from triage.desk import pgtemp
from triage.desk.db import Database, open_database, upgrade

_names = itertools.count(1)


class _External:
    """A server named by $TEST_DATABASE_URL: test databases are created and dropped on it."""

    def __init__(self, url: str):
        self.admin = make_url(url).set(drivername="postgresql+psycopg")
        self.created: list[str] = []

    def _exec(self, sql: str) -> None:
        import psycopg

        dsn = self.admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database (a copy of ``template`` when given) and return its URL."""
        self._exec(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.created.append(name)
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        """Drop what the tests created."""
        for name in self.created:
            self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the session (see the module docstring)."""
    if os.environ.get("TEST_DATABASE_URL"):
        server = _External(os.environ["TEST_DATABASE_URL"])
    else:
        try:
            server = pgtemp.start()
        except pgtemp.PostgresUnavailable as exc:
            if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
                pytest.fail(f"PostgreSQL is required under CI: {exc}")
            pytest.skip(f"PostgreSQL not available: {exc}")
    yield server
    server.stop()


_templates: dict[object, str] = {}


def _sqlite_template() -> Path:
    """A migrated SQLite file made once per test process; tests get copies of it."""
    if "sqlite" not in _templates:
        folder = Path(tempfile.mkdtemp(prefix="frontline-tmpl-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        upgrade(f"sqlite:///{folder / 'template.db'}")
        _templates["sqlite"] = str(folder / "template.db")
    return Path(_templates["sqlite"])


def _pg_template(server) -> str:
    """A migrated database on the server, made once; tests get copies (CREATE ... TEMPLATE)."""
    key = id(server)
    if key not in _templates:
        name = f"tmpl_{os.getpid()}"
        upgrade(server.create_database(name))
        _templates[key] = name
    return _templates[key]


def fresh_url(backend: str, request: pytest.FixtureRequest | None, tmp_path, server=None) -> str:
    """A new, migrated database of the backend: a file for SQLite, a database for PostgreSQL."""
    if backend == "sqlite":
        shutil.copyfile(_sqlite_template(), tmp_path / "desk.db")
        return f"sqlite:///{tmp_path / 'desk.db'}"
    server = server or request.getfixturevalue("pg_server")
    name = f"t_{os.getpid()}_{next(_names)}"
    return server.create_database(name, template=_pg_template(server))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """The URL of a fresh migrated database, once per backend."""
    return fresh_url(request.param, request, tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """The fresh database opened, once per backend."""
    database = open_database(db_url)
    yield database
    database.dispose()
