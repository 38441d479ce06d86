"""Long-lived objects of one application, created lazily and kept in app.extensions."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from flask import current_app

from triage.desk.db import Database, open_database
from triage.engine.policy import Policy, load_policy


class Services:
    """The policy, engine and database of one app; each built on first use, once."""

    def __init__(self, config: dict):
        self.config = config

    @cached_property
    def policy(self) -> Policy:
        """The validated policy (PolicyError stops the app with the key named)."""
        return load_policy(Path(self.config["POLICY_FILE"]))

    @cached_property
    def db(self) -> Database:
        """The desk database named by DATABASE_URL (opened per process, after any fork)."""
        return open_database(str(self.config["DATABASE_URL"]))


def services() -> Services:
    """The services of the current application."""
    return current_app.extensions["triage"]
