"""The CLI starts fast: `triage --help` and `triage kb check` import no heavy library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import write_article

HEAVY = ("sklearn", "skops", "scipy", "whoosh", "matplotlib", "sqlalchemy", "flask")
ROOT = Path(__file__).resolve().parents[2]
REPORT = "import sys; print('LOADED:', *sorted(m for m in {heavy} if m in sys.modules))"


def _loaded(code: str, cwd: Path = ROOT) -> list[str]:
    script = f"{code}\n{REPORT.format(heavy=HEAVY)}"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.rpartition("LOADED:")[2].split()


def test_importing_the_cli_loads_no_heavy_library():
    assert _loaded("import triage.cli") == []


def test_help_and_kb_check_load_no_heavy_library(tmp_path):
    write_article(tmp_path / "kb", "access", "reset-password")
    run = (
        "from triage.cli import main\n"
        "for argv in (['--help'], ['kb', 'check', {kb!r}]):\n"
        "    try:\n"
        "        main(argv, standalone_mode=False)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc.code\n"
    ).format(kb=str(tmp_path / "kb"))
    assert _loaded(run) == []


def test_the_cli_role_names_are_the_desk_roles():
    from triage.cli.desk import ROLES
    from triage.desk.models import ROLES as DESK_ROLES

    assert ROLES == DESK_ROLES
