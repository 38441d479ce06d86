"""The built help site: every article, navigation, search in four languages, a broken KB."""

from __future__ import annotations

import posixpath
import re
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ROOT, line_of, write_article
from tests.site.conftest import (
    WORDS,
    build_site,
    pages_matching,
    search_docs,
    search_index,
    write_fixture_kb,
)
from triage.kb.articles import LANGS, article_url, load_kb


def html(site: Path, url: str) -> str:
    """The HTML of a page of the built site."""
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_every_published_article_has_a_page(fixture_site, fixture_kb):
    articles = load_kb(fixture_kb)
    assert len(articles) == 6
    for a in articles:
        page = html(fixture_site, a.url)
        assert a.title in page, a.url
    assert not (fixture_site / "consultation" / "draft-only").exists()


@pytest.mark.parametrize("lang", ["en", "ru", "de", "uk"])
def test_search_index_finds_a_body_word(fixture_site, lang):
    word, url = WORDS[lang]
    assert pages_matching(fixture_site, word) == {url}


def test_lists_of_articles_stay_out_of_search(fixture_site):
    pages = {d["location"].split("#", 1)[0] for d in search_docs(fixture_site)[1]}
    assert "access/reset-password/" in pages
    assert not pages & {"access/", "ru/access/", "ru/", "tags/"}


def test_search_languages_are_configured(fixture_site):
    assert {"en", "ru", "de"} <= set(search_index(fixture_site)["config"]["lang"])


def test_article_shows_what_it_applies_to_and_when_updated(fixture_site):
    page = html(fixture_site, "access/reset-password/")
    assert "Applies to:" in page and "Compute &gt;= 1.0" in page
    assert '<time datetime="2026-11-01">' in page


def test_article_foot_has_feedback_and_ask_support(fixture_site):
    page = html(fixture_site, "ru/access/reset-password/")
    assert 'data-article="reset-password" data-lang="ru"' in page
    assert 'action="/api/feedback"' in page
    assert 'href="/ask?from=reset-password&amp;lang=ru"' in page
    assert "Статья помогла?" in page


def test_translations_are_linked_both_ways(fixture_site):
    en = html(fixture_site, "access/reset-password/")
    ru = html(fixture_site, "ru/access/reset-password/")
    assert 'href="../../ru/access/reset-password/" hreflang="ru"' in en
    assert 'href="../../../access/reset-password/" hreflang="en"' in ru


def test_links_between_articles(fixture_site):
    en = html(fixture_site, "access/reset-password/")
    assert 'href="../two-factor/"' in en
    assert 'href="../../outage/site-down/#status"' in en
    assert "a draft" in en and "draft-only" not in en  # a draft is plain text
    ru = html(fixture_site, "ru/access/reset-password/")
    assert 'href="../../../access/two-factor/"' in ru  # no Russian two-factor: English page


def test_class_index_groups_articles_by_topic(fixture_site):
    page = html(fixture_site, "access/")
    assert page.index(">password<") < page.index("Reset a forgotten password")
    assert page.index(">2fa<") < page.index("Set up two-factor sign-in")
    assert "Zwei-Faktor" not in page  # other languages have their own index pages
    assert "Zwei-Faktor-Anmeldung einrichten" in html(fixture_site, "de/access/")


def test_navigation_lists_sections_not_articles(fixture_site):
    home = html(fixture_site, "")
    nav_links = re.findall(r'href="([^"]*)" class="md-nav__link', home)
    assert {"access/", "outage/", "ru/", "de/", "uk/", "tags/", "/ask"} <= set(nav_links)
    assert not [x for x in nav_links if x.count("/") > 1]  # never an auto-nav of every article
    assert 'href="access/">Access and accounts</a> (articles: 2)' in home  # the sections list
    page = html(fixture_site, "outage/site-down/")
    assert 'href="/ask" class="md-nav__link' in page  # Ask support on every page


def _nav_targets(site: Path, url: str) -> set[str]:
    """The site paths the primary nav of a page links to, resolved from the page's folder."""
    page = html(site, url)
    nav = page[page.index('data-md-type="navigation"') : page.index('data-md-type="toc"')]
    hrefs = re.findall(r'href="([^"#]*)" class="md-nav__link', nav)  # not the page's own toc
    return {h if h.startswith("/") else posixpath.normpath(f"/{url}{h}") for h in hrefs}


def test_every_page_has_the_same_working_nav(fixture_site):
    home = _nav_targets(fixture_site, "")
    assert {"/access", "/ru", "/tags", "/ask"} <= home
    for url in ["access/reset-password/", "outage/site-down/", "ru/access/reset-password/"]:
        assert _nav_targets(fixture_site, url) == home, url  # shared nav, links still resolve


def test_theme_strings_are_translated_on_every_page(fixture_site):
    for url in ["", "access/reset-password/", "ru/access/reset-password/"]:
        page = html(fixture_site, url)
        assert 'placeholder="Search"' in page and "Skip to content" in page, url


def test_tags_index_lists_articles(fixture_site):
    page = html(fixture_site, "tags")
    assert "Reset a forgotten password" in page and "Консоль недоступна" in page


def test_language_homes(fixture_site):
    ru = html(fixture_site, "ru")
    assert "Справочный центр" in ru and 'href="access/">Доступ и учётные записи</a>' in ru
    assert '<div lang="uk">' in html(fixture_site, "uk/outage/site-down/")
    # no material extra.alternate: its script rewrites links into other languages' folders
    assert 'rel="alternate"' not in html(fixture_site, "access/reset-password/")


def test_broken_kb_fails_the_build_naming_file_and_line(tmp_path):
    kb = write_fixture_kb(tmp_path / "kb")
    bad = write_article(kb, "access", "broken", **{"class": "billing"})
    result = build_site(kb, tmp_path / "site")
    assert result.returncode != 0
    assert f"broken.en.md:{line_of(bad, 'class:')}: class:" in result.stderr
    assert not (tmp_path / "site" / "index.html").exists()


def test_real_kb_builds_with_every_article(real_site):
    articles = load_kb(ROOT / "kb")
    assert articles, "kb/ has no published articles"
    locations = {d["location"].split("#", 1)[0] for d in search_docs(real_site)[1]}
    for a in articles:
        assert a.title in unescape(html(real_site, a.url)), a.path
        assert a.url in locations, a.path


@pytest.mark.parametrize("lang", ["en", "ru", "de"])
def test_real_kb_search_finds_rarest_body_word(real_site, lang):
    articles = [a for a in load_kb(ROOT / "kb") if a.lang == lang]
    assert articles, f"kb/ has no {lang} articles"
    article = articles[0]
    text = re.sub(r"\]\([^)]*\)", "]", article.body)  # link targets are not page text
    words = {w for w in re.findall(r"\w{6,}", text.lower()) if not w.isdigit()}
    counts = {w: len(pages_matching(real_site, w)) for w in sorted(words)}
    rarest = min((w for w in counts if counts[w]), key=lambda w: (counts[w], w))
    assert article.url in pages_matching(real_site, rarest)


def test_header_shows_each_pages_own_title(fixture_site):
    pages = {
        "": "Help centre",
        "tags/": "Tags",
        "access/reset-password/": "Reset a forgotten password",
        "access/two-factor/": "Set up two-factor sign-in",
        "ru/access/reset-password/": "Сброс забытого пароля",
        "de/access/two-factor/": "Zwei-Faktor-Anmeldung einrichten",
    }
    for url, title in pages.items():
        page = html(fixture_site, url)
        topic = page[page.index('data-md-component="header-topic"') :][:200]
        assert re.search(r"<span class=\"md-ellipsis\">\s*" + re.escape(title) + r"\s*<", topic), (
            url
        )


def test_shared_blocks_link_right_from_every_depth(fixture_site):
    for url in ["", "tags/", "access/reset-password/", "ru/access/reset-password/"]:
        page = html(fixture_site, url)
        links = re.findall(
            r'(?:href|src)="([^"]*(?:main\.[0-9a-f]+\.min\.css|bundle\.[0-9a-f]+\.min\.js|kb\.js))"',
            page,
        )
        assert len(links) == 3, url
        for link in links:
            target = posixpath.normpath(f"/{url}{link}")
            assert (fixture_site / target.lstrip("/")).is_file(), (url, link)
        base = re.search(r'"base":\s*"([^"]*)"', page).group(1)
        assert posixpath.normpath(f"/{url}{base}") == "/", url


def test_code_blocks_are_highlighted(real_site):
    article = next(a for a in load_kb(ROOT / "kb") if "```sh" in a.body)
    page = html(real_site, article.url)
    block = page[page.index('<div class="highlight"><pre><span></span><code>') :]
    block = block[: block.index("</code></pre></div>")]
    assert re.search(r'<span class="(?:nb|w|c1|m|s2|p)">', block), article.url  # Pygments tokens


def test_missing_translation_shows_another_language_with_a_note(fixture_site):
    # reset-password exists in en and ru, not in de: /de/access/reset-password/ is no 404
    page = html(fixture_site, "de/access/reset-password/")
    note = (
        '<p class="kb-fallback" lang="de">Dieser Artikel ist noch nicht auf Deutsch verfügbar; '
        "hier ist er auf Englisch.</p>"
    )
    assert note in page
    outer, body = page.index('<div lang="de">'), page.index('<div lang="en">')
    assert outer < page.index("Gilt für:") < body < page.index(note)  # German page, English body
    text, foot = page.index("Choose a new passphrase"), page.index("War das hilfreich?")
    assert page.index(note) < text < foot
    assert 'href="/ask?from=reset-password&amp;lang=de"' in page
    assert 'href="../../../access/reset-password/" hreflang="en"' in page  # the real versions
    assert 'href="../../../ru/access/reset-password/" hreflang="ru"' in page
    assert 'href="../two-factor/"' in page  # the link goes to the German two-factor page
    uk = html(fixture_site, "uk/access/two-factor/")  # no uk, no ru: English shown
    assert "Ця стаття ще недоступна українською мовою; ось вона англійською мовою." in uk
    ru = html(fixture_site, "ru/outage/site-down/")
    assert "Эта статья пока не переведена на русский язык; вот она на английском языке." in ru
    assert (fixture_site / "uk" / "access" / "reset-password" / "index.html").is_file()
    for url in ["de/access/reset-password/", "uk/access/two-factor/", "ru/outage/site-down/"]:
        section = re.search(r'class="kb-meta__section" href="([^"]*)"', html(fixture_site, url))
        target = posixpath.normpath(f"{url}{section.group(1)}")  # no uk access page: English
        assert (fixture_site / target / "index.html").is_file(), (url, target)


def test_pages_shown_in_another_language_stay_out_of_search_and_tags(fixture_site):
    pages = {d["location"].split("#", 1)[0] for d in search_docs(fixture_site)[1]}
    assert "de/access/reset-password/" not in pages and "access/reset-password/" in pages
    assert html(fixture_site, "tags").count("de/access/reset-password/") == 0
    de_index = html(fixture_site, "de/access/")
    assert "Reset a forgotten password" not in de_index  # the section lists German articles


def test_real_kb_has_a_page_for_every_article_in_every_language(real_site):
    articles = load_kb(ROOT / "kb")
    for a in articles:
        for lang in LANGS:
            url = article_url(a.request_class, a.id, lang)
            assert (real_site / url / "index.html").is_file(), url
