"""Helpers shared by the command modules: configuration, policy, errors."""

from __future__ import annotations

from pathlib import Path

import click

from triage import settings
from triage.engine.policy import Policy, PolicyError, load_policy


def config() -> dict[str, object]:
    """The layered configuration (defaults, instance/config.py, TRIAGE_* variables)."""
    return settings.load()


def policy(cfg: dict[str, object] | None = None) -> Policy:
    """The validated policy, or a clean exit with the key named."""
    cfg = cfg or config()
    try:
        return load_policy(Path(str(cfg["POLICY_FILE"])))
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
