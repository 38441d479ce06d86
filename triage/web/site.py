"""The built help site (``mkdocs build`` output) served at ``/``, with the console's headers.

The pages get the console's security headers (``triage.web.headers``). Material's theme puts
two small scripts inline in every page; the page's policy allows exactly those by hash: an
inline script is the theme's when the site's ``404.html`` (the theme's page without any
article) has the same script, up to the relative base path it names. Any other inline script,
one that came in with an article, is not allowed and does not run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, abort, current_app, g, send_from_directory
from werkzeug.routing import PathConverter

from triage.web.headers import apply_security_headers, csp

bp = Blueprint("site", __name__)
_INLINE = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_BASE = re.compile(r'new URL\("[./]*",location\)')


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
    response = send_from_directory(root, path)  # 404 for a path outside the site
    g.site_file = root / path
    return response


def inline_scripts(html: str) -> list[str]:
    """The inline scripts a browser would run (no ``src``, a JavaScript type or none)."""
    out = []
    for attrs, body in _INLINE.findall(html):
        kind = re.search(r'type="([^"]*)"', attrs)
        if "src=" not in attrs and (kind is None or "javascript" in kind.group(1)):
            out.append(body)
    return out


def _theme_key(script: str) -> str:
    return _BASE.sub('new URL(".",location)', script)


@lru_cache(maxsize=4)
def _theme_scripts(path: str, stamp: float) -> frozenset[str]:
    html = Path(path).read_text(encoding="utf-8", errors="replace") if stamp else ""
    return frozenset(_theme_key(s) for s in inline_scripts(html))


@lru_cache(maxsize=2048)
def _page_hashes(path: str, stamp: float, theme: frozenset[str]) -> tuple[str, ...]:
    html = Path(path).read_text(encoding="utf-8", errors="replace")
    found = [s for s in inline_scripts(html) if _theme_key(s) in theme]
    digests = (base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in found)
    return tuple(sorted({f"sha256-{d}" for d in digests}))


def script_hashes(root: Path, file: Path) -> tuple[str, ...]:
    """The hashes of the theme's inline scripts in one built page."""
    notfound = root / "404.html"
    stamp = notfound.stat().st_mtime if notfound.is_file() else 0.0
    theme = _theme_scripts(str(notfound), stamp)
    return _page_hashes(str(file), file.stat().st_mtime, theme) if theme else ()


@bp.after_request
def _headers(response):
    """The console's security headers; an HTML page also allows its theme scripts by hash."""
    file = g.get("site_file")
    if file is not None and response.mimetype == "text/html" and response.status_code == 200:
        response.headers["Content-Security-Policy"] = csp(script_hashes(_site_dir(), file))
    return apply_security_headers(response)
