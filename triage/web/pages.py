"""The people's pages wired into the app: languages, CSRF, and the public blueprints.

``init_app`` runs after ``api.init_app`` (it reuses its rate limiter): it installs flask-babel,
Flask-WTF's ``CSRFProtect`` for every form post of the app (only the JSON API under ``/api/`` is
exempt: it has its own rules, tokens and shared secrets), Ask support, the ticket status page
and the public JSON endpoints.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from triage.web import ask, i18n, public_api, status
from triage.web.headers import apply_security_headers
from triage.web.services import services

csrf = CSRFProtect()
PAGES = ("ask", "status")
TRACKING_URL = "{public_url}/t/{ref}?token={token}"


@lru_cache(maxsize=8)
def _material_css(site_dir: str, stamp: float) -> tuple[str, ...]:
    css = Path(site_dir) / "assets" / "stylesheets"
    found = [*sorted(css.glob("main.*.min.css")), *sorted(css.glob("palette.*.min.css"))]
    return tuple(f"/assets/stylesheets/{p.name}" for p in found)


def material_css() -> tuple[str, ...]:
    """The built site's Material stylesheets (hashed names), or none when it is not built."""
    css = Path(current_app.config["SITE_DIR"]) / "assets" / "stylesheets"
    stamp = css.stat().st_mtime if css.is_dir() else 0.0
    return _material_css(str(css.parent.parent), stamp) if stamp else ()


def home_url() -> str:
    """The help site's home page in the page's language (English has no prefix)."""
    lang = i18n.lang()
    return "/" if lang == services().policy.default_language else f"/{lang}/"


def lang_url(code: str, plain: bool = False) -> str:
    """This page in another language (Ask support for a form post's or an error's page)."""
    if request.method == "GET" and request.endpoint and not plain:
        args = {**request.args.to_dict(), **(request.view_args or {}), "lang": code}
        return url_for(request.endpoint, **args)
    return url_for("ask.ask_page", lang=code)


def _csrf_error(exc: CSRFError):
    if request.path.startswith("/api/") or request.is_json:
        from triage.web.errors import error_response

        return error_response(400, f"CSRF check failed: {exc.description}")
    return render_template("error.html", code=400), 400


def _headers(response):
    if request.blueprint in PAGES:
        apply_security_headers(response)
    return response


def _protect() -> None:
    if current_app.config.get("WTF_CSRF_ENABLED", True) and not request.path.startswith("/api/"):
        csrf.protect(apply_exemptions=True)


def init_app(app: Flask) -> None:
    """Languages, CSRF protection and the public pages (after ``api.init_app``)."""
    from triage.web import api

    if app.config.get("TRACKING_URL") in (None, api.DEFAULTS["TRACKING_URL"]):
        app.config["TRACKING_URL"] = TRACKING_URL  # the status page, unless configured
    for module in (ask, status, public_api):
        for key, value in module.DEFAULTS.items():
            app.config.setdefault(key, value)
    i18n.init_app(app)
    app.jinja_env.globals.update(
        material_css=material_css,
        home_url=home_url,
        lang_url=lang_url,
        desk_title=lambda: services().policy.desk_name,
    )
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # _protect decides, by path
    csrf.init_app(app)
    app.before_request(_protect)
    app.register_error_handler(CSRFError, _csrf_error)
    app.after_request(_headers)
    for bp in (ask.bp, status.bp, public_api.bp):
        app.register_blueprint(bp)
