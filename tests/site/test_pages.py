"""The generated pages as text (``triage.kb.site``): no site generator involved."""

from __future__ import annotations

import json

import pytest

from tests.conftest import write_article
from triage.kb.articles import load_kb, split_front_matter
from triage.kb.site import (
    Section,
    class_page,
    page_uri,
    rewrite_links,
    site_pages,
    topic_groups,
)

ACCESS = Section("access", {"en": "Access", "ru": "Доступ"}, {"en": "Sign-in and rights."})


@pytest.fixture
def kb(tmp_path):
    """Three articles, a Russian translation and a draft; returns (articles, published)."""
    root = tmp_path / "kb"
    write_article(
        root,
        "access",
        "a",
        tags=["password"],
        body='# A\n\n[b](b.md) [b-ru](b.ru.md#x) [c](../server/c.md "C") [d](d.md) '
        "[web](https://example.org/x.md) [top](#top) ![img](pic.md)\n",
    )
    write_article(root, "access", "a", lang="ru", body="# А\n\n[b](b.md) [c](../server/c.md)\n")
    write_article(root, "access", "b", tags=["2fa"])
    write_article(root, "access", "b", lang="ru", title="Статья b")
    write_article(root, "server", "c")
    write_article(root, "access", "d", status="draft")
    articles = load_kb(root, include_drafts=True)
    published = {(a.id, a.lang): a for a in articles if not a.is_draft}
    return articles, published


def test_links_go_to_pages_in_the_same_language_or_english(kb):
    _, published = kb
    en = rewrite_links(published[("a", "en")], published)
    assert "[b](b.md)" in en  # same folder, same language
    assert "[b-ru](../ru/access/b.md#x)" in en  # an explicit language suffix wins
    assert '[c](../server/c.md "C")' in en
    assert "[web](https://example.org/x.md)" in en and "[top](#top)" in en
    assert "![img](pic.md)" in en  # images are not article links
    ru = rewrite_links(published[("a", "ru")], published)
    assert "[b](b.md)" in ru  # ru/access/b.md exists
    assert "[c](../../server/c.md)" in ru  # no Russian c: the English page


def test_links_to_drafts_become_plain_text(kb):
    _, published = kb
    text = rewrite_links(published[("a", "en")], published)
    assert '"C") d [web]' in text and "d.md" not in text


def test_article_page_front_matter_names_translations(kb):
    articles, _ = kb
    pages = {p.src_uri: p.content for p in site_pages(articles, [ACCESS])}
    front, body, _ = split_front_matter(pages["access/a.md"])
    meta = json.loads(front)
    assert meta["kb"]["translations"] == {"ru": {"name": "Русский", "url": "ru/access/a/"}}
    assert meta["kb"]["applies_to"] == [{"module": "Compute", "versions": ">= 1.0"}]
    assert meta["kb"]["class_name"] == "Access" and meta["kb"]["class_url"] == "access/"
    assert body.lstrip().startswith("# A")
    ru = json.loads(split_front_matter(pages["ru/access/a.md"])[0])
    assert ru["kb"]["class_name"] == "Доступ" and ru["kb"]["class_url"] == "ru/access/"


def test_site_pages_cover_articles_indexes_and_homes_but_not_drafts(kb):
    articles, _ = kb
    pages = site_pages(articles, [ACCESS])
    uris = {p.src_uri for p in pages if "shown_in" not in p.meta.get("kb", {})}
    assert uris == {
        "access/a.md",
        "access/b.md",
        "server/c.md",
        "ru/access/a.md",
        "ru/access/b.md",
        "access/index.md",
        "server/index.md",
        "ru/access/index.md",
        "ru/index.md",
    }
    assert all(page_uri(a) in uris for a in articles if not a.is_draft)
    fallbacks = {p.src_uri for p in pages} - uris  # every missing (article, language)
    assert fallbacks == {
        f"{lang}/{path}"
        for lang in ("uk", "de")
        for path in ("access/a.md", "access/b.md", "server/c.md")
    } | {"ru/server/c.md"}
    assert not any("/d.md" in u for u in fallbacks)  # a draft gets no page in any language


def test_missing_translation_shows_english_under_a_note(kb):
    articles, _ = kb
    pages = {p.src_uri: p for p in site_pages(articles, [ACCESS])}
    page = pages["de/access/a.md"]
    assert page.markdown.startswith(
        '<p class="kb-fallback" lang="de">Dieser Artikel ist noch nicht auf Deutsch verfügbar; '
        "hier ist er auf Englisch.</p>\n\n# A\n"
    )
    kb = page.meta["kb"]
    assert kb["lang"] == "de" and kb["shown_in"] == "en" and kb["id"] == "a"
    assert kb["class_name"] == "Access"  # the section has no German name
    assert kb["class_url"] == "access/"  # no German article in it, so no German section page
    assert set(kb["translations"]) == {"en", "ru"}  # the real versions, the shown one included
    assert page.meta["search"] == {"exclude": True} and page.meta["tags"] == []
    # links from de/access/a.md: no German b or c, so the English pages
    assert "[b](../../access/b.md)" in page.markdown
    assert '[c](../../server/c.md "C")' in page.markdown
    uk = pages["uk/server/c.md"].markdown
    assert uk.startswith('<p class="kb-fallback" lang="uk">Ця стаття ще недоступна українською')
    assert "ось вона англійською мовою." in uk
    ru = pages["ru/server/c.md"].markdown
    assert "Эта статья пока не переведена на русский язык; вот она на английском языке." in ru


def test_fallback_prefers_english_then_the_first_language(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "access", "only-ru", lang="ru", title="Только по-русски")
    write_article(root, "access", "only-ru", lang="de", title="Nur Deutsch und Russisch")
    pages = {p.src_uri: p for p in site_pages(load_kb(root), [ACCESS])}
    en = pages["access/only-ru.md"]
    assert en.meta["kb"]["shown_in"] == "ru" and en.meta["title"] == "Только по-русски"
    assert "not yet available in English; here it is in Russian." in en.markdown
    assert pages["uk/access/only-ru.md"].meta["kb"]["shown_in"] == "ru"
    assert "shown_in" not in pages["ru/access/only-ru.md"].meta["kb"]  # the real Russian page


def test_fallback_links_prefer_the_readers_language(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "access", "a", body="# A\n\nSee [b](b.md).\n")
    write_article(root, "access", "b")
    write_article(root, "access", "b", lang="uk", title="Стаття b")
    pages = {p.src_uri: p for p in site_pages(load_kb(root), [ACCESS])}
    uk, de = pages["uk/access/a.md"], pages["de/access/a.md"]
    assert "See [b](b.md)." in uk.markdown  # uk/access/b.md exists
    assert "See [b](../../access/b.md)." in de.markdown
    assert uk.meta["kb"]["class_url"] == "uk/access/"  # the Ukrainian section page exists
    assert de.meta["kb"]["class_url"] == "access/"


def test_class_page_groups_by_first_tag(kb):
    articles, published = kb
    text = class_page(ACCESS, "en", [published[("a", "en")], published[("b", "en")]]).markdown
    assert text.index("## 2fa") < text.index("[Article b](b.md)") < text.index("## password")
    assert text.index("## password") < text.index("[Article a](a.md)")
    assert [t for t, _ in topic_groups(published.values())] == ["2fa", "password", "test"]


def test_reserved_id_is_refused(tmp_path):
    write_article(tmp_path / "kb", "access", "index")
    with pytest.raises(ValueError, match="reserved"):
        site_pages(load_kb(tmp_path / "kb"), [ACCESS])
