"""Gap clustering quality: rows labelled with their article taken as topics, per distance cut.

ARI = adjusted Rand index; pair precision / recall over pairs of questions put in one topic.
The cut in ``triage.kb.gaps.DISTANCE`` was chosen on train rows; held-out rows only measure it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score
from sklearn.metrics.cluster import pair_confusion_matrix

from triage.kb.gaps import DISTANCE, labels, vectorize

DATA = Path(__file__).resolve().parent.parent / "data"
CUTS = (0.7, 0.75, 0.8, 0.85, 0.9)


def _rows(name: str) -> tuple[list[str], list[str]]:
    rows = [json.loads(x) for x in (DATA / name).read_text(encoding="utf-8").splitlines() if x]
    rows = [r for r in rows if r.get("article")]
    return [r["text"] for r in rows], [r["article"] for r in rows]


def _measure(split: str, cut: float) -> dict:
    texts, gold = _rows(split)
    start = time.perf_counter()
    found = labels(vectorize(texts), cut)
    seconds = time.perf_counter() - start
    (_, fp), (fn, tp) = pair_confusion_matrix(gold, found)
    sizes = np.bincount(found)
    return {
        "split": split,
        "distance": cut,
        "questions": len(texts),
        "articles": len(set(gold)),
        "topics >= 2": int((sizes >= 2).sum()),
        "ARI": round(float(adjusted_rand_score(gold, found)), 3),
        "pair precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
        "pair recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        "cluster s": round(seconds, 3),
    }


def run() -> dict:
    """Measure every cut on train and held-out rows."""
    rows = [_measure(split, cut) for split in ("train.jsonl", "heldout.jsonl") for cut in CUTS]
    return {"rows": rows, "notes": [f"triage.kb.gaps.DISTANCE = {DISTANCE}"]}
