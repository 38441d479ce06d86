"""Knowledge-base gaps: questions no article answered, grouped into topics for writers.

The only scikit-learn import of ``triage.kb``. Method: character n-gram TF-IDF (``char_wb``
2-5, sublinear), so that inflected Russian, Ukrainian and German words and shared technical
terms (error codes, product names) match without a stemmer per language; then agglomerative
clustering with average linkage on cosine distance, cut at ``DISTANCE`` rather than at a given
number of clusters: how many topics there are is what writers want to learn. Topics with fewer
than ``min_size`` questions are left out (reported as ``unclustered``).

``DISTANCE`` = 0.8 was chosen on ``data/train.jsonl`` (rows labelled with the article that
answers them, taken as topics): the largest cut whose pairwise precision stays >= 0.5
(``make bench`` section ``gaps`` prints the figures for train and held-out rows).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_distances

DISTANCE = 0.8
MIN_SIZE = 2
MAX_QUESTIONS = 4000  # the newest ones; the distance matrix is quadratic
SOURCES = ("low_score", "ticket", "not_helpful", "no_article")


@dataclass(frozen=True)
class GapQuestion:
    """A question the knowledge base did not answer, and why we think so (``source``)."""

    text: str
    lang: str
    request_class: str
    source: str  # one of SOURCES
    ref: str | None = None  # the ticket it led to, if any
    at: datetime | None = None


@dataclass(frozen=True)
class Topic:
    """A group of similar unanswered questions."""

    title: str  # the question nearest the topic's centre
    size: int
    examples: tuple[str, ...]
    langs: tuple[tuple[str, int], ...]  # (language, questions), most first
    classes: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, int], ...]
    refs: tuple[str, ...]  # tickets, newest first

    def to_dict(self) -> dict:
        """The topic as JSON-ready data."""
        return {
            "title": self.title,
            "size": self.size,
            "examples": list(self.examples),
            "langs": dict(self.langs),
            "classes": dict(self.classes),
            "sources": dict(self.sources),
            "refs": list(self.refs),
        }


@dataclass(frozen=True)
class Gaps:
    """The topics found, largest first, and how many questions fit none."""

    topics: tuple[Topic, ...]
    questions: int
    unclustered: int


def vectorize(texts: Sequence[str]):
    """TF-IDF over character n-grams inside word boundaries (works across our languages)."""
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    return vec.fit_transform([" ".join(t.split()) for t in texts])


def labels(matrix, distance: float = DISTANCE) -> np.ndarray:
    """A cluster number per row: average-linkage cosine clustering cut at ``distance``."""
    if matrix.shape[0] < 2:
        return np.zeros(matrix.shape[0], dtype=int)
    dist = cosine_distances(matrix)
    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="precomputed", linkage="average"
    )
    return model.fit_predict(dist)


def _dedupe(questions: Sequence[GapQuestion]) -> list[GapQuestion]:
    """One entry per (normalised text, ref): a session and its ticket are one question."""
    seen: set[tuple[str, str | None]] = set()
    out = []
    for q in sorted(questions, key=lambda q: (q.at is None, q.at), reverse=True):
        key = (" ".join(q.text.lower().split()), q.ref)
        if q.text.strip() and key not in seen:
            seen.add(key)
            out.append(q)
    return out[:MAX_QUESTIONS]


def _counts(values) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _topic(members: list[GapQuestion], matrix, rows: np.ndarray, n_examples: int) -> Topic:
    sub = matrix[rows]
    centre = np.asarray(sub.mean(axis=0))
    order = np.argsort(-np.asarray(sub @ centre.T).ravel(), kind="stable")
    texts: list[str] = []
    for i in order:
        if members[i].text not in texts:
            texts.append(members[i].text)
    refs = [q.ref for q in members if q.ref]
    return Topic(
        title=texts[0],
        size=len(members),
        examples=tuple(texts[:n_examples]),
        langs=_counts(q.lang for q in members),
        classes=_counts(q.request_class for q in members),
        sources=_counts(q.source for q in members),
        refs=tuple(dict.fromkeys(refs)),
    )


def find_gaps(
    questions: Sequence[GapQuestion],
    distance: float = DISTANCE,
    min_size: int = MIN_SIZE,
    n_examples: int = 5,
) -> Gaps:
    """Cluster the questions into topics of at least ``min_size``, largest first."""
    items = _dedupe(questions)
    if not items:
        return Gaps((), 0, 0)
    matrix = vectorize([q.text for q in items])
    found = labels(matrix, distance)
    topics = []
    for label in np.unique(found):
        rows = np.flatnonzero(found == label)
        if len(rows) >= min_size:
            members = [items[i] for i in rows]
            topics.append(_topic(members, matrix, rows, n_examples))
    topics.sort(key=lambda t: (-t.size, t.title))
    clustered = sum(t.size for t in topics)
    return Gaps(tuple(topics), len(items), len(items) - clustered)
