"""Knowledge-base articles: the front-matter schema, a pure parser and a loader.

One Markdown file per article and language, ``kb/<class>/<id>.<lang>.md``. The same
``parse_article`` feeds the site hook, the search index, the classifier and the checker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LANGS: tuple[str, ...] = ("en", "ru", "uk", "de")
DEFAULT_LANG = "en"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME_RE = re.compile(r"^(?P<slug>[^.]+?)(?:\.(?P<lang>[a-z]{2}))?\.md$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml parses ~10x faster
_FRONT_RE = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class ArticleError(Exception):
    """A problem with one article, located by file, line and field."""

    def __init__(self, path: Path | str, line: int, field: str, message: str):
        super().__init__(f"{path}:{line}: {field}: {message}")
        self.path, self.line, self.field, self.message = str(path), line, field, message


@dataclass(frozen=True)
class AppliesTo:
    """A product module and the versions an article covers."""

    module: str
    versions: str = "all"


@dataclass(frozen=True)
class Article:
    """One article in one language, as written in ``kb/``."""

    id: str
    title: str
    lang: str
    request_class: str
    body: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    applies_to: tuple[AppliesTo, ...] = ()
    questions: tuple[str, ...] = ()
    updated: date | None = None
    owner: str = ""
    review_by: date | None = None
    incidents: tuple[str, ...] = ()
    status: str = "published"
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_draft(self) -> bool:
        """Whether the article is still a draft (kept out of the site and suggestions)."""
        return self.status == "draft"

    @property
    def url(self) -> str:
        """The article's path in the help site, relative to the site root."""
        return article_url(self.request_class, self.id, self.lang)

    def line_of(self, name: str) -> int:
        """The line of a front-matter field in the file (1 when unknown)."""
        return self.lines.get(name, 1)


class _AppliesToModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    module: str = Field(min_length=1)
    versions: str = "all"

    @field_validator("versions", mode="before")
    @classmethod
    def _versions_as_text(cls, v: object) -> object:
        return ", ".join(str(x) for x in v) if isinstance(v, list) else (str(v) if v else v)


class FrontMatter(BaseModel):
    """The schema of a published article's front matter."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str
    title: str = Field(min_length=3, max_length=160)
    summary: str = Field(min_length=10, max_length=400)
    lang: Literal["en", "ru", "uk", "de"]
    request_class: str = Field(alias="class", min_length=1)
    tags: list[str] = Field(default_factory=list)
    applies_to: list[_AppliesToModel] = Field(min_length=1)
    questions: list[str] = Field(min_length=3)
    updated: date
    owner: str = Field(min_length=1)
    review_by: date
    incidents: list[str] = Field(default_factory=list)
    status: Literal["published", "draft"] = "published"

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError("must be a lowercase slug of letters, digits and hyphens")
        return v

    @field_validator("applies_to", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, dict) else v

    @field_validator("questions", "tags")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not str(x).strip() for x in v):
            raise ValueError("must not contain empty entries")
        return [str(x).strip() for x in v]


class DraftFrontMatter(FrontMatter):
    """Drafts may still miss what a writer completes later."""

    summary: str = ""
    applies_to: list[_AppliesToModel] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    owner: str = ""
    updated: date | None = None
    review_by: date | None = None


def article_url(request_class: str, article_id: str, lang: str) -> str:
    """Where an article lives in the built site: ``[<lang>/]<class>/<id>/``."""
    prefix = "" if lang == DEFAULT_LANG else f"{lang}/"
    return f"{prefix}{request_class}/{article_id}/"


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Split text into (front matter, body, first body line); no front matter gives ''."""
    m = _FRONT_RE.match(text)
    if not m:
        return "", text, 1
    return m.group(1) or "", text[m.end() :], text[: m.end()].count("\n") + 1


def _key_lines(front: str) -> dict[str, int]:
    """Map each key path of the front matter (``applies_to.0.module``) to its file line."""
    try:
        node = yaml.compose(front, Loader=_LOADER)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}

    def walk(n: yaml.Node, prefix: str) -> None:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = f"{prefix}{k.value}"
                lines[key] = k.start_mark.line + 2
                walk(v, key + ".")
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                lines[f"{prefix}{i}"] = v.start_mark.line + 2
                walk(v, f"{prefix}{i}.")

    if isinstance(node, yaml.MappingNode):
        walk(node, "")
    return lines


def name_parts(path: Path | str) -> tuple[str, str | None]:
    """The slug and language suffix of a file name (``a-b.ru.md`` -> ``("a-b", "ru")``)."""
    m = FILENAME_RE.match(Path(path).name)
    if not m:
        return Path(path).stem, None
    lang = m.group("lang")
    return m.group("slug"), lang if lang in LANGS else None


def _read_meta(text: str, path: str) -> tuple[dict, str, int, dict[str, int]]:
    front, body, body_line = split_front_matter(text)
    if not front.strip():
        raise ArticleError(path, 1, "front matter", "missing: the file must start with '---'")
    try:
        meta = yaml.load(front, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = getattr(mark, "line", 0) + 2
        raise ArticleError(path, line, "front matter", f"invalid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ArticleError(path, 2, "front matter", "must be a mapping of fields")
    return meta, body, body_line, _key_lines(front)


def _first_error(exc: ValidationError, path: str, lines: dict[str, int]) -> ArticleError:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    name = loc[0] if loc else "front matter"
    name = "class" if name == "request_class" else name
    dotted = ".".join([name, *loc[1:]])
    parts = dotted.split(".")
    plain = [x for x in parts if not x.isdigit()]  # a single mapping given for a list
    known = [dotted, ".".join(plain)] + [".".join(parts[:i]) for i in range(len(parts), 0, -1)]
    line = next((lines[k] for k in known if k in lines), 1)
    return ArticleError(path, line, dotted, err["msg"])


def parse_article(text: str, path: Path | str = "<string>") -> Article:
    """Parse and validate one article; raise ArticleError naming file, line and field."""
    path = str(path)
    meta, body, body_line, lines = _read_meta(text, path)
    schema = DraftFrontMatter if meta.get("status") == "draft" else FrontMatter
    try:
        fm = schema.model_validate(meta)
    except ValidationError as exc:
        raise _first_error(exc, path, lines) from None
    lines = {**lines, "body": body_line}
    return Article(
        id=fm.id,
        title=fm.title.strip(),
        lang=fm.lang,
        request_class=fm.request_class,
        body=body,
        summary=fm.summary.strip(),
        tags=tuple(fm.tags),
        applies_to=tuple(AppliesTo(a.module, a.versions) for a in fm.applies_to),
        questions=tuple(fm.questions),
        updated=fm.updated,
        owner=fm.owner,
        review_by=fm.review_by,
        incidents=tuple(fm.incidents),
        status=fm.status,
        path=path,
        lines=lines,
    )


def parse_loose(text: str, path: Path | str = "<string>") -> Article:
    """Parse any Markdown file with at least an ``id`` or a file name; fill what is missing.

    Used by ``triage eval suggest`` on foreign knowledge bases whose front matter may hold
    only ``id`` and ``title``.
    """
    path = str(path)
    front, body, _ = split_front_matter(text)
    try:
        meta = yaml.load(front, Loader=_LOADER) if front.strip() else {}
    except yaml.YAMLError:
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    slug, lang = name_parts(path)
    title = str(meta.get("title") or _first_heading(body) or slug)
    questions = meta.get("questions") or ()
    return Article(
        id=str(meta.get("id") or slug),
        title=title,
        lang=str(meta.get("lang") or lang or DEFAULT_LANG),
        request_class=str(meta.get("class") or "unknown"),
        body=body,
        summary=str(meta.get("summary") or ""),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        questions=tuple(str(q) for q in questions) if isinstance(questions, list) else (),
        path=path,
    )


def _first_heading(body: str) -> str | None:
    m = re.search(r"^#\s+(.+)$", body, re.MULTILINE)
    return m.group(1).strip() if m else None


def article_files(root: Path | str) -> list[Path]:
    """Every Markdown file below root, in a stable order."""
    return sorted(p for p in Path(root).rglob("*.md") if p.is_file())


def load_kb(root: Path | str, include_drafts: bool = False) -> list[Article]:
    """Parse every article below root; raise ArticleError on the first broken one."""
    articles = [parse_article(p.read_text(encoding="utf-8"), p) for p in article_files(root)]
    return [a for a in articles if include_drafts or not a.is_draft]


def load_loose(root: Path | str) -> list[Article]:
    """Parse every Markdown file below root leniently (foreign knowledge bases)."""
    return [parse_loose(p.read_text(encoding="utf-8"), p) for p in article_files(root)]
