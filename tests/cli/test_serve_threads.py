"""`triage serve` gives each gunicorn worker one thread of numeric work."""

from __future__ import annotations

import os

from click.testing import CliRunner

from triage.cli import main, web


class Exec(Exception):
    """Raised instead of replacing the process with gunicorn."""


def test_serve_limits_numeric_threads_before_gunicorn(tmp_path, monkeypatch) -> None:
    for name in web.THREAD_LIMITS:  # unset now, and as they were again after the test
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # an operator's own setting is kept
    seen: dict[str, str] = {}

    def fake_exec(path, argv):
        seen.update({n: os.environ.get(n, "") for n in web.THREAD_LIMITS})
        raise Exec(argv)

    monkeypatch.setattr(web.os, "execv", fake_exec)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}",
        "FRONTLINE_ADMIN_PASSWORD": "x" * 16,
    }
    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=env)
    assert isinstance(result.exception, Exec), result.output
    assert seen == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
