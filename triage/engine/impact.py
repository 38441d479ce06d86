"""BM25 over precomputed impacts, scored with numpy (no search library here).

Each posting holds the query-independent part of BM25 for one (field, term, document):
``tf * (K1 + 1) / (tf + K1 * (1 - B + B * len / avglen))``. A query adds
``boost * idf * impact`` per matched posting, summed over terms and fields (Whoosh's BM25F:
a weighted sum of per-field BM25). The arrays are written once per index version and loaded
with the searcher; a query then costs a few numpy operations per term instead of Python calls
per posting (Whoosh's own matchers spend ~3.5 µs per posting).
"""

from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE = "impacts.pickle"


@dataclass(frozen=True)
class Impacts:
    """Postings of every (field, term): documents, impacts and the term's idf."""

    vocab: dict[tuple[str, str], tuple[int, int, float]]  # (offset, length, idf)
    docs: np.ndarray
    impacts: np.ndarray
    n_docs: int

    def scores(self, clauses: Sequence[tuple[str, str, float]]) -> np.ndarray:
        """The summed score of every document for (field, term, boost) clauses."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for field, term, boost in clauses:
            entry = self.vocab.get((field, term))
            if entry is not None:
                off, n, idf = entry
                out[self.docs[off : off + n]] += (boost * idf) * self.impacts[off : off + n]
        return out

    def has(self, field: str, term: str) -> bool:
        """Whether any document holds term in field."""
        return (field, term) in self.vocab

    def save(self, folder: Path) -> None:
        """Write the arrays into an index version folder (a trusted, private file)."""
        with open(folder / FILE, "wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, folder: Path) -> Impacts:
        """Read the arrays written by ``save`` for this index version."""
        with open(folder / FILE, "rb") as fh:
            return pickle.load(fh)  # noqa: S301 - written by build_index into our own folder


def top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (document, score) pairs with a positive score, best first."""
    hits = np.flatnonzero(scores > 0)
    if len(hits) > k:
        hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
    order = sorted(hits.tolist(), key=lambda d: (-scores[d], d))
    return [(d, float(scores[d])) for d in order]


def build(docs: Sequence[dict[str, Counter]], b: float, k1: float) -> Impacts:
    """Impacts of documents given as {field: Counter(term -> frequency)}, in docnum order."""
    n = len(docs)
    lengths: dict[str, np.ndarray] = {}
    postings: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for num, fields in enumerate(docs):
        for field, counts in fields.items():
            lengths.setdefault(field, np.zeros(n, dtype=np.float64))[num] = sum(counts.values())
            for term, tf in counts.items():
                postings.setdefault((field, term), []).append((num, tf))
    avg = {f: max(float(v.sum()) / max(n, 1), 1e-9) for f, v in lengths.items()}
    vocab, all_docs, all_imp, off = {}, [], [], 0
    for key, plist in postings.items():
        nums = np.array([d for d, _ in plist], dtype=np.int32)
        tf = np.array([t for _, t in plist], dtype=np.float64)
        norm = 1 - b + b * lengths[key[0]][nums] / avg[key[0]]
        all_docs.append(nums)
        all_imp.append((tf * (k1 + 1) / (tf + k1 * norm)).astype(np.float32))
        df = len(plist)
        vocab[key] = (off, df, math.log(1 + (n - df + 0.5) / (df + 0.5)))
        off += df
    cat = np.concatenate if postings else (lambda _xs: np.zeros(0))
    return Impacts(vocab, cat(all_docs).astype(np.int32), cat(all_imp).astype(np.float32), n)
