"""The same install everywhere: requirements.lock pins every package, and this venv runs them."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """requirements.lock as {name: version}."""
    found = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if m:
            found[canonical(m.group(1))] = m.group(2)
    return found


def declared() -> list[str]:
    """The names pyproject.toml depends on, dev extras included."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [canonical(re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0]) for r in reqs]


def test_every_declared_dependency_is_pinned():
    locked = pins()
    assert [n for n in declared() if n not in locked] == []


@pytest.mark.parametrize("name", sorted(set(declared())))
def test_installed_versions_are_the_locked_ones(name):
    assert metadata.version(name) == pins()[name], f"{name}: run make dev (requirements.lock)"


def test_preflight_names_what_is_missing(monkeypatch, capsys):
    from tests import preflight

    monkeypatch.setattr(preflight, "NEEDS", {"redis-server": (lambda: None, "redis-server")})
    assert preflight.main() == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "make test needs redis-server: apt-get install redis-server (.ci/run installs them)"
    ]
