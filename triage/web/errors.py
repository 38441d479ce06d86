"""JSON errors for the API: one ``error_response`` and the handlers that map exceptions to it.

Only paths under ``/api/`` get JSON; other pages keep Flask's own error pages.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from triage.desk.intake import InvalidField, TicketNotFound
from triage.desk.lifecycle import IllegalTransition

MESSAGES = {
    400: "The request is malformed.",
    401: "An API token is required: send 'Authorization: Bearer <token>'.",
    403: "Your role does not allow this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Not allowed in the ticket's current state.",
    413: "The request is too large.",
    415: "The body must be JSON (Content-Type: application/json).",
    422: "A field has an invalid value.",
    429: "Too many requests: slow down and retry later.",
    500: "Internal error.",
    503: "The service is not ready.",
}


def error_response(status: int, message: str | None = None, **extra: object) -> Response:
    """A JSON error: ``{"error": {"status", "message", ...}}`` with that HTTP status."""
    body = {"status": status, "message": message or MESSAGES.get(status, "Error."), **extra}
    response = jsonify(error=body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="frontline"'
    return response


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _http(exc: HTTPException):
    if not _is_api():
        return exc
    message = exc.description if exc.code in (400, 404, 413, 429, 503) else None
    if exc.code == 429:
        message = f"Too many requests (limit {exc.description}); retry later."
    if exc.code == 404 and request.blueprint not in ("api", "api_staff"):
        message = f"No API endpoint {request.path}."
    response = error_response(exc.code or 500, message)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def register(app: Flask) -> None:
    """Install the JSON error handlers on the app."""
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(
        IllegalTransition, lambda e: error_response(409, e.message, action=e.action)
    )
    app.register_error_handler(
        InvalidField, lambda e: error_response(422, f"{e.field}: {e.message}", field=e.field)
    )
    app.register_error_handler(TicketNotFound, lambda e: error_response(404, f"No ticket {e.ref}."))
