"""Helpers shared by the command modules: configuration, policy, errors."""

from __future__ import annotations

from pathlib import Path

import click

from triage import settings
from triage.engine.policy import Policy, PolicyError, load_policy


def config() -> dict[str, object]:
    """The layered configuration (defaults, instance/config.py, TRIAGE_* variables)."""
    return settings.load()


def policy(cfg: dict[str, object] | None = None, views: bool = True) -> Policy:
    """The validated policy (and the queue's views, unless ``views`` is false), or a clean
    exit with the key named."""
    cfg = cfg or config()
    try:
        loaded = load_policy(Path(str(cfg["POLICY_FILE"])))
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    if not (views and cfg.get("VIEWS_FILE")):
        return loaded
    # the views module brings the desk (SQLAlchemy): imported here, not when the CLI starts
    from triage.desk.queue_views import ViewsError, load_views

    try:  # the queue's views are checked against the policy
        load_views(Path(str(cfg["VIEWS_FILE"])), loaded)
        return loaded
    except ViewsError as exc:
        raise click.ClickException(str(exc)) from None
