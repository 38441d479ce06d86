"""A fast scanner for plain HTML: the events ``html.parser`` would report, a regex at a time.

The help site's search index is made by splitting every rendered page with ``html.parser``,
pure Python and one of the costliest steps of a build. What Markdown renders is plain: tags
with double-quoted attributes, text with entities, no comments or scripts. For such text
``scan`` calls a parser's ``handle_starttag``, ``handle_startendtag``, ``handle_endtag`` and
``handle_data`` exactly as ``HTMLParser.feed`` followed by ``close`` would (``convert_charrefs``
on); for anything else it calls nothing and returns False, and the caller feeds the parser.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Protocol

_NAME = r"[a-zA-Z][a-zA-Z0-9]*"
_ATTR = r"\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:=\"[^\"<>]*\")?"
_TAG_RE = re.compile(rf"<(/?)({_NAME})((?:{_ATTR})*)\s*(/?)>")
_ATTR_RE = re.compile(r"\s+([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:=\"([^\"]*)\")?")
_RAW_TEXT = frozenset({"script", "style"})  # html.parser reads their content differently


class Handler(Protocol):
    """The callbacks of ``html.parser.HTMLParser`` that ``scan`` calls."""

    def handle_starttag(self, tag: str, attrs: list) -> None: ...

    def handle_startendtag(self, tag: str, attrs: list) -> None: ...

    def handle_endtag(self, tag: str) -> None: ...

    def handle_data(self, data: str) -> None: ...


def _attrs(text: str) -> list[tuple[str, str | None]]:
    """Attribute pairs as html.parser gives them: names lower-cased, values unescaped."""
    pairs = (m.group(1, 2) for m in _ATTR_RE.finditer(text))
    return [(n.lower(), unescape(v) if v else v) for n, v in pairs]


def events(text: str) -> list[tuple] | None:
    """The parser events for plain HTML, or None when it has anything else."""
    tags = list(_TAG_RE.finditer(text))
    if len(tags) != text.count("<"):
        return None  # a comment, a declaration or a '<' that starts no plain tag
    out: list[tuple] = []
    pos = 0
    for m in tags:
        closing, name, attrs, empty = m.groups()
        name = name.lower()
        if name in _RAW_TEXT or (closing and (attrs or empty)):
            return None
        if pos < m.start():
            out.append(("data", unescape(text[pos : m.start()])))
        if closing:
            out.append(("end", name))
        else:
            out.append(("startend" if empty else "start", name, _attrs(attrs)))
        pos = m.end()
    if pos < len(text):
        out.append(("data", unescape(text[pos:])))
    return out


def scan(text: str, parser: Handler) -> bool:
    """Call the parser's handlers for plain HTML and return True; else call nothing, False."""
    found = events(text)
    if found is None:
        return False
    calls = {
        "start": parser.handle_starttag,
        "startend": parser.handle_startendtag,
        "end": parser.handle_endtag,
        "data": parser.handle_data,
    }
    for kind, *args in found:
        calls[kind](*args)
    return True
