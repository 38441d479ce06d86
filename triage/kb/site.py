"""The help site's generated pages, as Markdown text: no site generator is imported here.

Every published article becomes one page at ``Article.url``; each request class gets an index
page per language listing its articles grouped by topic (the first tag); each language other
than English gets a home page. Where an article lacks a language, that language's URL shows
another version under a note (``fallback_page``) instead of a 404. The mkdocs hook
(``docs/hooks.py``) only wraps these in files, so the content survives a change of generator.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from collections import defaultdict
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass, field

from triage.kb.articles import DEFAULT_LANG, LANGS, Article, article_url, name_parts
from triage.kb.raw_html import escape_markdown

_LINK_RE = re.compile(r"(?<!!)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?P<title>\s+\"[^\"]*\")?\)")
SECTIONS_MARKER = "<!-- kb:sections -->"
# Lists of articles stay out of the search index: a search should find the article itself.
NOT_SEARCHED = {"search": {"exclude": True}}
LANG_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська", "de": "Deutsch"}
UI: dict[str, dict[str, str]] = {
    "en": {
        "home": "Help centre",
        "intro": "Articles in English, grouped by the kind of request they answer.",
        "other": "Other topics",
        "count": "articles",
        "empty": "No articles in this section yet.",
        "ask": "Did not find an answer? [Ask support](/ask?lang=en).",
    },
    "ru": {
        "home": "Справочный центр",
        "intro": "Статьи на русском языке, сгруппированные по видам обращений.",
        "other": "Другие темы",
        "count": "статей",
        "empty": "В этом разделе пока нет статей.",
        "ask": "Не нашли ответа? [Обратитесь в поддержку](/ask?lang=ru).",
    },
    "uk": {
        "home": "Довідковий центр",
        "intro": "Статті українською мовою, згруповані за видами звернень.",
        "other": "Інші теми",
        "count": "статей",
        "empty": "У цьому розділі поки немає статей.",
        "ask": "Не знайшли відповіді? [Зверніться до підтримки](/ask?lang=uk).",
    },
    "de": {
        "home": "Hilfe-Center",
        "intro": "Artikel auf Deutsch, nach Art der Anfrage gruppiert.",
        "other": "Weitere Themen",
        "count": "Artikel",
        "empty": "In diesem Bereich gibt es noch keine Artikel.",
        "ask": "Keine Antwort gefunden? [Support fragen](/ask?lang=de).",
    },
}

# The note at the top of an article shown in another language than the reader's: the note in
# the reader's language, naming the language the article is shown in (as that language says it).
FALLBACK_NOTE = {
    "en": "This article is not yet available in English; here it is in {shown}.",
    "ru": "Эта статья пока не переведена на русский язык; вот она на {shown} языке.",
    "uk": "Ця стаття ще недоступна українською мовою; ось вона {shown} мовою.",
    "de": "Dieser Artikel ist noch nicht auf Deutsch verfügbar; hier ist er auf {shown}.",
}
SHOWN_IN = {
    "en": {"ru": "Russian", "uk": "Ukrainian", "de": "German"},
    "ru": {"en": "английском", "uk": "украинском", "de": "немецком"},
    "uk": {"en": "англійською", "ru": "російською", "de": "німецькою"},
    "de": {"en": "Englisch", "ru": "Russisch", "uk": "Ukrainisch"},
}


def fallback_note(reader: str, shown: str) -> str:
    """The note telling a reader of one language that the article is shown in another."""
    note = FALLBACK_NOTE.get(reader, FALLBACK_NOTE[DEFAULT_LANG])
    names = SHOWN_IN.get(reader, SHOWN_IN[DEFAULT_LANG])
    return note.format(shown=names.get(shown) or LANG_NAMES.get(shown, shown))


@dataclass(frozen=True)
class Section:
    """A request class as the site shows it: names and descriptions per language."""

    id: str
    names: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        """The section's name in a language, falling back to English, then the id."""
        return self.names.get(lang) or self.names.get(DEFAULT_LANG) or self.id

    def description(self, lang: str) -> str:
        """The section's description in a language, falling back to English."""
        return self.descriptions.get(lang) or self.descriptions.get(DEFAULT_LANG) or ""


@dataclass(frozen=True)
class SitePage:
    """One generated page: where it lives in the docs tree, its front matter and Markdown.

    A generator that can take the front matter as data (the mkdocs hook does) skips parsing it
    again; ``content`` is the page as one Markdown file for those that cannot.
    """

    src_uri: str
    meta: dict
    markdown: str

    @property
    def content(self) -> str:
        """The page as one Markdown file: front matter, then the Markdown."""
        return _front(self.meta) + self.markdown


def page_uri(article: Article) -> str:
    """The page's source path in the docs tree (``ru/access/reset-password.md``)."""
    return article.url.rstrip("/") + ".md"


def index_uri(class_id: str, lang: str) -> str:
    """The source path of a class's index page in a language."""
    return article_url(class_id, "index", lang).rstrip("/") + ".md"


def home_uri(lang: str) -> str:
    """The source path of a language's home page (English: the site's own ``index.md``)."""
    return "index.md" if lang == DEFAULT_LANG else f"{lang}/index.md"


def relative(from_uri: str, to_uri: str) -> str:
    """A link from one source page to another, relative as Markdown links are."""
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


def _front(meta: dict) -> str:
    # JSON is YAML: one fast, unambiguous serialisation for every generator's parser.
    return "---\n" + json.dumps(meta, ensure_ascii=False, default=str) + "\n---\n\n"


def _resolve(target: str, published: Mapping[tuple[str, str], Article], prefer: Iterable[str]):
    """The published article a relative ``.md`` link points to, or None."""
    slug, lang = name_parts(posixpath.basename(target))
    for want in (lang,) if lang else (*prefer, DEFAULT_LANG):
        if (slug, want) in published:
            return published[(slug, want)]
    return None


def rewrite_links(
    article: Article,
    published: Mapping[tuple[str, str], Article],
    here: str | None = None,
    prefer: Iterable[str] = (),
) -> str:
    """The body with links to other articles pointed at their pages; drafts become plain text.

    A link without a language suffix goes to the translation in the article's language if it
    exists, else to the English article. ``here`` is the page the body is shown on (the
    article's own by default) and ``prefer`` the languages tried before the article's own.
    """
    here = here or page_uri(article)
    prefer = (*prefer, article.lang)

    def sub(m: re.Match) -> str:
        target = m.group("target")
        path, _, frag = target.partition("#")
        if "://" in target or target.startswith(("#", "/", "mailto:")) or not path.endswith(".md"):
            return m.group(0)
        found = _resolve(path, published, prefer)
        if found is None:
            return m.group("text")
        link = relative(here, page_uri(found)) + (f"#{frag}" if frag else "")
        return f"[{m.group('text')}]({link}{m.group('title') or ''})"

    return _LINK_RE.sub(sub, article.body)


def article_page(
    article: Article, published: Mapping[tuple[str, str], Article], section: Section
) -> SitePage:
    """The page of one article: front matter for the theme, then the rewritten body."""
    translations = {
        lang: published[(article.id, lang)].url
        for lang in LANGS
        if lang != article.lang and (article.id, lang) in published
    }
    class_url = article_url(article.request_class, "index", article.lang)[: -len("index/")]
    applies = [{"module": a.module, "versions": a.versions} for a in article.applies_to]
    meta = {
        "title": article.title,
        "description": article.summary,
        "tags": list(article.tags),
        "kb": {
            "id": article.id,
            "lang": article.lang,
            "class": article.request_class,
            "class_name": section.name(article.lang),
            "class_url": class_url,
            "applies_to": applies,
            "updated": article.updated.isoformat() if article.updated else "",
            "translations": {k: {"name": LANG_NAMES[k], "url": v} for k, v in translations.items()},
        },
    }
    return SitePage(page_uri(article), meta, rewrite_links(article, published))


def fallback_source(article_id: str, published: Mapping[tuple[str, str], Article]):
    """The version shown where a language lacks the article: English, else the first language."""
    for lang in (DEFAULT_LANG, *LANGS):
        if (article_id, lang) in published:
            return published[(article_id, lang)]
    return None


def fallback_page(
    source: Article,
    reader: str,
    published: Mapping[tuple[str, str], Article],
    section: Section,
    indexes: Container[tuple[str, str]] = (),
) -> SitePage:
    """The page at the reader's URL of an article not yet in the reader's language.

    It shows ``source`` (another language's version) under a note in the reader's language;
    the page belongs to the reader's language (labels, section, Ask support) while the body
    keeps its own (``kb.shown_in``). It is not searched and carries no tags: the version it
    shows is found and listed at its own URL. Links go to the reader's language when possible,
    and the section link to the reader's section page if ``indexes`` (the ``(class, lang)``
    pairs that have one) holds it, else to the shown version's.
    """
    here = article_url(source.request_class, source.id, reader).rstrip("/") + ".md"
    page = article_page(source, published, section)
    kb = dict(page.meta["kb"])
    kb["translations"] = {
        lang: {"name": LANG_NAMES[lang], "url": published[(source.id, lang)].url}
        for lang in LANGS
        if (source.id, lang) in published
    }
    index_lang = reader if (source.request_class, reader) in indexes else source.lang
    kb.update(
        lang=reader,
        shown_in=source.lang,
        class_name=section.name(reader),
        class_url=article_url(source.request_class, "index", index_lang)[: -len("index/")],
    )
    meta = {**page.meta, "tags": [], "kb": kb} | NOT_SEARCHED
    note = html.escape(fallback_note(reader, source.lang))
    body = rewrite_links(source, published, here=here, prefer=(reader,)).lstrip("\n")
    text = f'<p class="kb-fallback" lang="{reader}">{note}</p>\n\n{body}'
    return SitePage(here, meta, text)


def topic_groups(articles: Iterable[Article]) -> list[tuple[str, list[Article]]]:
    """Articles grouped by topic (their first tag), topics and titles in alphabetical order."""
    groups: dict[str, list[Article]] = defaultdict(list)
    for a in articles:
        groups[a.tags[0] if a.tags else ""].append(a)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "", kv[0].casefold()))
    return [(topic, sorted(items, key=lambda a: a.title.casefold())) for topic, items in ordered]


def class_page(section: Section, lang: str, articles: list[Article]) -> SitePage:
    """The index page of one class in one language: its articles grouped by topic."""
    here = index_uri(section.id, lang)
    ui = UI.get(lang, UI[DEFAULT_LANG])
    meta = {"title": section.name(lang), "kb_index": {"lang": lang, "class": section.id}}
    out = [f"# {section.name(lang)}\n\n{section.description(lang)}\n"]
    for topic, items in topic_groups(articles):
        out.append(f"\n## {topic or ui['other']}\n")  # the tag as written, as on tag chips
        for a in items:
            summary = f": {escape_markdown(a.summary)}" if a.summary else ""  # texts, not Markdown
            out.append(f"- [{escape_markdown(a.title)}]({relative(here, page_uri(a))}){summary}")
    if not articles:
        out.append(f"\n{ui['empty']}")
    out.append(f"\n{ui['ask']}\n")
    return SitePage(here, meta | NOT_SEARCHED, "\n".join(out))


def sections_list(lang: str, sections: Iterable[Section], counts: Mapping[str, int]) -> str:
    """A Markdown list of the sections with articles in a language, linked from its home."""
    here, ui = home_uri(lang), UI.get(lang, UI[DEFAULT_LANG])
    lines = []
    for s in sections:
        n = counts.get(s.id, 0)
        if n:
            link = relative(here, index_uri(s.id, lang))
            lines.append(f"- [{s.name(lang)}]({link}) ({ui['count']}: {n}): {s.description(lang)}")
    return "\n".join(lines) or ui["empty"]


def language_home(lang: str, sections: Iterable[Section], counts: Mapping[str, int]) -> SitePage:
    """The home page of a language other than English."""
    ui = UI.get(lang, UI[DEFAULT_LANG])
    meta = {"title": ui["home"], "kb_index": {"lang": lang}} | NOT_SEARCHED
    listing = sections_list(lang, sections, counts)
    text = f"# {ui['home']}\n\n{ui['intro']}\n\n{listing}\n\n{ui['ask']}\n"
    return SitePage(home_uri(lang), meta, text)


def counts_by_lang(articles: Iterable[Article]) -> dict[str, dict[str, int]]:
    """How many articles each language has per class."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in articles:
        counts[a.lang][a.request_class] += 1
    return {lang: dict(c) for lang, c in counts.items()}


def site_pages(articles: list[Article], sections: list[Section]) -> list[SitePage]:
    """Every generated page: articles, class indexes per language, homes of other languages.

    An article missing in a language still has a page at that language's URL: another
    language's version under a note (``fallback_page``), never a 404.
    """
    published = {(a.id, a.lang): a for a in articles if not a.is_draft}
    by_id = {s.id: s for s in sections}
    pages = []
    grouped: dict[tuple[str, str], list[Article]] = defaultdict(list)
    for a in published.values():
        if a.id == "index":
            raise ValueError(f"{a.path}: id 'index' is reserved for the class index page")
        section = by_id.get(a.request_class, Section(a.request_class))
        pages.append(article_page(a, published, section))
        grouped[(a.request_class, a.lang)].append(a)
    for (class_id, lang), items in sorted(grouped.items()):
        section = by_id.get(class_id, Section(class_id))
        pages.append(class_page(section, lang, items))
    for aid in sorted({aid for aid, _ in published}):
        source = fallback_source(aid, published)
        section = by_id.get(source.request_class, Section(source.request_class))
        for lang in LANGS:
            if (aid, lang) not in published:
                pages.append(fallback_page(source, lang, published, section, grouped))
    counts = counts_by_lang(published.values())
    for lang in sorted(counts):
        if lang != DEFAULT_LANG:
            pages.append(language_home(lang, sections, counts[lang]))
    return pages
