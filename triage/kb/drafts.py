"""An article from an incident: a draft in ``kb/<class>/<slug>.<lang>.md`` for a writer to finish.

The front matter is filled from the resolved ticket (class, language, applies_to from module
and version, the customer's wording as the first question, ``incidents: [ref]``, owner, dates)
with ``status: draft``; the body is a skeleton with the customer's description and the
resolution, and ``TODO`` markers where the writer must complete it. ``triage kb check`` lists
what a draft still misses; drafts never reach the site or the suggestions. An existing file is
never overwritten: the draft takes the first free slug (``-2``, ``-3``, ...).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from triage.kb.articles import LANGS
from triage.kb.raw_html import escape_markdown, plain_text

REVIEW_AFTER = timedelta(days=182)
MAX_SLUG = 60
MAX_TITLE = 80
_TRANSLIT = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфхцы", "abvgdezijklmnoprstufhcy", strict=True)),
        "ё": "e",
        "ж": "zh",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "є": "ye",
        "і": "i",
        "ї": "yi",
        "ґ": "g",
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
    }  # fmt: skip
)
SECTIONS = {
    "en": ("Symptoms", "Cause", "Solution", "When to ask support"),
    "ru": ("Симптомы", "Причина", "Решение", "Когда писать в поддержку"),
    "uk": ("Симптоми", "Причина", "Рішення", "Коли писати в підтримку"),
    "de": ("Symptome", "Ursache", "Lösung", "Wann Sie den Support kontaktieren"),
}


class DraftError(ValueError):
    """A draft that cannot be written as asked; nothing was written."""


@dataclass(frozen=True)
class Incident:
    """What a draft takes from a resolved ticket."""

    ref: str
    request_class: str
    lang: str
    module: str
    version: str
    description: str
    steps: str = ""
    resolution: str = ""  # the resolve message and the replies that solved it


def slugify(text: str) -> str:
    """A lowercase ASCII slug (Cyrillic transliterated, umlauts spelled out), at most 60 chars."""
    text = text.lower().translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > MAX_SLUG:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug or "incident"


def title_of(description: str) -> str:
    """The first line of the customer's text as plain text (no tags), at most 80 chars."""
    description = plain_text(description)
    first = next((x.strip() for x in description.splitlines() if x.strip()), "").rstrip(".?!")
    if len(first) <= MAX_TITLE:
        return first if len(first) >= 3 else f"{first} (TODO title)".strip()
    return first[:MAX_TITLE].rsplit(" ", 1)[0] + "…"


def taken_ids(root: Path) -> set[str]:
    """Every article id below root, any class and language (from the file names)."""
    return {p.name.split(".", 1)[0] for p in Path(root).rglob("*.md")}


def free_slug(root: Path, wanted: str) -> str:
    """``wanted`` or ``wanted-2``, ``wanted-3``, ...: the first id no file below root uses."""
    taken = taken_ids(root)
    slug, n = wanted, 1
    while slug in taken:
        n += 1
        slug = f"{wanted}-{n}"
    return slug


def front_matter(inc: Incident, slug: str, owner: str, today: date) -> dict:
    """The draft's front matter: what the ticket tells, the rest left for the writer."""
    module, version = plain_text(inc.module).strip(), plain_text(inc.version).strip()
    applies = [{"module": module, "versions": version or "all"}]
    question = " ".join(plain_text(inc.description).split())[:300]
    return {
        "id": slug,
        "title": title_of(inc.description),
        "summary": "",
        "lang": inc.lang,
        "class": inc.request_class,
        "status": "draft",
        "tags": [],
        "applies_to": applies if module else [],
        "questions": [question] if question else [],
        "incidents": [inc.ref],
        "owner": owner,
        "updated": today,
        "review_by": today + REVIEW_AFTER,
    }


def _quote(text: str) -> str:
    """The customer's words as a quote, escaped: shown as written, never run as HTML."""
    lines = text.strip().splitlines()
    return "\n".join(f"> {escape_markdown(x)}" if x.strip() else ">" for x in lines)


def body(inc: Incident, title: str, today: date) -> str:
    """The body skeleton: description and resolution from the ticket, TODO where it is missing."""
    symptoms, cause, solution, ask = SECTIONS.get(inc.lang, SECTIONS["en"])
    steps = f"\n\n{_quote(inc.steps)}" if inc.steps.strip() else ""
    fix = _quote(inc.resolution) if inc.resolution.strip() else "TODO: the steps that solved it."
    return (
        f"# {escape_markdown(title)}\n\n"
        f"<!-- Drafted from incident {inc.ref} on {today.isoformat()}. Complete every TODO, "
        "add a summary and at least three questions, then remove `status: draft`. -->\n\n"
        "TODO: one paragraph: who meets this problem and what they see.\n\n"
        f"## {symptoms}\n\n{_quote(inc.description)}{steps}\n\n"
        "TODO: rewrite the customer's words above as the symptoms others will recognise.\n\n"
        f"## {cause}\n\nTODO: why it happens.\n\n"
        f"## {solution}\n\n{fix}\n\n"
        "TODO: turn the resolution into steps for customers (no internal names or hosts).\n\n"
        f"## {ask}\n\nTODO: what to send support if the steps do not help.\n"
    )


def draft_text(inc: Incident, slug: str, owner: str, today: date) -> str:
    """The whole draft file: front matter and body."""
    meta = front_matter(inc, slug, owner, today)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{body(inc, meta['title'], today)}"


def write_draft(
    root: Path, inc: Incident, owner: str, today: date, slug: str | None = None
) -> Path:
    """Write a new draft below root and return its path; never replaces an existing file."""
    if inc.lang not in LANGS:
        raise DraftError(f"language {inc.lang!r} is not one of {', '.join(LANGS)}")
    if not inc.request_class or "/" in inc.request_class or inc.request_class.startswith("."):
        raise DraftError(f"cannot file a draft under class {inc.request_class!r}")
    if not inc.description.strip():
        raise DraftError(f"{inc.ref} has no description to draft from")
    root = Path(root)
    folder = root / inc.request_class
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(100):  # another writer may take the slug between the check and the write
        chosen = free_slug(root, slugify(slug or title_of(inc.description)))
        path = folder / f"{chosen}.{inc.lang}.md"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(draft_text(inc, chosen, owner, today))
        return path
    raise DraftError(f"no free slug found for {inc.ref}")
