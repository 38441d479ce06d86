"""Article suggestions: a Whoosh index over the KB (the only module importing Whoosh).

One set of text fields per language (``title_ru``, ``body_de``, ...), each with its own
analyser: Snowball stemming for English, Russian and German, folding and a light stemmer for
Ukrainian. Summary and tags are indexed within ``body`` (separate weighted fields gained nothing
and cost time). Labelled user questions are indexed with their article's ``questions``, in their
own language. A question is analysed by the asker's language (Cyrillic: Russian and Ukrainian)
and English, and ranked by BM25F (title and questions weighted up); the scores come from BM25
impacts precomputed at build time (``impact.py``) because Whoosh's matchers spend ~3.5 µs per
posting in Python, blended with the cosine similarity of sentence vectors (``vectors.py``).
The predicted class boosts, never filters; translations collapse into one suggestion, shown in
the asker's language, else in English, else as matched.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh import index
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.lang import stopwords_for_language

from triage.engine import documents, embed, impact, indexdir, vectors
from triage.engine.documents import LANGS, TEXT_FIELDS
from triage.engine.textnorm import UK_STOPWORDS, fold, snippet, stem_uk
from triage.kb.articles import DEFAULT_LANG, Article

FIELD_BOOSTS = {"title": 1.5, "questions": 2.5, "body": 1.0}
BM25_B, BM25_K1 = 0.75, 1.2
CLASS_BOOST = 1.5
LANG_BOOST = 1.2
QUERY_LANGS = {
    "en": ("en",),
    "ru": ("ru", "uk", "en"),
    "uk": ("uk", "ru", "en"),
    "de": ("de", "en"),
}
CANDIDATES = 30
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
            yield t
            if not cuts:
                continue
            chars = getattr(t, "chars", False)
            start = t.startchar if chars else 0
            for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True):
                t.text = text[a:b]
                if chars:
                    t.startchar, t.endchar = start + a, start + b
                yield t


@functools.cache
def analyzer(lang: str):
    """The analyser of one language's fields (one shared instance: one stemming cache)."""
    lang = lang if lang in LANGS else "en"
    pattern = r"\w+(?:['’ʼ]\w+)*(?:\.\w+)*" if lang == "uk" else r"\w+(?:\.?\w+)*"
    chain = RegexTokenizer(pattern) | CaseSplitFilter() | LowercaseFilter()
    if lang in ("ru", "uk"):
        chain = chain | FoldFilter()
    stops = UK_STOPWORDS if lang == "uk" else frozenset(stopwords_for_language(lang))
    chain = chain | StopFilter(stoplist=stops, minsize=2)
    chain = chain | (StemFilter(stemfn=stem_uk) if lang == "uk" else StemFilter(lang=lang))
    return chain if lang in ("ru", "uk") else chain | FoldFilter()


def terms_of(text: str, lang: str) -> list[str]:
    """The index terms of text under one language's analyser (stop words removed)."""
    return [t.text for t in analyzer(lang)(text)]


def _spans(text: str, lang: str) -> dict[str, list[int]]:
    """Each index term of text mapped to the flat (start, end, ...) offsets of its words."""
    spans: dict[str, list[int]] = {}
    for t in analyzer(lang)(text, chars=True):
        spans.setdefault(t.text, []).extend((t.startchar, t.endchar))
    return spans


def make_schema() -> Schema:
    """Stored display fields plus one analysed text field per (field, language)."""
    fields: dict = {"key": ID(stored=True, unique=True), "id": ID(stored=True)}
    fields |= {"lang": ID(stored=True), "klass": ID(stored=True)}
    for name in ("title", "url", "summary", "tags", "text", "spans", "langs"):
        fields[name] = STORED()
    for lang in LANGS:
        for name in TEXT_FIELDS:
            fields[f"{name}_{lang}"] = TEXT(analyzer=analyzer(lang), phrase=False)
    return Schema(**fields)


def build_index(
    articles: Iterable[Article],
    index_dir: Path,
    questions: Iterable[tuple[str, str, str]] = (),
    progress=None,
    vector_progress=None,
) -> Path:
    """Build a new index version, switch to it atomically and drop old versions.

    ``questions`` are labelled user questions (article id, language, text), indexed with the
    article's own ``questions`` so that askers in any language find it. progress(article) is
    called per article indexed, vector_progress(n) per batch of n documents embedded.
    """
    articles, root = list(articles), Path(index_dir)
    langs = documents.versions(articles)
    routed = documents.route_questions(langs, questions)
    version = indexdir.new_version(root)
    writer, counts = index.create_in(str(version), make_schema()).writer(), []
    for a in articles:  # a fresh single-segment index: docnum = position
        doc = documents.document(a, langs[a.id], routed.get((a.id, a.lang), {}), _spans)
        writer.add_document(**doc)
        counts.append(documents.term_counts(doc, terms_of))
        if progress:
            progress(a)
    writer.commit()
    impact.build(counts, BM25_B, BM25_K1).save(version)
    vectors.build([vectors.document_text(a) for a in articles], root, version, vector_progress)
    used = sorted({f.rsplit("_", 1)[1] for c in counts for f in c})
    meta = {"langs": used, "articles": len(langs), "documents": len(articles)}
    (version / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    indexdir.switch(root, version)
    indexdir.cleanup(root)
    return version


class _Open:
    """One thread's open version: searcher (stored fields), impacts and document facts."""

    def __init__(self, stamp: tuple[int, int], version: Path):
        self.stamp = stamp
        meta = json.loads((version / "meta.json").read_text(encoding="utf-8"))
        self.langs: list[str] = meta["langs"]
        if not (version / impact.FILE).is_file():
            raise IndexMissing(f"{version} was built by an older triage: run `triage index`")
        self.impacts = impact.Impacts.load(version)
        self.vectors = vectors.load(version)
        self.searcher = index.open_dir(str(version)).searcher()
        self.docs: dict[int, dict] = {}  # docnum -> the small stored fields ranking needs
        self.by_key: dict[str, int] = {}
        for num, fields in self.searcher.reader().iter_docs():
            self.docs[num] = {k: fields[k] for k in ("id", "lang", "klass", "langs")}
            self.by_key[fields["key"]] = num
        self.klass = np.array([self.docs[n]["klass"] for n in range(len(self.docs))], dtype=object)

    def scores(self, text: str, lang: str | None, boost_class: str | None) -> np.ndarray:
        """BM25F scores of every document for a question, the class boost applied."""
        clauses = []
        for qlang in [x for x in self.langs if x in QUERY_LANGS.get(lang or "", self.langs)]:
            for term in dict.fromkeys(terms_of(text, qlang)):
                clauses += [(f"{f}_{qlang}", term, FIELD_BOOSTS[f]) for f in TEXT_FIELDS]
        scores = self.impacts.scores(clauses)
        if self.vectors is not None:  # meaning as well as words (see vectors.py)
            similarity = self.vectors @ embed.encoder().embed([text], embed.QUESTION_TOKENS)[0]
            scores = vectors.blend(scores, similarity)
        if boost_class and CLASS_BOOST != 1:
            scores[self.klass == boost_class] *= CLASS_BOOST
        return scores


def _rank(st: _Open, query: str, lang: str | None, boost_class: str | None, limit: int):
    if limit <= 0:
        return []
    groups: dict[str, tuple[float, dict]] = {}
    for num, score in impact.top(st.scores(query, lang, boost_class), CANDIDATES + limit):
        doc = st.docs[num] | {"docnum": num}
        score *= LANG_BOOST if lang and lang in doc["langs"] else 1.0
        if doc["id"] not in groups or score > groups[doc["id"]][0]:
            groups[doc["id"]] = (score, doc)
    return sorted(groups.values(), key=lambda g: -g[0])[:limit]


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
        self.close()
        self._local.state = fresh
        return fresh

    def close(self) -> None:
        """Close this thread's searcher."""
        state = getattr(self._local, "state", None)
        if state is not None:
            state.searcher.close()
            self._local.state = None

    def rank(
        self, query: str, lang: str | None = None, boost_class: str | None = None, limit: int = 5
    ) -> list[tuple[float, dict]]:
        """(score, id/lang/klass/langs/docnum) of the best articles, translations collapsed."""
        return _rank(self._state(), query, lang, boost_class, limit)

    def suggest(
        self, query: str, lang: str | None = None, boost_class: str | None = None, limit: int = 5
    ) -> list[Suggestion]:
        """The best articles for a question, asker's language first, translations collapsed."""
        st = self._state()  # one version for the whole call, even if a rebuild switches now
        ranked = _rank(st, query, lang, boost_class, limit)
        terms = functools.cache(lambda shown: tuple(dict.fromkeys(terms_of(query, shown))))
        return [self._suggestion(st, terms, score, doc, lang) for score, doc in ranked]

    def _suggestion(self, st: _Open, terms, score: float, doc: dict, lang: str | None):
        num = doc["docnum"]
        show = next((x for x in (lang, DEFAULT_LANG) if x and x in doc["langs"]), doc["lang"])
        num = st.by_key.get(f"{doc['id']}:{show}", num)
        doc = st.searcher.stored_fields(num)
        shown = doc["lang"] if doc["lang"] in LANGS else "en"
        spans = doc["spans"]
        flat = [x for t in terms(shown) for x in spans.get(t, ())]
        return Suggestion(
            id=doc["id"],
            title=doc["title"],
            lang=doc["lang"],
            url=doc["url"],
            score=round(float(score), 4),
            snippet=snippet(doc["text"], sorted(zip(flat[::2], flat[1::2], strict=True))),
            request_class=doc["klass"],
            translations=tuple(x for x in doc["langs"] if x != doc["lang"]),
        )
