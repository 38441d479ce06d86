"""``triage kb check``: every problem in the knowledge base, one located line each."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from triage.kb.articles import (
    LANGS,
    Article,
    ArticleError,
    DraftFrontMatter,
    FrontMatter,
    article_files,
    name_parts,
    parse_article,
)
from triage.kb.raw_html import ALLOWED, raw_html, tag_in_text

_LINK_RE = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_PLAIN_FIELDS = ("title", "summary", "questions", "tags")
_DRAFT_FIELDS = ("summary", "applies_to", "questions", "owner", "updated", "review_by")


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, which field, what is wrong, and how bad."""

    path: str
    line: int
    field: str
    message: str
    severity: str = "error"

    def format(self, root: Path | None = None) -> str:
        """``path:LINE: field: message`` with the path relative to root when possible."""
        path = Path(self.path)
        if root is not None:
            try:
                path = path.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{path}:{self.line}: {self.field}: {prefix}{self.message}"


def _location(article: Article, kb_root: Path) -> list[Problem]:
    """The file must live at ``<class>/<id>.<lang>.md``."""
    p = Path(article.path)
    slug, lang = name_parts(p)
    out = []
    if lang is None:
        out.append(
            Problem(article.path, 1, "file", f"name must end in .<lang>.md ({', '.join(LANGS)})")
        )
    elif lang != article.lang:
        out.append(
            Problem(
                article.path,
                article.line_of("lang"),
                "lang",
                f"{article.lang!r} does not match the file suffix .{lang}.md",
            )
        )
    if slug != article.id:
        out.append(
            Problem(
                article.path,
                article.line_of("id"),
                "id",
                f"{article.id!r} does not match the file name {p.name!r}",
            )
        )
    try:
        folder = p.resolve().parent.relative_to(kb_root.resolve()).as_posix()
    except ValueError:
        folder = p.parent.name
    if folder != article.request_class and article.request_class:
        out.append(
            Problem(
                article.path,
                article.line_of("class"),
                "class",
                f"article of class {article.request_class!r} lies in folder {folder!r}",
            )
        )
    return out


def _links(article: Article) -> list[Problem]:
    """Relative links to other Markdown files must point at an existing article."""
    out = []
    base = Path(article.path).parent
    first = article.line_of("body")
    for offset, line in enumerate(article.body.splitlines()):
        for target in _LINK_RE.findall(line):
            if "://" in target or target.startswith(("#", "/", "mailto:")):
                continue
            path = target.split("#", 1)[0]
            if not path.endswith(".md"):
                continue
            if not _link_exists(base / path, article.lang):
                out.append(
                    Problem(article.path, first + offset, "link", f"{target!r} points nowhere")
                )
    return out


def _html(article: Article) -> list[Problem]:
    """Raw HTML outside the allow-list in the body, any tag in the texts shown in page heads."""
    first = article.line_of("body")
    allowed = ", ".join(f"<{t}>" for t in sorted(ALLOWED))
    out = [
        Problem(
            article.path,
            first + found.offset,
            "body",
            f"{found.message} (only {allowed} without attributes; write Markdown, "
            "or put code in `backticks`)",
        )
        for found in raw_html(article.body)
    ]
    for name in _PLAIN_FIELDS:
        value = getattr(article, name)
        texts = value if isinstance(value, tuple | list) else (value,)
        if any(isinstance(t, str) and tag_in_text(t) for t in texts):
            out.append(
                Problem(article.path, article.line_of(name), name, "must not hold HTML tags")
            )
    return out


def _link_exists(target: Path, lang: str) -> bool:
    if target.is_file():
        return True
    stem = target.name[: -len(".md")]
    return any((target.parent / f"{stem}.{x}.md").is_file() for x in (lang, "en"))


def _semantic(article: Article, classes: set[str], today: date) -> list[Problem]:
    out = []
    if article.request_class not in classes:
        out.append(
            Problem(
                article.path,
                article.line_of("class"),
                "class",
                f"unknown request class {article.request_class!r} "
                f"(policy.yml has: {', '.join(sorted(classes))})",
            )
        )
    if not article.body.strip():
        out.append(Problem(article.path, article.line_of("body"), "body", "must not be empty"))
    if article.review_by and article.review_by < today and not article.is_draft:
        out.append(
            Problem(
                article.path,
                article.line_of("review_by"),
                "review_by",
                f"review date {article.review_by} has passed",
                "warning",
            )
        )
    if article.is_draft:
        out.extend(_draft_gaps(article))
    return out


def _draft_gaps(article: Article) -> list[Problem]:
    """What a draft still needs before it can drop ``status: draft``."""
    missing = [f for f in _DRAFT_FIELDS if not getattr(article, f)]
    if len(article.questions) < 3:
        missing.append("questions (at least 3)") if "questions" not in missing else None
    todo = "TODO" in article.body
    line = article.line_of("status")
    if missing or todo:
        what = ", ".join(missing + (["TODO markers in the body"] if todo else []))
        return [Problem(article.path, line, "status", f"draft still missing: {what}", "warning")]
    return [
        Problem(
            article.path,
            line,
            "status",
            "draft is complete: remove 'status: draft' to publish it",
            "warning",
        )
    ]


def _across(articles: Iterable[Article]) -> list[Problem]:
    """Duplicate ids within a language and translations filed under another class."""
    out = []
    by_key: dict[tuple[str, str], list[Article]] = defaultdict(list)
    by_id: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        by_key[(a.id, a.lang)].append(a)
        by_id[a.id].append(a)
    for (aid, lang), group in sorted(by_key.items()):
        for dup in group[1:]:
            out.append(
                Problem(
                    dup.path,
                    dup.line_of("id"),
                    "id",
                    f"duplicate id {aid!r} in language {lang!r} (also in {group[0].path})",
                )
            )
    for aid, group in sorted(by_id.items()):
        first = sorted(group, key=lambda a: (a.lang != "en", a.lang))[0]
        for other in group:
            if other.request_class != first.request_class:
                out.append(
                    Problem(
                        other.path,
                        other.line_of("class"),
                        "class",
                        f"translation of {aid!r} has class {other.request_class!r}, "
                        f"but {first.path} has {first.request_class!r}",
                    )
                )
    return out


def check_kb(root: Path | str, classes: Iterable[str], today: date) -> list[Problem]:
    """Check every article below root and return all problems, in file order."""
    return check_and_load(root, classes, today)[0]


def check_and_load(
    root: Path | str, classes: Iterable[str], today: date
) -> tuple[list[Problem], list[Article]]:
    """Like ``check_kb``, also returning the articles that parsed (drafts included).

    The site hook uses it to read each file once.
    """
    root = Path(root)
    classes = set(classes)
    problems: list[Problem] = []
    articles: list[Article] = []
    files = article_files(root)
    if not files:
        return [Problem(str(root), 1, "kb", "no articles found")], []
    for path in files:
        try:
            article = parse_article(path.read_text(encoding="utf-8"), path)
        except ArticleError as exc:
            problems.append(Problem(exc.path, exc.line, exc.field, exc.message))
            continue
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), 1, "file", f"not UTF-8 text: {exc.reason}"))
            continue
        articles.append(article)
        problems += _location(article, root) + _links(article) + _html(article)
        problems += _semantic(article, classes, today)
    problems += _across(articles)
    return sorted(problems, key=lambda p: (p.path, p.line, p.field)), articles


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that fail a check (warnings excluded)."""
    return [p for p in problems if p.severity == "error"]


__all__ = [
    "Problem",
    "check_kb",
    "check_and_load",
    "errors_only",
    "FrontMatter",
    "DraftFrontMatter",
]
