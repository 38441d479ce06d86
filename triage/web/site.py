"""The built help site (``mkdocs build`` output) served at ``/``, with the console's headers."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory
from werkzeug.routing import PathConverter

from triage.web.headers import apply_security_headers

bp = Blueprint("site", __name__)


class SitePath(PathConverter):
    """A path of the site: anything but the API's own paths (``/api``, ``/api/...``).

    Without it ``GET /api/tickets`` matched the site and answered 404, and ``Allow`` listed GET
    for every POST-only endpoint.
    """

    regex = r"(?!api(?:/|$))[^/].*?"


@bp.record_once
def _register_converter(state) -> None:
    state.app.url_map.converters["site_path"] = SitePath


def _site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"])


@bp.get("/", defaults={"path": ""})
@bp.get("/<site_path:path>")
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


@bp.after_request
def _headers(response):
    """The help site's pages get the same security headers as the console."""
    if request.blueprint == "site":
        apply_security_headers(response)
    return response
