"""The built help site (``mkdocs build`` output) served at ``/``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("site", __name__)


def _site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"])


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    """Serve a file of the built site; folders serve their index.html.

    :raise 404: the site is not built or the page does not exist.
    """
    root = _site_dir()
    if not root.is_dir():
        abort(404, description="The help site is not built yet: run `make site`.")
    target = root / path
    if path == "" or path.endswith("/") or target.is_dir():
        path = (path.rstrip("/") + "/index.html").lstrip("/")
    return send_from_directory(root, path)
