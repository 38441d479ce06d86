"""``triage users lang``: a staff member's console language, set and cleared; bad input refused."""

from __future__ import annotations

from click.testing import CliRunner

from triage.cli import main
from triage.desk.db import open_database
from triage.desk.users import by_name


def run(db_url: str, *args: str):
    """Invoke ``triage ARGS`` with DATABASE_URL set."""
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db_url})


def lang_of(db_url: str, name: str) -> str | None:
    """The console language stored for a user."""
    db = open_database(db_url)
    try:
        return by_name(db, name).lang
    finally:
        db.dispose()


def test_set_clear_and_refuse(db_url):
    assert run(db_url, "users", "add", "ann", "--role", "l1").exit_code == 0
    assert lang_of(db_url, "ann") is None
    done = run(db_url, "users", "lang", "ann", "de")
    assert done.exit_code == 0 and "console language de" in done.output
    assert lang_of(db_url, "ann") == "de"
    bad = run(db_url, "users", "lang", "ann", "fr")
    assert bad.exit_code != 0 and "unknown language 'fr'" in bad.output
    assert lang_of(db_url, "ann") == "de"  # unchanged
    nobody = run(db_url, "users", "lang", "bob", "ru")
    assert nobody.exit_code != 0 and "no user 'bob'" in nobody.output
    assert run(db_url, "users", "lang", "ann", "browser").exit_code == 0
    assert lang_of(db_url, "ann") is None


def test_help():
    result = CliRunner().invoke(main, ["users", "lang", "--help"])
    assert result.exit_code == 0 and "console's language" in result.output
