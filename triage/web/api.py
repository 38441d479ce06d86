"""The public JSON API: triage a question, file a ticket, follow it with its token; OpenAPI.

Staff endpoints live in ``api_staff``; ``init_app`` wires both, the rate limiter and the JSON
errors into an application.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Flask, abort, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from triage.desk import lifecycle, tickets
from triage.desk.intake import Classified, Intake, InvalidField
from triage.desk.validation import LIMITS
from triage.desk.views import find_customer_view
from triage.engine.policy import Policy
from triage.web import errors, validation
from triage.web.api_fields import body, now, reply, text
from triage.web.services import services

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).with_name("openapi.yml")
DEFAULTS = {
    "RATELIMIT_ENABLED": True,  # set per app: the limiter object is shared
    "RATELIMIT_STORAGE_URI": "memory://",  # per process; name a shared store for exact limits
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_TRIAGE": "60 per minute",
    "RATELIMIT_TICKETS": "10 per minute; 100 per day",
    "RATELIMIT_TRACKING": "60 per minute",
    "TRACKING_URL": "{public_url}/api/tickets/{ref}?token={token}",
}
FIELD_LIMITS = {k: LIMITS[k] for k in ("contact", "module", "version", "steps")}


limiter = Limiter(key_func=get_remote_address)  # configured per app by init_app


def _limit(key: str):
    """A rate limit read from the app's config key when a request comes."""
    return limiter.limit(lambda: current_app.config[key])


@bp.post("/triage")
@_limit("RATELIMIT_TRIAGE")
def triage_question():
    """Classify a question and suggest articles: the engine's Decision."""
    data = body()
    question = text(data, "question", required=True, max_len=LIMITS["question"])
    lang = text(data, "lang", choices=services().policy.languages)
    decision = _engine().decide(question, lang=lang)
    return reply(decision.to_dict())


def _engine():
    """The engine, or 503 with what to build when the model or the index is missing."""
    from triage.engine.indexdir import IndexMissing
    from triage.engine.model_store import ModelError

    try:
        return services().engine
    except (ModelError, IndexMissing) as exc:
        abort(503, description=str(exc))


def _classify(question: str, lang: str | None) -> tuple[Classified, str]:
    """The engine's decision, or the unknown class when the engine cannot answer."""
    policy = services().policy
    try:
        decision = services().engine.decide(question, lang=lang)
        found = decision.lang if decision.lang in policy.languages else None
        return Classified.of(decision), lang or found or policy.default_language
    except Exception:  # a ticket is never lost because the model is missing or broken
        log.exception("engine failed; filing the ticket as %s", policy.unknown_class.id)
        u = policy.unknown_class
        return Classified(u.id, u.default_priority, u.line), lang or policy.default_language


def _intake(data: dict) -> tuple[Intake, str]:
    policy = services().policy
    described = text(data, "description", nonblank=True, max_len=LIMITS["description"])
    question = text(data, "question", nonblank=True, max_len=LIMITS["description"])
    if not (described or question):
        raise InvalidField("description", "is required (or question)")
    fields = {k: text(data, k, max_len=n) or "" for k, n in FIELD_LIMITS.items()}
    intake = Intake(
        description=described or question or "",
        lang=text(data, "lang", choices=policy.languages) or policy.default_language,
        channel=text(data, "channel", choices=("web", "api")) or "web",
        customer_priority=text(data, "priority", choices=policy.priorities),
        customer_class=text(data, "class", choices=sorted(policy.classes)),
        **fields,
    )
    tickets.validate(intake, policy)
    return intake, text(data, "lang") or ""


@bp.post("/tickets")
@_limit("RATELIMIT_TICKETS")
def file_ticket():
    """File a ticket: runs the engine, returns the ref and the tracking token (shown once)."""
    intake, asked_lang = _intake(body())
    decided, lang = _classify(intake.description, asked_lang or None)
    intake = Intake(**{**intake.__dict__, "lang": lang})
    filed = tickets.file_ticket(services().db, services().policy, intake, decided, now())
    url = current_app.config["TRACKING_URL"].format(
        public_url=current_app.config["PUBLIC_URL"].rstrip("/"), ref=filed.ref, token=filed.token
    )
    result = {
        "ref": filed.ref,
        "token": filed.token,
        "status": filed.status,
        "tracking_url": url,
        "class": filed.request_class,
        "priority": filed.priority,
        "reaction_due": filed.reaction_due,
        "missing": list(filed.missing),
    }
    return reply(result, 201)


@bp.get("/tickets/<ref>")
@_limit("RATELIMIT_TRACKING")
def track(ref: str):
    """What the customer may see of a ticket; 404 for an unknown ref or a wrong token alike."""
    token = request.args.get("token")
    view = find_customer_view(services().db, services().policy, ref, token, now())
    if view is None:
        return errors.error_response(404, "No ticket with this reference and token.")
    return reply(view)


@cache
def openapi_document() -> dict:
    """The OpenAPI 3 document as written in ``openapi.yml`` (enums not yet filled)."""
    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


@cache
def documented_query(rule: str, method: str) -> frozenset[str] | None:
    """The query parameters the document gives an operation (a Flask rule), None if undocumented."""
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)
    item = openapi_document()["paths"].get(path, {})
    op = item.get(method.lower())
    if op is None:
        return None
    params = [*item.get("parameters", []), *op.get("parameters", [])]
    resolved = [_resolve(p) for p in params]
    return frozenset(p["name"] for p in resolved if p.get("in") == "query")


def _resolve(node: dict) -> dict:
    ref = node.get("$ref")
    if not ref:
        return node
    out: Any = openapi_document()
    for part in ref.removeprefix("#/").split("/"):
        out = out[part]
    return out


def fill_enums(node: Any, enums: dict[str, list[str]]) -> Any:
    """A copy of the document with every ``x-enum: <name>`` replaced by that list."""
    if isinstance(node, list):
        return [fill_enums(v, enums) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: fill_enums(v, enums) for k, v in node.items() if k != "x-enum"}
    if "x-enum" in node:
        out["enum"] = list(enums[node["x-enum"]]) + ([None] if node.get("nullable") else [])
    return out


def policy_enums(policy: Policy) -> dict[str, list[str]]:
    """The lists the document takes from the policy."""
    return {
        "languages": list(policy.languages),
        "priorities": list(policy.priorities),
        "classes": sorted(policy.classes),
        "lines": list(policy.lines),
        "actions": list(lifecycle.ACTIONS),
        "decline_reasons": list(policy.decline_reasons),
    }


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document describing this API, with the policy's lists filled in."""
    return reply(fill_enums(openapi_document(), policy_enums(services().policy)))


def init_app(app: Flask) -> None:
    """Register the API blueprints, the rate limiter and the JSON error handlers."""
    from triage.web import alerts, api_staff

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    limiter.init_app(app)  # re-reads this app's switches and storage
    errors.register(app)
    validation.init_app(app)  # every request's path, query and body checked once, here
    app.register_blueprint(bp)
    app.register_blueprint(api_staff.bp)
    app.register_blueprint(alerts.bp)  # POST /api/alerts (Alertmanager webhook)
