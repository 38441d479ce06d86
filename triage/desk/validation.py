"""The text rules every channel applies at its edge, and the one table of field limits.

Pure functions. A text may not hold NUL (PostgreSQL cannot store it) nor a lone surrogate
(not Unicode: no database can encode it); a JSON document may not nest deeper than
``MAX_DEPTH``. The web edge refuses such input (``triage.web.validation``); mail, which
cannot be asked again, is cleaned instead (``clean_text``).
"""

from __future__ import annotations

import re
from typing import Any

#: The longest value each field may hold, in characters: the API, the forms, the desk and the
#: OpenAPI document (checked by a test) all read it from here.
LIMITS = {
    "question": 5000,
    "description": 20000,
    "steps": 20000,
    "contact": 320,
    "module": 200,
    "version": 100,
    "message": 20000,
    "reason": 2000,
    "assignee": 100,
    "name": 100,
    "password": 200,
    "article": 200,
    "session": 64,
    "token": 200,
}
#: How deep a JSON body may nest (an Alertmanager payload needs 4).
MAX_DEPTH = 32
NUL_MESSAGE = "must not contain NUL characters"
SURROGATE_MESSAGE = "must be valid Unicode text (a lone surrogate is not)"
_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidField(ValueError):
    """A field with a value the desk cannot accept; nothing was changed."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def text_problem(value: str) -> str | None:
    """What is wrong with a text by the rules every channel shares, or None."""
    if "\x00" in value:
        return NUL_MESSAGE
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE
    return None


def check_text(field: str, value: str) -> str:
    """The text unchanged; InvalidField naming the field when it breaks a rule."""
    problem = text_problem(value)
    if problem:
        raise InvalidField(field, problem)
    return value


def clean_text(value: str) -> str:
    """The text with NULs removed and lone surrogates replaced by U+FFFD (for mail)."""
    return _SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def json_problem(data: Any, max_depth: int = MAX_DEPTH) -> InvalidField | None:
    """The first key or string of a parsed JSON document that breaks a rule, or too deep a nest.

    Walks without recursion, so that any depth is safe to look at.
    """
    stack: list[tuple[str, Any, int]] = [("body", data, 0)]
    while stack:
        where, node, depth = stack.pop()
        if isinstance(node, str):
            problem = text_problem(node)
            if problem:
                return InvalidField(where, problem)
        elif isinstance(node, dict | list):
            if depth >= max_depth:
                return InvalidField(where, f"nested deeper than {max_depth} levels")
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                name = _child(where, key)
                if isinstance(key, str) and text_problem(key):
                    return InvalidField(name, f"key {text_problem(key)}")
                stack.append((name, value, depth + 1))
    return None


def _child(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    key = clean_text(str(key))[:100]  # the name is echoed in the error: keep it printable
    return key if where == "body" else f"{where}.{key}"
