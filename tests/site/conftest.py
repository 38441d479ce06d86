"""The help site built once per session: from a small fixture KB and from the real ``kb/``."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_article

WORDS = {  # a word from the body of one fixture article per language, and that article's URL
    "en": ("passphrase", "access/reset-password/"),
    "ru": ("восстановление", "ru/access/reset-password/"),
    "de": ("sicherheitsschlüssel", "de/access/two-factor/"),
    "uk": ("перевірте", "uk/outage/site-down/"),
}


def build_site(kb_dir: Path, dest: Path) -> subprocess.CompletedProcess:
    """Run ``mkdocs build --strict`` on the project's mkdocs.yml with kb_dir as the KB."""
    env = {**os.environ, "FRONTLINE_KB_DIR": str(kb_dir), "NO_MKDOCS_2_WARNING": "1"}
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml")]
    return subprocess.run(
        [*cmd, "-d", str(dest)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def write_fixture_kb(root: Path) -> Path:
    """Articles in four languages with links, tags, a translation fallback and a draft."""
    write_article(
        root,
        "access",
        "reset-password",
        title="Reset a forgotten password",
        tags=["password", "sign-in"],
        body="# Reset a forgotten password\n\nChoose a new passphrase of 12 characters.\n\n"
        "See [two-factor](two-factor.md), [the outage page](../outage/site-down.md#status) "
        "and [a draft](../consultation/draft-only.md).\n",
    )
    write_article(
        root,
        "access",
        "reset-password",
        lang="ru",
        title="Сброс забытого пароля",
        tags=["password", "sign-in"],
        body="# Сброс забытого пароля\n\nВосстановление пароля занимает минуту.\n\n"
        "См. [двухфакторную аутентификацию](two-factor.md).\n",
    )
    write_article(root, "access", "two-factor", title="Set up two-factor sign-in", tags=["2fa"])
    write_article(
        root,
        "access",
        "two-factor",
        lang="de",
        title="Zwei-Faktor-Anmeldung einrichten",
        tags=["2fa"],
        body="# Zwei-Faktor-Anmeldung einrichten\n\nRegistrieren Sie einen Sicherheitsschlüssel.\n",
    )
    write_article(
        root,
        "outage",
        "site-down",
        title="The console is unreachable",
        tags=["status"],
        body="# The console is unreachable\n\n## Status\n\nOpen the status page first.\n",
    )
    write_article(
        root,
        "outage",
        "site-down",
        lang="uk",
        title="Консоль недоступна",
        tags=["status"],
        body="# Консоль недоступна\n\nСпочатку перевірте сторінку стану сервісу.\n",
    )
    write_article(root, "consultation", "draft-only", title="Unfinished draft", status="draft")
    return root


def search_index(site: Path) -> dict:
    """The built site's search index (``config`` and ``docs``)."""
    return json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))


def search_docs(site: Path) -> tuple[str, list[dict]]:
    """The separator and the documents of the built site's search index."""
    index = search_index(site)
    return index["config"]["separator"], index["docs"]


def tokens(text: str, separator: str) -> set[str]:
    """Lower-cased tokens as lunr makes them: split on the separator, edges trimmed."""
    plain = re.sub(r"<[^>]+>", " ", text).lower()
    out = {re.sub(r"^\W+|\W+$", "", t) for t in re.split(separator, plain)}
    return out - {""}


@functools.cache
def _inverted(site: Path) -> dict[str, frozenset[str]]:
    separator, docs = search_docs(site)
    index: dict[str, set[str]] = {}
    for d in docs:
        page = d["location"].split("#", 1)[0]
        for token in tokens(d.get("title", "") + " " + d.get("text", ""), separator):
            index.setdefault(token, set()).add(page)
    return {k: frozenset(v) for k, v in index.items()}


def pages_matching(site: Path, word: str) -> set[str]:
    """The page locations (without #anchor) whose title or text has the word as a token."""
    return set(_inverted(site).get(word.lower(), frozenset()))


@pytest.fixture(scope="session")
def fixture_kb(tmp_path_factory) -> Path:
    """The small fixture knowledge base (session-wide, do not modify)."""
    return write_fixture_kb(tmp_path_factory.mktemp("site-kb") / "kb")


@pytest.fixture(scope="session")
def fixture_site(fixture_kb, tmp_path_factory) -> Path:
    """The site built from the fixture KB."""
    dest = tmp_path_factory.mktemp("site-fixture") / "site"
    result = build_site(fixture_kb, dest)
    assert result.returncode == 0, result.stderr
    return dest


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The site built from the project's own kb/."""
    dest = tmp_path_factory.mktemp("site-real") / "site"
    result = build_site(ROOT / "kb", dest)
    assert result.returncode == 0, result.stderr
    return dest


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def served_site(fixture_site) -> Iterator[str]:
    """The fixture site served over HTTP on 127.0.0.1 from a thread; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(fixture_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
