"""Classification metrics with abstention, as pure functions over lists of labels.

``ABSTAIN`` marks a prediction where the classifier declined to answer. A gold label is *known*
when it occurs in the training data (in scope); the other rows are out of scope, and the right
answer for them is to abstain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

ABSTAIN = "unknown"


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float | None:
    """Share of positions where pred equals gold; None for no rows."""
    if not gold:
        return None
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)


def per_class_f1(gold: Sequence[str], pred: Sequence[str]) -> dict[str, float]:
    """F1 of each gold class (a predicted label that is never gold counts only as a miss)."""
    scores = {}
    for label in sorted(set(gold)):
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        scores[label] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float | None:
    """The unweighted mean of the per-class F1 over gold classes; None for no rows."""
    scores = per_class_f1(gold, pred)
    return sum(scores.values()) / len(scores) if scores else None


def classify_scores(
    gold: Sequence[str], pred: Sequence[str], known: Collection[str]
) -> dict[str, object]:
    """The ``triage eval classify`` figures for predictions (ABSTAIN = declined).

    accuracy, macro_f1, per_class_f1: in-scope rows on which the classifier answered;
    in_scope_accuracy: all in-scope rows, an abstention counted as an error;
    unknown_recall: share of out-of-scope rows abstained on (None if there are none).
    """
    rows = list(zip(gold, pred, strict=True))
    answered = [(g, p) for g, p in rows if g in known and p != ABSTAIN]
    in_scope = [(g, p) for g, p in rows if g in known]
    out_scope = [p for g, p in rows if g not in known]
    g_ans, p_ans = [g for g, _ in answered], [p for _, p in answered]
    return {
        "accuracy": accuracy(g_ans, p_ans),
        "macro_f1": macro_f1(g_ans, p_ans),
        "in_scope_accuracy": accuracy([g for g, _ in in_scope], [p for _, p in in_scope]),
        "unknown_recall": (
            sum(p == ABSTAIN for p in out_scope) / len(out_scope) if out_scope else None
        ),
        "per_class_f1": per_class_f1(g_ans, p_ans),
        "answered_rows": len(answered),
        "in_scope_rows": len(in_scope),
        "out_of_scope_rows": len(out_scope),
    }
