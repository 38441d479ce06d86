"""Shared fixtures: the project's policy, a tiny knowledge base, an app and its clients."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.dbfixtures import db, db_url, pg_server  # noqa: F401 - fixtures: sqlite + postgresql
from tests.web.staff_fixtures import (  # noqa: F401 - fixtures of the staff console
    staff_app,
    staff_desk,
    staff_desk_template,
    staff_desk_url,
)
from triage.engine.policy import Policy, load_policy

ROOT = Path(__file__).resolve().parent.parent


def write_article(root: Path, klass: str, slug: str, lang: str = "en", **fields) -> Path:
    """Write one valid article (fields override the defaults) and return its path."""
    meta = {
        "id": slug,
        "title": f"Article {slug}",
        "summary": f"What to do about {slug}, step by step.",
        "lang": lang,
        "class": klass,
        "tags": ["test"],
        "applies_to": [{"module": "Compute", "versions": ">= 1.0"}],
        "questions": [f"how to {slug}", f"problem with {slug}", f"{slug} help"],
        "updated": "2026-11-01",
        "owner": "docs",
        "review_by": "2099-01-01",
    }
    body = fields.pop("body", f"# Article {slug}\n\nSome text about {slug}.\n")
    meta.update(fields)
    import yaml

    front = yaml.safe_dump(
        {k: v for k, v in meta.items() if v is not None}, allow_unicode=True, sort_keys=False
    )
    path = root / klass / f"{slug}.{lang}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def line_of(path: Path, prefix: str) -> int:
    """The 1-based line of the first line of path starting with prefix."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(prefix))


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The project's own policy.yml."""
    return load_policy(ROOT / "policy.yml")


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A knowledge base of three tiny valid articles (one with a Russian translation)."""
    root = tmp_path / "kb"
    write_article(
        root,
        "access",
        "reset-password",
        body=textwrap.dedent("""\
        # Reset a password

        Use the **Forgot password** link. See [two-factor](two-factor.md).
        """),
    )
    write_article(root, "access", "two-factor", title="Two-factor authentication")
    write_article(
        root,
        "access",
        "reset-password",
        lang="ru",
        title="Сброс пароля",
        body="# Сброс пароля\n\nНажмите «Забыли пароль».\n",
    )
    write_article(root, "outage", "site-down", title="The site is down")
    return root
