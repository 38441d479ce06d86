"""Reading API requests: the JSON body, typed fields with limits, and the clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from flask import abort, current_app, jsonify, request

from triage.desk.intake import InvalidField
from triage.desk.views import to_jsonable


def now() -> datetime:
    """The current moment, aware UTC (tests may pin it with config ``NOW``)."""
    pinned = current_app.config.get("NOW")
    return pinned if isinstance(pinned, datetime) else datetime.now(UTC)


def body() -> dict[str, Any]:
    """The request's JSON object; 400 when the body is not one."""
    data = request.get_json(silent=True)  # the edge refused any other media type (415)
    if not isinstance(data, dict):
        abort(400, description="The body must be a JSON object.")
    return data


def text(
    data: dict[str, Any],
    name: str,
    *,
    required: bool = False,
    nonblank: bool = False,
    max_len: int = 20000,
    choices: Sequence[str] | None = None,
) -> str | None:
    """A string field, stripped: None when absent or null; InvalidField (422) when wrong."""
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidField(name, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidField(name, "must be a string")
    value = value.strip()
    if (required or nonblank) and not value:
        raise InvalidField(name, "must not be empty")
    if len(value) > max_len:
        raise InvalidField(name, f"at most {max_len} characters")
    if choices is not None and value not in choices:
        raise InvalidField(name, f"must be one of: {', '.join(choices)}")
    return value


def flag(data: dict[str, Any], name: str, default: bool = False) -> bool:
    """A boolean field."""
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise InvalidField(name, "must be true or false")
    return value


def integer(data: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    """An integer field within [low, high]."""
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidField(name, f"must be an integer from {low} to {high}")
    return value


def query_flag(name: str) -> bool:
    """A boolean query parameter: true/false/1/0 (absent: false)."""
    raw = request.args.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise InvalidField(name, "must be true or false")
    return raw in ("true", "1")


def query_int(name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high]."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidField(name, f"must be an integer from {low} to {high}")
    return int(raw)


def reply(value: Any, status: int = 200):
    """A JSON response of a dataclass or plain data."""
    response = jsonify(to_jsonable(value))
    response.status_code = status
    return response
