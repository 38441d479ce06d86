"""Article suggestions: a Whoosh index over the KB (the only module importing Whoosh).

One set of text fields per language (``title_ru``, ``body_de``, ...), each with its own
analyser (Snowball stemming for English, Russian and German; folding and a light stemmer for
Ukrainian). A question is analysed once per indexed language and matched against all of them
with BM25F; title and questions weigh most. The predicted class boosts, never filters;
translations collapse into one suggestion shown in the asker's language when it exists.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index, scoring
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language
from whoosh.query import Or, Term

from triage.engine import indexdir
from triage.engine.textnorm import UK_STOPWORDS, fold, plain_text, snippet, stem_uk
from triage.kb.articles import LANGS, Article

TEXT_FIELDS = ("title", "questions", "tags", "summary", "body")
FIELD_BOOSTS = {"title": 1.5, "questions": 2.5, "tags": 1.5, "summary": 1.5, "body": 1.0}
BM25_B, BM25_K1 = 0.75, 1.2
CLASS_BOOST = 1.5
LANG_BOOST = 1.2
CANDIDATES = 30
SNIPPET_CHARS = 4000
IndexMissing = indexdir.IndexMissing
_CASE_CHANGE = re.compile(r"(?<=[^\W\d_])(?=[A-ZА-ЯЁІЇЄҐÄÖÜ][a-zа-яёіїєґäöüß])")


@dataclass(frozen=True)
class Suggestion:
    """One suggested article, shown in the asker's language when a translation exists."""

    id: str
    title: str
    lang: str
    url: str
    score: float
    snippet: str
    request_class: str
    translations: tuple[str, ...]


class FoldFilter(Filter):
    """Fold case and accents of every token (see ``textnorm.fold``)."""

    def __call__(self, tokens):
        for t in tokens:
            t.text = fold(t.text)
            yield t


class CaseSplitFilter(Filter):
    """Also emit the parts of words glued at a case change (``policyAd`` -> policy, Ad)."""

    def __call__(self, tokens):
        for t in tokens:
            text = t.text
            cuts = [m.start() for m in _CASE_CHANGE.finditer(text)]
            if not cuts:
                yield t
                continue
            chars = getattr(t, "chars", False)
            start = t.startchar if chars else 0
            yield t
            for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True):
                t.text = text[a:b]
                if chars:
                    t.startchar, t.endchar = start + a, start + b
                yield t


def analyzer(lang: str):
    """The analyser of one language's fields (unknown languages get the English one)."""
    lang = lang if lang in LANGS else "en"
    pattern = r"\w+(?:['’ʼ]\w+)*(?:\.\w+)*" if lang == "uk" else r"\w+(?:\.?\w+)*"
    chain = RegexTokenizer(pattern) | CaseSplitFilter() | LowercaseFilter()
    if lang in ("ru", "uk"):
        chain = chain | FoldFilter()
    stops = UK_STOPWORDS if lang == "uk" else frozenset(stopwords_for_language(lang))
    chain = chain | StopFilter(stoplist=stops, minsize=2)
    chain = chain | (StemFilter(stemfn=stem_uk) if lang == "uk" else StemFilter(lang=lang))
    return chain if lang in ("ru", "uk") else chain | FoldFilter()


def make_schema() -> Schema:
    """Stored display fields plus one analysed text field per (field, language)."""
    fields: dict = {
        "key": ID(stored=True, unique=True),
        "id": ID(stored=True),
        "lang": ID(stored=True),
        "klass": ID(stored=True),
        "title": STORED(),
        "url": STORED(),
        "text": STORED(),
        "langs": STORED(),
    }
    for lang in LANGS:
        for name in TEXT_FIELDS:
            fields[f"{name}_{lang}"] = TEXT(analyzer=analyzer(lang), phrase=False)
    return Schema(**fields)


def _document(a: Article, langs: list[str], asked: dict[str, list[str]]) -> dict:
    lang = a.lang if a.lang in LANGS else "en"
    body = plain_text(a.body)
    doc = {
        "key": f"{a.id}:{a.lang}",
        "id": a.id,
        "lang": a.lang,
        "klass": a.request_class,
        "title": a.title,
        "url": a.url,
        "text": f"{a.summary} {body}".strip()[:SNIPPET_CHARS],
        "langs": sorted(langs),
        f"title_{lang}": a.title,
        f"tags_{lang}": " ".join(a.tags),
        f"summary_{lang}": a.summary,
        f"body_{lang}": body,
    }
    for q_lang, texts in asked.items():
        doc[f"questions_{q_lang}"] = "\n".join(texts)
    doc[f"questions_{lang}"] = "\n".join([*a.questions, *asked.get(lang, [])])
    return doc


def _asked_by_doc(articles: list[Article], questions: Iterable[tuple[str, str, str]]) -> dict:
    """Route each (article id, lang, text) to the article's version in that language, else
    to its English (or first) version: {(id, doc lang): {question lang: [texts]}}."""
    versions: dict[str, list[str]] = {}
    for a in articles:
        versions.setdefault(a.id, []).append(a.lang)
    routed: dict[tuple[str, str], dict[str, list[str]]] = {}
    for article_id, lang, text in questions:
        have = versions.get(article_id)
        if not have:
            continue
        lang = lang if lang in LANGS else "en"
        home = lang if lang in have else ("en" if "en" in have else have[0])
        routed.setdefault((article_id, home), {}).setdefault(lang, []).append(text)
    return routed


def build_index(
    articles: Iterable[Article],
    index_dir: Path,
    questions: Iterable[tuple[str, str, str]] = (),
    progress=None,
) -> Path:
    """Build a new index version, switch to it atomically and drop old versions.

    ``questions`` are labelled user questions (article id, language, text), indexed with the
    article's own ``questions`` so that askers in any language find it.
    """
    articles = list(articles)
    routed = _asked_by_doc(articles, questions)
    langs: dict[str, list[str]] = {}
    for a in articles:
        langs.setdefault(a.id, []).append(a.lang)
    version = indexdir.new_version(Path(index_dir))
    writer = index.create_in(str(version), make_schema()).writer()
    for a in articles:
        writer.update_document(**_document(a, langs[a.id], routed.get((a.id, a.lang), {})))
        if progress:
            progress(a)
    writer.commit()
    used = {a.lang if a.lang in LANGS else "en" for a in articles}
    used |= {lang for asked in routed.values() for lang in asked}
    meta = {"langs": sorted(used), "articles": len(langs), "documents": len(articles)}
    (version / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    indexdir.switch(Path(index_dir), version)
    indexdir.cleanup(Path(index_dir))
    return version


class _Open:
    """One thread's open version: searcher, languages and analysers."""

    def __init__(self, stamp: tuple[int, int], version: Path):
        self.stamp = stamp
        self.searcher = index.open_dir(str(version)).searcher(weighting=_weighting())
        meta = json.loads((version / "meta.json").read_text(encoding="utf-8"))
        self.langs: list[str] = meta["langs"]
        self.analyzers = {lang: analyzer(lang) for lang in LANGS}


def _weighting():
    return scoring.BM25F(B=BM25_B, K1=BM25_K1)


class SearchIndex:
    """Suggests articles from the live index version; reopens when a new version appears."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._local = threading.local()

    @classmethod
    def open(cls, index_dir: Path) -> SearchIndex:
        """Open the live index in index_dir; IndexMissing when none was built."""
        self = cls(index_dir)
        self._state()
        return self

    def _state(self) -> _Open:
        stamp = indexdir.stamp(self.index_dir)
        state = getattr(self._local, "state", None)
        if state is not None and state.stamp == stamp:
            return state
        for attempt in range(3):  # a rebuild may switch and clean up between the reads
            try:
                fresh = _Open(stamp, indexdir.current(self.index_dir))
                break
            except (FileNotFoundError, indexdir.IndexMissing, index.EmptyIndexError):
                if attempt == 2:
                    raise
                stamp = indexdir.stamp(self.index_dir)
        if state is not None:
            state.searcher.close()
        self._local.state = fresh
        return fresh

    def close(self) -> None:
        """Close this thread's searcher."""
        state = getattr(self._local, "state", None)
        if state is not None:
            state.searcher.close()
            self._local.state = None

    def query_terms(self, text: str, lang: str) -> list[str]:
        """The index terms of text under one language's analyser (stop words removed)."""
        return [t.text for t in self._state().analyzers[lang](text)]

    def _query(self, st: _Open, text: str) -> Or | None:
        clauses = []
        for lang in st.langs:
            terms = dict.fromkeys(t.text for t in st.analyzers[lang](text))
            for name in TEXT_FIELDS:
                boost = FIELD_BOOSTS[name]
                clauses += [Term(f"{name}_{lang}", t, boost=boost) for t in terms]
        return Or(clauses) if clauses else None

    def rank(
        self, query: str, lang: str | None = None, boost_class: str | None = None, limit: int = 5
    ) -> list[tuple[float, dict]]:
        """(score, stored fields) of the best articles, translations collapsed, no snippets."""
        st = self._state()
        q = self._query(st, query)
        if q is None or limit <= 0:
            return []
        hits = st.searcher.search(q, limit=max(CANDIDATES, limit * 4))
        groups: dict[str, tuple[float, dict]] = {}
        for hit in hits:
            doc = hit.fields()
            score = hit.score * (CLASS_BOOST if boost_class and doc["klass"] == boost_class else 1)
            if doc["id"] not in groups or score > groups[doc["id"]][0]:
                groups[doc["id"]] = (score, doc)
        if lang and LANG_BOOST:
            groups = {
                k: (sc * (LANG_BOOST if lang in d["langs"] else 1.0), d)
                for k, (sc, d) in groups.items()
            }
        order = sorted(groups.values(), key=lambda g: -g[0])
        return order[:limit]

    def suggest(
        self, query: str, lang: str | None = None, boost_class: str | None = None, limit: int = 5
    ) -> list[Suggestion]:
        """The best articles for a question, asker's language first, translations collapsed."""
        st = self._state()
        ranked = self.rank(query, lang, boost_class, limit)
        return [self._suggestion(st, query, score, doc, lang) for score, doc in ranked]

    def _suggestion(self, st: _Open, query: str, score: float, doc: dict, lang: str | None):
        if lang and lang != doc["lang"] and lang in doc["langs"]:
            doc = st.searcher.document(key=f"{doc['id']}:{lang}") or doc
        shown = doc["lang"] if doc["lang"] in LANGS else "en"
        return Suggestion(
            id=doc["id"],
            title=doc["title"],
            lang=doc["lang"],
            url=doc["url"],
            score=round(float(score), 4),
            snippet=_snippet(doc["text"], query, st.analyzers[shown]),
            request_class=doc["klass"],
            translations=tuple(x for x in doc["langs"] if x != doc["lang"]),
        )


def _snippet(text: str, query: str, an) -> str:
    terms = {t.text for t in an(query)}
    prefixes = {t[:2] for t in terms}
    seen: dict[str, bool] = {}

    def matches(word: str) -> bool:
        if word not in seen:
            hit = fold(word)[:2] in prefixes and any(t.text in terms for t in an(word))
            seen[word] = hit
        return seen[word]

    return snippet(text, matches)
