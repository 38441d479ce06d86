"""Translations in kb/ stay translations: same tags, products and commands as the original."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

from tests.conftest import ROOT
from triage.kb.articles import DEFAULT_LANG, Article, load_kb

FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.M | re.S)
COMMENT = re.compile(r"(^|\s)#\s.*$", re.M)  # comments in code may be translated, commands not


def _pairs() -> list[tuple[Article, Article]]:
    by_id: dict[str, dict[str, Article]] = defaultdict(dict)
    for a in load_kb(ROOT / "kb"):
        by_id[a.id][a.lang] = a
    return [
        (langs[DEFAULT_LANG], a)
        for langs in by_id.values()
        if DEFAULT_LANG in langs
        for lang, a in sorted(langs.items())
        if lang != DEFAULT_LANG
    ]


def commands(article: Article) -> list[str]:
    """The fenced code blocks of an article without their comments, in order."""
    blocks = (COMMENT.sub(r"\1", block) for block in FENCE.findall(article.body))
    return ["\n".join(line.rstrip() for line in b.splitlines()) for b in blocks]


PAIRS = _pairs()


def test_the_knowledge_base_has_translations():
    assert {t.lang for _, t in PAIRS} == {"ru", "uk", "de"}


@pytest.mark.parametrize("en,tr", PAIRS, ids=[t.path.split("kb/")[-1] for _, t in PAIRS])
def test_translation_keeps_what_is_not_text(en: Article, tr: Article):
    assert tr.tags == en.tags
    assert tr.applies_to == en.applies_to
    assert (tr.owner, tr.review_by) == (en.owner, en.review_by)
    assert commands(tr) == commands(en)  # commands and error messages verbatim
    assert len(tr.questions) >= 3


def test_commands_ignore_translated_comments_only():
    en = Article("a", "A", "en", "server", "```\ndf -h /   # free space\n```\n")
    de = Article("a", "A", "de", "server", "```\ndf -h /   # freier Platz\n```\n")
    bad = Article("a", "A", "de", "server", "```\ndf -h /home   # freier Platz\n```\n")
    assert commands(en) == commands(de) == ["```\ndf -h /\n```"]
    assert commands(bad) != commands(en)
