"""Meaning for suggestions: a sentence vector per indexed document, blended with BM25F.

Lexical ranking misses questions worded unlike the article ("erased something" for "Undo and
Redo", "preview picture of my link" for "og:image"). Each article version also gets a sentence
vector (``triage.engine.embed``) of its title, summary and body; a question's score is its BM25F
score as a share of the best one, plus ``DENSE_WEIGHT`` times the cosine similarity of the two
vectors. The weight was chosen on our own labelled training questions against the articles
alone (never the held-out file nor a public test set): recall@3 is flat from 0.5 to 2 and drops
beyond (the model is English-first, and Ukrainian and German questions lose), so we take 1.

Vectors are cached by text in the index folder and in the process, so a rebuild only embeds
the articles that changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from triage.engine import embed
from triage.engine.textnorm import plain_text
from triage.kb.articles import Article

FILE = "vectors.npy"
CACHE_FILE = ".vectors-cache.npz"  # hidden: version folders are v*
DENSE_WEIGHT = 1.0
_MEMO: dict[str, np.ndarray] = {}


def document_text(a: Article) -> str:
    """The text a document's vector is made from (the model reads its first 256 tokens)."""
    return f"{a.title}. {a.summary} {plain_text(a.body)}".strip()


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _read_cache(root: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(root / CACHE_FILE) as data:
            return dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def _write_cache(root: Path, cache: dict[str, np.ndarray]) -> None:
    tmp = root / f"{CACHE_FILE}.{os.getpid()}.npz"
    np.savez(tmp, keys=np.array(list(cache)), vectors=np.array(list(cache.values())))
    tmp.replace(root / CACHE_FILE)


def build(
    texts: Sequence[str], root: Path, version: Path, progress: Callable[[int], None] | None = None
) -> np.ndarray:
    """Embed texts (one per document, in docnum order) into version/FILE, reusing the cache."""
    keys = [_key(t) for t in texts]
    cache = _read_cache(root) | _MEMO
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    if missing:
        found = embed.encoder().encode([t for _, t in missing], progress=progress)
        cache |= dict(zip([k for k, _ in missing], found, strict=True))
    width = embed.encoder().dim if not cache else len(next(iter(cache.values())))
    matrix = np.array([cache[k] for k in keys], dtype=np.float32).reshape(len(keys), width)
    np.save(version / FILE, matrix)
    kept = {k: cache[k] for k in keys}
    _MEMO.update(kept)
    _write_cache(root, kept)
    return matrix


def load(version: Path) -> np.ndarray | None:
    """The document vectors of an index version (None for an index built without them)."""
    path = version / FILE
    return np.load(path) if path.is_file() else None


def blend(lexical: np.ndarray, similarity: np.ndarray, weight: float = DENSE_WEIGHT):
    """BM25F as a share of the best document's, plus weight x cosine similarity, for the
    documents that share a word with the question (the others stay 0: nothing is suggested
    for a question no article has a word of)."""
    best = float(lexical.max()) if lexical.size else 0.0
    if best <= 0:
        return np.zeros_like(lexical)
    return np.where(lexical > 0, lexical / best + weight * np.maximum(similarity, 0.0), 0.0)
