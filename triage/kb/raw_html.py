"""Raw HTML in articles: what ``triage kb check`` refuses, and how drafts escape customer text.

The help site renders article bodies as Markdown, which lets raw HTML through as it is: a
``<script>`` or ``<img onerror>`` copied from a ticket would run on the site. Bodies may hold
only a few plain tags without attributes (``ALLOWED``) and HTML comments; code spans and code
blocks are text, not HTML. Front-matter texts (title, summary, questions, tags) are shown in
the page's head and lists without escaping, so they may hold no tag at all. The body is read
with markdown-it (CommonMark), whose tokens name raw HTML exactly, with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt

#: Tags an article body may use, written without attributes.
ALLOWED = frozenset({"kbd", "br", "sup", "sub", "details", "summary"})
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[\s/][^<>]*)?)>")
_ANY_TAG = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9-]*(?:[\s/][^<>]*)?>|!|\?)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]])")


@dataclass(frozen=True)
class RawHtml:
    """One piece of raw HTML that is not allowed: the body line it starts on (0-based), why."""

    offset: int
    message: str


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def _refused(html: str) -> str | None:
    """Why a raw HTML snippet is refused, or None when it only uses the allow-list."""
    rest = _COMMENT.sub("", html)
    for m in _TAG.finditer(rest):
        closing, name, attrs = m.groups()
        name = name.lower()
        if name not in ALLOWED:
            return f"raw HTML <{closing}{name}> is not allowed in an article"
        if attrs.strip().rstrip("/").strip():
            return f"raw HTML <{name}> may not have attributes"
    if "<!" in rest or "<?" in rest:
        return "raw HTML declarations or processing instructions are not allowed"
    return None


def raw_html(body: str) -> list[RawHtml]:
    """Every refused piece of raw HTML of a Markdown body, with its line."""
    found: list[RawHtml] = []
    for token in _parser().parse(body):
        if token.type == "html_block" and token.map:
            why = _refused(token.content)
            if why:
                found.append(RawHtml(token.map[0], why))
        elif token.type == "inline" and token.map and token.children:
            line = token.map[0]
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                elif child.type == "html_inline":
                    why = _refused(child.content)
                    if why:
                        found.append(RawHtml(line, why))
    return found


def tag_in_text(text: str) -> bool:
    """Whether a plain text (a title, a question) holds anything a browser would take as HTML."""
    return bool(_ANY_TAG.search(text))


def escape_markdown(text: str) -> str:
    """Text shown as written once rendered as Markdown: no HTML, link, code or emphasis."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def plain_text(text: str) -> str:
    """Text for the front matter: tags removed, any other angle bracket dropped."""
    return re.sub(r"[<>]", "", _TAG.sub("", _COMMENT.sub("", text)))
