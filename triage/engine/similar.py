"""Nearest resolved tickets: TF-IDF over folded, prefix-stemmed words, ranked by cosine (pure).

No search or learning library: a few hundred candidate texts are weighed per call, which takes
milliseconds. Words are case- and accent-folded and cut to their first letters, a cheap stem
that joins inflected forms in Russian, Ukrainian and German as well as English.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from triage.engine.textnorm import fold

STEM_LETTERS = 6
_WORD = re.compile(r"\w{2,}", re.UNICODE)


def terms(text: str) -> list[str]:
    """The folded, prefix-stemmed words of a text (digits-only words dropped)."""
    return [fold(w)[:STEM_LETTERS] for w in _WORD.findall(text or "") if not w.isdigit()]


@lru_cache(maxsize=4096)
def _counts(text: str) -> Counter[str]:
    """Term counts of a text, cached: the same resolved tickets are compared page after page."""
    return Counter(terms(text))


def _weights(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    vec = {t: (1 + math.log(n)) * idf.get(t, 0.0) for t, n in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {t: v / norm for t, v in vec.items() if v} if norm else {}


def _idf(docs: Iterable[Counter[str]], n_docs: int) -> dict[str, float]:
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    return {t: math.log((1 + n_docs) / (1 + d)) + 1 for t, d in df.items()}


def similar(
    text: str, candidates: Sequence[tuple[str, str]], k: int = 5, min_score: float = 0.2
) -> list[tuple[str, float]]:
    """The ``k`` candidates (ref, text) nearest to ``text`` by TF-IDF cosine, best first."""
    query = _counts(text)
    if not query or not candidates or k <= 0:
        return []
    docs = [_counts(body) for _, body in candidates]
    idf = _idf([*docs, query], len(docs) + 1)
    q = _weights(query, idf)
    scored = []
    for (ref, _), doc in zip(candidates, docs, strict=True):
        if doc.keys().isdisjoint(q):
            continue
        d = _weights(doc, idf)
        score = sum(w * d.get(t, 0.0) for t, w in q.items())
        if score >= min_score:
            scored.append((ref, round(score, 4)))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored[:k]
