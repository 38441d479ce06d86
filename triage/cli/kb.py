"""``triage kb ...``: knowledge-base commands for writers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from triage.cli import common
from triage.kb.checks import check_kb, errors_only


@click.group()
def kb() -> None:
    """Knowledge-base commands: check articles, list gaps, draft from incidents."""


@kb.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--strict", is_flag=True, help="Treat warnings (past review dates, drafts) as errors."
)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), help="Check review dates against this day."
)
def check(path: Path | None, strict: bool, today) -> None:
    """Validate every article below PATH (default: kb/ of the current directory).

    Prints one line per problem, ``path:LINE: field: message``, and exits 1 on any error.
    """
    cfg = common.config()
    root = path or Path(str(cfg["KB_DIR"]))
    if not root.is_dir():
        raise click.ClickException(f"{root}: no such folder")
    classes = common.policy(cfg, views=False).classes  # articles need no views
    day = today.date() if today else date.today()
    problems = check_kb(root, classes, day)
    for p in problems:
        click.echo(p.format(Path.cwd()), err=p.severity == "error")
    errors = problems if strict else errors_only(problems)
    n_files = sum(1 for _ in root.rglob("*.md"))
    warnings = len(problems) - len(errors_only(problems))
    summary = f"{n_files} files checked: {len(errors_only(problems))} errors, {warnings} warnings"
    click.echo(summary, err=bool(errors))
    if errors:
        raise SystemExit(1)
