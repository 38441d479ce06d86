"""Public JSON endpoints of the help site: article feedback and site search through the service.

``POST /api/feedback`` takes the site footer's ``{article, lang, helpful, session?}`` (JSON, or
the same fields as a plain form post, answered with a redirect back); ``GET /api/search``
answers the site's search box when the app serves the site (``docs/overrides`` script).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request

from triage.desk import questions
from triage.desk.intake import InvalidField
from triage.engine.indexdir import IndexMissing
from triage.web.api import limiter
from triage.web.api_fields import now, reply, text
from triage.web.ask import snippet
from triage.web.errors import error_response
from triage.web.services import services
from triage.web.validation import accepts_form

bp = Blueprint("public_api", __name__, url_prefix="/api")
DEFAULTS = {"RATELIMIT_FEEDBACK": "30 per minute", "RATELIMIT_SEARCH": "120 per minute"}
SEARCH_LIMIT = 10


def _limit(key: str):
    return limiter.limit(lambda: current_app.config[key])


def _helpful(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise InvalidField("helpful", "must be true or false")


def _back() -> str:
    """Where a plain form post returns: the referring page of this site, else the home page."""
    ref = urlsplit(request.referrer or "")
    same = not ref.netloc or ref.netloc == request.host
    return (ref.path or "/") if same and ref.path.startswith("/") else "/"


@bp.post("/feedback")
@_limit("RATELIMIT_FEEDBACK")
@accepts_form
def feedback():
    """Store whether an article helped, per article and language."""
    is_form = not request.is_json and bool(request.form)
    data = request.form.to_dict() if is_form else (request.get_json(silent=True) or {})
    if not isinstance(data, dict):
        raise InvalidField("body", "must be a JSON object")
    article = text(data, "article", required=True, max_len=200)
    lang = text(data, "lang", required=True, choices=services().policy.languages)
    helpful = _helpful(data.get("helpful"))
    session = text(data, "session", max_len=64)
    source = "ask" if session else "site"
    questions.add_feedback(services().db, article, lang, helpful, now(), source, session)
    if is_form:
        return redirect(_back(), 303)
    return reply({"article": article, "lang": lang, "helpful": helpful}, 201)


def search_index():
    """The engine's article index (the same one the suggestions come from)."""
    return services().search


@bp.get("/search")
@_limit("RATELIMIT_SEARCH")
def search():
    """Articles for a query: ``{query, lang, results: [{title, url, snippet, lang, id}]}``."""
    query = (request.args.get("q") or "").strip()[:500]
    lang = request.args.get("lang")
    lang = lang if lang in services().policy.languages else None
    try:
        index = search_index()  # checked first: the site's probe (empty q) must see it missing
    except IndexMissing:
        return error_response(503, "The article index is not built yet: run `triage index`.")
    if not query:
        return jsonify(query="", lang=lang, results=[])
    found = index.suggest(query, lang=lang, boost_class=None, limit=SEARCH_LIMIT)
    results = [
        {
            "id": s.id,
            "title": s.title,
            "url": s.url,
            "lang": s.lang,
            "snippet": str(snippet(s.snippet)),
        }
        for s in found
    ]
    return jsonify(query=query, lang=lang, results=results)
