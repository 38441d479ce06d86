"""The article parser: valid files, located errors, and the loose parser for foreign KBs."""

from datetime import date

import pytest

from triage.kb.articles import ArticleError, article_url, load_kb, parse_article, parse_loose

GOOD = """---
id: reset-password
title: Reset a forgotten password
summary: Send yourself a reset link and choose a new password.
lang: en
class: access
tags: [password]
applies_to:
  module: Console
  versions: [">= 4.0", "3.9"]
questions: [a, b, c]
updated: 2026-11-02
owner: docs
review_by: 2027-05-01
---

# Reset
Body text.
"""


def test_parse_valid_article():
    a = parse_article(GOOD, "kb/access/reset-password.en.md")
    assert (a.id, a.lang, a.request_class, a.title) == (
        "reset-password",
        "en",
        "access",
        "Reset a forgotten password",
    )
    assert a.applies_to[0].module == "Console" and a.applies_to[0].versions == ">= 4.0, 3.9"
    assert a.questions == ("a", "b", "c") and a.updated == date(2026, 11, 2)
    assert a.body.startswith("\n# Reset") and a.line_of("body") == 16
    assert a.url == "access/reset-password/" and not a.is_draft


@pytest.mark.parametrize(
    "old, new, line, field",
    [
        ("lang: en", "lang: fr", 5, "lang"),
        ("id: reset-password", "id: Reset Password", 2, "id"),
        ("questions: [a, b, c]", "questions: [a, b]", 11, "questions"),
        ("class: access\n", "", 1, "class"),
        ("updated: 2026-11-02", "updated: someday", 12, "updated"),
        ("owner: docs", "owner: docs\ncolour: red", 14, "colour"),
        ("  module: Console", "  module: ''", 9, "applies_to.0.module"),
        ("title: Reset a forgotten password", "title: [unclosed", 3, "front matter"),
    ],
)
def test_errors_name_file_line_and_field(old, new, line, field):
    with pytest.raises(ArticleError) as err:
        parse_article(GOOD.replace(old, new), "kb/x.en.md")
    assert (err.value.path, err.value.line, err.value.field) == ("kb/x.en.md", line, field)
    assert str(err.value).startswith(f"kb/x.en.md:{line}: {field}: ")


def test_missing_front_matter():
    with pytest.raises(ArticleError, match="missing"):
        parse_article("# Just a heading\n", "kb/a.en.md")


def test_draft_may_be_incomplete():
    a = parse_article(
        "---\nid: new-thing\ntitle: New thing\nlang: en\nclass: server\nstatus: draft\n---\nTODO\n",
        "kb/server/new-thing.en.md",
    )
    assert a.is_draft and a.questions == ()


def test_load_kb_skips_drafts(kb_dir):
    from tests.conftest import write_article

    write_article(kb_dir, "server", "draft-one", status="draft")
    ids = {(a.id, a.lang) for a in load_kb(kb_dir)}
    assert ("draft-one", "en") not in ids and ("reset-password", "ru") in ids
    assert ("draft-one", "en") in {(a.id, a.lang) for a in load_kb(kb_dir, include_drafts=True)}


def test_loose_parser_fills_missing_fields():
    a = parse_loose("---\nid: 42\ntitle: Connect a domain\n---\nText", "x/kb/42.md")
    assert (a.id, a.title, a.lang, a.questions) == ("42", "Connect a domain", "en", ())
    b = parse_loose("# Heading here\nbody", "x/some-page.de.md")
    assert (b.id, b.title, b.lang) == ("some-page", "Heading here", "de")


def test_article_url_per_language():
    assert article_url("access", "x", "en") == "access/x/"
    assert article_url("access", "x", "ru") == "ru/access/x/"
