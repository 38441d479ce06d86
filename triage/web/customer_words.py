"""The customer's words on the status page (``customer.yml``: a table per language) and links.

``say("text.solved_it")`` is a sentence in the page's language, ``status_words(key)`` where the
work stands (keys from ``triage.desk.tracking.customer_status``), ``field_label(name)`` an intake
field as the customer knows it. ``linkify`` makes the links of a message clickable, safely.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape

WORDS_FILE = Path(__file__).resolve().parent / "customer.yml"
DEFAULT = "en"


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The words of every language, loaded once."""
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _lang(lang: str | None) -> str:
    if lang in table():
        return str(lang)
    from triage.web import i18n

    current = i18n.lang()
    return current if current in table() else DEFAULT


def say(key: str, lang: str | None = None, **values: Any) -> str:
    """A sentence of the table (``section.name``) in the language, its placeholders filled."""
    section, name = key.split(".", 1)
    words = table()[_lang(lang)][section]
    text = words.get(name) or table()[DEFAULT][section][name]
    return text.format(**values) if values else text


def status_words(key: str, lang: str | None = None) -> str:
    """Where the work stands, in the customer's words."""
    return say(f"status.{key}", lang)


def field_label(name: str, lang: str | None = None) -> str:
    """An intake field's name for the customer."""
    return say(f"fields.{name}", lang)


# http(s) links, and site paths such as /access/reset-password/ (never //host or a scheme)
_LINK = re.compile(r"""(?<![^\s(])(https?://[^\s<>"']+|/[A-Za-z0-9_-][^\s<>"']*)""")
_TRAILING = ".,;:!?)»”'"


def linkify(text: str | None) -> Markup:
    """The text escaped, its http(s) and site-relative links made links (rel=noopener)."""
    out: list[str] = []
    for i, part in enumerate(_LINK.split(text or "")):
        if i % 2 == 0:
            out.append(str(escape(part)))
            continue
        url = part.rstrip(_TRAILING)
        tail = part[len(url) :]
        href = escape(url)
        out.append(f'<a href="{href}" rel="noopener noreferrer">{href}</a>{escape(tail)}')
    return Markup("".join(out))
