"""Evaluate the classifier on anyone's data: train from scratch, predict the test rows, score.

The metric functions are pure (``triage.engine.metrics``, re-exported here); this module adds
the run that trains the same pipeline as ``triage train`` on the given rows and measures it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from triage.engine.classifier import Progress, train
from triage.engine.examples import Example, read_examples
from triage.engine.metrics import (
    ABSTAIN,
    accuracy,
    classify_scores,
    macro_f1,
    per_class_f1,
)

__all__ = [
    "ABSTAIN",
    "accuracy",
    "classify_scores",
    "evaluate_classify",
    "macro_f1",
    "percentile",
    "per_class_f1",
    "read_examples",
]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def evaluate_classify(
    train_rows: Sequence[Example],
    test_rows: Sequence[Example],
    val_rows: Sequence[Example] | None = None,
    progress: Progress | None = None,
) -> dict[str, object]:
    """Train on train_rows (threshold on val_rows, else cross-validation), score test_rows."""
    start = time.perf_counter()
    model = train(list(train_rows), list(val_rows) if val_rows else None, progress=progress)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predictions = model.predict_many([row.text for row in test_rows])
    predict_seconds = time.perf_counter() - start
    gold = [row.label for row in test_rows]
    known = set(model.classes)
    scores = classify_scores(gold, [p.request_class for p in predictions], known)
    top = [max(p.probabilities, key=p.probabilities.__getitem__) for p in predictions]
    inside = [(g, t) for g, t in zip(gold, top, strict=True) if g in known]
    return {
        **scores,
        "closed_set_accuracy": accuracy([g for g, _ in inside], [t for _, t in inside]),
        "threshold": model.threshold,
        "threshold_method": model.metadata["threshold_method"],
        "test_rows": len(test_rows),
        "train_rows": len(train_rows),
        "classes": len(known),
        "fit_seconds": round(fit_seconds, 2),
        "predict_ms_per_row": round(1000 * predict_seconds / max(len(test_rows), 1), 3),
    }
