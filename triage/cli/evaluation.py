"""``triage eval ...``: measure the engine on anyone's data (subcommands live beside their area)."""

from __future__ import annotations

import click


@click.group("eval")
def eval_group() -> None:
    """Evaluate the classifier (classify) or the article suggestions (suggest) on given files."""
