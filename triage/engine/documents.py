"""What the search index holds for each article version (pure: the analysers are passed in).

Text fields are per language (``title_de``, ``questions_ru``, ``body_en``); ``body`` carries
tags, summary and the plain body. Labelled user questions go into ``questions_<their language>``
of the article's version in that language, else of its English (or first) version, so an
English-only article is found by questions asked in Russian, Ukrainian or German.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from triage.engine.textnorm import plain_text
from triage.kb.articles import LANGS, Article

TEXT_FIELDS = ("title", "questions", "body")
SNIPPET_CHARS = 2500
Routed = dict[tuple[str, str], dict[str, list[str]]]


def versions(articles: Iterable[Article]) -> dict[str, list[str]]:
    """The languages each article id exists in, in order of appearance."""
    out: dict[str, list[str]] = {}
    for a in articles:
        out.setdefault(a.id, []).append(a.lang)
    return out


def route_questions(
    have: dict[str, list[str]], questions: Iterable[tuple[str, str, str]]
) -> Routed:
    """{(article id, version lang): {question lang: [texts]}} for (id, lang, text) questions."""
    routed: Routed = {}
    for article_id, lang, text in questions:
        langs = have.get(article_id)
        if langs:
            lang = lang if lang in LANGS else "en"
            home = lang if lang in langs else ("en" if "en" in langs else langs[0])
            routed.setdefault((article_id, home), {}).setdefault(lang, []).append(text)
    return routed


def document(
    a: Article,
    langs: list[str],
    asked: dict[str, list[str]],
    spans: Callable[[str, str], dict[str, list[int]]],
) -> dict:
    """The stored and indexed fields of one article version (``spans`` for snippets)."""
    lang = a.lang if a.lang in LANGS else "en"
    body = plain_text(a.body)
    text = f"{a.summary} {body}".strip()[:SNIPPET_CHARS]
    doc = {"key": f"{a.id}:{a.lang}", "id": a.id, "lang": a.lang, "klass": a.request_class}
    doc |= {"title": a.title, "url": a.url, "summary": a.summary, "tags": list(a.tags)}
    doc |= {"text": text, "spans": spans(text, lang), "langs": sorted(langs)}
    doc |= {f"title_{lang}": a.title, f"body_{lang}": "\n".join([*a.tags, a.summary, body])}
    for q_lang, texts in asked.items():
        doc[f"questions_{q_lang}"] = "\n".join(texts)
    doc[f"questions_{lang}"] = "\n".join([*a.questions, *asked.get(lang, [])])
    return doc


def term_counts(doc: dict, terms: Callable[[str, str], list[str]]) -> dict[str, Counter]:
    """Term frequencies of each per-language text field of a document."""
    fields = [k for k in doc if "_" in k and k.rsplit("_", 1)[0] in TEXT_FIELDS]
    return {f: Counter(terms(doc[f], f.rsplit("_", 1)[1])) for f in fields}
