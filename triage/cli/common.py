"""Helpers shared by the command modules: configuration, policy, errors."""

from __future__ import annotations

from pathlib import Path

import click

from triage import settings
from triage.desk.queue_views import ViewsError, load_views
from triage.engine.policy import Policy, PolicyError, load_policy


def config() -> dict[str, object]:
    """The layered configuration (defaults, instance/config.py, TRIAGE_* variables)."""
    return settings.load()


def policy(cfg: dict[str, object] | None = None) -> Policy:
    """The validated policy, or a clean exit with the key named."""
    cfg = cfg or config()
    try:
        loaded = load_policy(Path(str(cfg["POLICY_FILE"])))
        if cfg.get("VIEWS_FILE"):  # the queue's shared views are checked against the policy
            load_views(Path(str(cfg["VIEWS_FILE"])), loaded)
        return loaded
    except (PolicyError, ViewsError) as exc:
        raise click.ClickException(str(exc)) from None
