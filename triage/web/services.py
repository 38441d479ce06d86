"""Long-lived objects of one application, created lazily and kept in app.extensions."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from triage.desk.db import Database, open_database
from triage.engine.policy import Policy, load_policy

if TYPE_CHECKING:  # scikit-learn and Whoosh load on first use, not when the app is created
    from triage.engine.decide import Engine
    from triage.engine.live import LiveModel
    from triage.engine.search import SearchIndex


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
        from triage.desk.tokens import keyring_from_config

        return open_database(str(self.config["DATABASE_URL"]), keyring_from_config(self.config))

    @cached_property
    def model(self) -> LiveModel:
        """The classifier of MODEL_DIR, swapped when `triage train` switches a new one in."""
        from triage.engine.live import CHECK_SECONDS, LiveModel

        every = float(self.config.get("MODEL_CHECK_SECONDS", CHECK_SECONDS))
        return LiveModel(Path(self.config["MODEL_DIR"]), every)

    @property
    def engine(self) -> Engine:
        """The engine: live model, article index (INDEX_DIR) and policy; new when the model is."""
        from triage.engine.decide import Engine

        model = self.model.get()
        current = self.__dict__.get("_engine")
        if current is None or current.classifier is not model:
            current = self.__dict__["_engine"] = Engine(self.policy, model, self.search)
        return current

    @cached_property
    def search(self) -> SearchIndex:
        """The article index alone (site search works without a model); IndexMissing if unbuilt."""
        from triage.engine.search import SearchIndex

        return SearchIndex.open(Path(self.config["INDEX_DIR"]))


def services() -> Services:
    """The services of the current application."""
    return current_app.extensions["triage"]
