"""The Flask application factory: one app serves the help site, the API and the pages."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask

from triage import settings
from triage.web.services import Services


def _secret_key(instance: Path) -> str:
    """A secret key kept in the instance folder, created on first use."""
    from triage.desk.tokens import instance_secret

    return instance_secret(instance)


def create_app(test_config: dict | None = None) -> Flask:
    """Create the application: defaults, then instance/config.py and TRIAGE_* or test_config."""
    cfg = settings.defaults()
    app = Flask(__name__, instance_path=str(cfg["INSTANCE_DIR"]), instance_relative_config=True)
    app.config.from_mapping(cfg, MAX_CONTENT_LENGTH=1024 * 1024)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("TRIAGE")
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.extensions["triage"] = Services(app.config)

    from triage.web import api, site

    api.init_app(app)  # before the site: its catch-all route must not shadow /api/
    from triage.web import pages

    pages.init_app(app)  # languages, CSRF on every form, /ask, /t/<ref>, /api/feedback, /api/search
    from triage.web import staff

    staff.init_app(app)  # the console at /staff, with its sign-in pages
    from triage.web import reports, writers

    writers.init_app(app)  # /staff/kb: gaps, review lists, drafts from incidents
    reports.init_app(app)  # /staff/reports: the managers' report, charts, CSV
    app.register_blueprint(site.bp)
    if test_config is None:  # a served app loads the sentence encoder now, not at the 1st question
        threading.Thread(target=_load_encoder, name="load-encoder", daemon=True).start()
    return app


def _load_encoder() -> None:
    from triage.engine import embed

    try:
        embed.encoder()
    except embed.EncoderMissing as exc:  # the first question will say it again, as an error
        logging.getLogger(__name__).warning("%s", exc)
