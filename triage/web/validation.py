"""The web edge: every request checked once, before any view reads it.

``check_request`` (a ``before_request`` hook) applies the desk's text rules
(``triage.desk.validation``) to the path, the query, every JSON body (keys and strings at any
depth, nesting bounded) and the form fields posted to the JSON API, and refuses a JSON API
post that is not ``application/json`` (415: a cross-site ``<form>`` cannot file a ticket).
Errors under ``/api/`` and for JSON bodies are JSON (``errors.error_response``); pages get a
400. Page forms derive from ``TextForm``, so a bad field is that form's own message.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge

from triage.desk.validation import (
    NUL_MESSAGE,
    SURROGATE_MESSAGE,
    InvalidField,
    json_problem,
    text_problem,
)
from triage.web.errors import error_response
from triage.web.headers import apply_api_headers

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_MESSAGES = {
    NUL_MESSAGE: _l("This text must not contain NUL characters."),
    SURROGATE_MESSAGE: _l("This text is not valid Unicode (it holds a lone surrogate)."),
}


def accepts_form(view: Callable) -> Callable:
    """Mark a JSON API view that also takes a plain form post (the site's no-script footer)."""
    view.accepts_form = True  # type: ignore[attr-defined]
    return view


def is_api() -> bool:
    """Whether the request is for the JSON API."""
    return request.path == "/api" or request.path.startswith("/api/")


def _refuse(status: int, message: str, field: str | None = None):
    if is_api() or request.is_json:
        extra = {"field": field} if field else {}
        return error_response(status, f"{field}: {message}" if field else message, **extra)
    abort(status, description=message)


def _pairs_problem(pairs, where: str) -> InvalidField | None:
    for key, value in pairs:
        for text in (key, value):
            problem = text_problem(text) if isinstance(text, str) else None
            if problem:
                return InvalidField(f"{where} {key!r}"[:120], problem)
    return None


def _unknown_query() -> str | None:
    """The first query parameter the OpenAPI document does not give this API operation."""
    if not is_api() or request.url_rule is None or not request.args:
        return None
    from triage.web.api import documented_query

    known = documented_query(request.url_rule.rule, request.method)
    if known is None:
        return None  # not a documented operation (the site's search and feedback)
    return next((name for name in request.args if name not in known), None)


def _view_accepts_form() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_form", False))


def check_request():
    """Refuse what no view may see; None lets the request through."""
    if request.routing_exception is not None:
        return None  # 404 / 405 answer first
    problem = text_problem(request.path)
    if problem:
        return _refuse(400, f"The path {problem}.")
    bad = _pairs_problem(request.args.items(multi=True), "query parameter")
    if bad:
        return _refuse(400, bad.message, bad.field)
    unknown = _unknown_query()
    if unknown is not None:  # "" is a name too (``?=x``)
        return error_response(422, f"{unknown!r}: unknown query parameter", field=unknown)
    if request.method not in BODY_METHODS:
        return None
    _bounded_body()
    if is_api() and not request.is_json and not _view_accepts_form():
        return error_response(415)
    if request.is_json:
        return _check_json()
    if is_api():
        bad = _pairs_problem(request.form.items(multi=True), "field")
        if bad:
            return error_response(422, f"{bad.field}: {bad.message}", field=bad.field)
    return None


def _bounded_body() -> None:
    """A body without Content-Length (chunked) is read up to MAX_CONTENT_LENGTH here: 413 past it.

    Werkzeug stops a streamed body at the limit without an error, so the view would see it cut
    short (a JSON syntax error, a truncated form) instead of "too large".
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()  # before the media type: the size is known already
        return
    data = request.get_data(cache=True)  # later readers (JSON, form) use this copy
    if len(data) >= limit:
        request.stream.read(1)  # at the limit: the stream raises RequestEntityTooLarge (413)


def _check_json():
    """Parse the body once (the views read the cached result) and walk it."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        return error_response(400, "The body is not valid JSON: it is nested too deeply.")
    if data is None:
        return None  # the view answers what a missing or broken body means
    bad = json_problem(data)
    if bad is None:
        return None
    status = 400 if bad.message.startswith("nested") else 422
    return error_response(status, f"{bad.field}: {bad.message}", field=bad.field)


class TextForm(FlaskForm):
    """A form whose every text field follows the desk's text rules (the field shows why not)."""

    def validate(self, extra_validators=None) -> bool:
        """The fields' own validators, then the shared text rules on every string value."""
        ok = super().validate(extra_validators)
        for field in self:
            problem = text_problem(field.data) if isinstance(field.data, str) else None
            if problem:
                field.errors = [*field.errors, FORM_MESSAGES[problem]]
                ok = False
        return ok


def _api_headers(response):
    return apply_api_headers(response) if is_api() else response


def init_app(app: Flask) -> None:
    """Install the edge check on every request, and the API's response headers."""
    app.before_request(check_request)
    app.after_request(_api_headers)
