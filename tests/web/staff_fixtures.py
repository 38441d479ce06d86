"""Fixtures of the staff console tests: an app on a fresh SQLite desk, users of every role."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from triage.desk import tickets
from triage.desk.db import Database, open_database, upgrade
from triage.desk.intake import Classified, Intake
from triage.desk.users import add_user
from triage.web import create_app

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
PASSWORD = "correct horse battery"
ROLES = ("l1", "l2", "l3", "writer", "admin")
INTAKE = {
    "description": "I cannot sign in to the portal: my password is rejected",
    "module": "Portal",
    "version": "4.2",
    "steps": "1. open the portal 2. type the password",
    "contact": "ann@example.com",
}


def make_app(url: str, tmp_path, **config):
    """An app on a desk database; CSRF off unless asked, rate limits off, clock pinned."""
    base = {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "NOW": NOW,
        "MODEL_DIR": str(tmp_path / "no-model"),
        "INDEX_DIR": str(tmp_path / "no-index"),
    }
    return create_app({**base, **config})


@pytest.fixture(scope="session")
def staff_desk_template(tmp_path_factory) -> Path:
    """A migrated SQLite desk with one user per role (password PASSWORD), made once."""
    path = tmp_path_factory.mktemp("staff-desk") / "desk.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    db = open_database(url)
    for role in ROLES:
        add_user(db, f"{role}-user", role, NOW, password=PASSWORD)
    db.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def staff_desk_url(staff_desk_template, tmp_path) -> str:
    """A fresh copy of the template desk for one test."""
    path = tmp_path / "desk.db"
    shutil.copy(staff_desk_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def staff_desk(staff_desk_url) -> Database:
    """The desk database, opened."""
    db = open_database(staff_desk_url)
    yield db
    db.dispose()


@pytest.fixture
def staff_app(staff_desk_url, tmp_path):
    """The console app with CSRF off (the CSRF tests make their own)."""
    return make_app(staff_desk_url, tmp_path)


def login(client, role: str, password: str = PASSWORD):
    """Sign in as the user of a role; the response."""
    return client.post(
        "/staff/login", data={"name": f"{role}-user", "password": password}, follow_redirects=False
    )


def file(db: Database, policy, klass: str = "access", priority: str = "medium", **fields) -> str:
    """File a ticket through the desk with a given classification; its ref."""
    line = policy.request_class(klass).line
    intake = Intake(**{**INTAKE, **fields})
    filed = tickets.file_ticket(db, policy, intake, Classified(klass, priority, line, 0.9), NOW)
    return filed.ref
