"""Calibration and the abstention threshold, chosen from validation scores (pure numpy).

The classifier's raw class scores become probabilities by temperature scaling (one factor fitted
by log-loss on validation rows). The abstention score of a question is the probability of its top
class times its cosine similarity to the nearest training question of that class: a question far
from everything seen in training is doubted even when one class outscores the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TEMPERATURES = np.geomspace(0.25, 200.0, 60)


@dataclass(frozen=True)
class Threshold:
    """A chosen abstention threshold and how it was chosen, in words."""

    value: float
    method: str


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of scores multiplied by temperature."""
    z = np.atleast_2d(scores) * temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature (from a log-spaced grid) minimising log-loss of gold column indices."""
    rows = np.arange(len(gold))
    losses = [-np.log(softmax(scores, t)[rows, gold] + 1e-12).mean() for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def best_threshold(scores: np.ndarray, correct: np.ndarray, outside: np.ndarray) -> Threshold:
    """Maximise in-scope accuracy with rejections plus out-of-scope recall over candidates.

    scores: abstention score per validation row; correct: the top class is right (in-scope
    rows); outside: the row's label is out of scope (the right answer is to abstain).
    """
    s_in, ok = scores[~outside], correct[~outside]
    s_out = np.sort(scores[outside])
    order = np.argsort(s_in)
    s_sorted, ok_sorted = s_in[order], ok[order]
    kept_ok = np.cumsum(ok_sorted[::-1])[::-1]  # right answers with score >= candidate
    candidates = np.unique(s_sorted)
    first = np.searchsorted(s_sorted, candidates, side="left")
    acc = kept_ok[first] / max(len(s_in), 1)
    recall = np.searchsorted(s_out, candidates, side="left") / max(len(s_out), 1)
    best = int(np.argmax(acc + recall))
    return Threshold(
        float(candidates[best]),
        f"maximised in-scope accuracy with rejections + out-of-scope recall on "
        f"{len(s_in)} in-scope and {len(s_out)} out-of-scope validation rows",
    )


def choose_threshold(
    scores: np.ndarray, correct: np.ndarray, outside: np.ndarray, pseudo: np.ndarray
) -> Threshold:
    """best_threshold on the real out-of-scope rows when validation has some, else on pseudo.

    pseudo: the score of each in-scope row recomputed as if its class were unknown (its
    column left out): the nearest thing to an out-of-scope question that in-scope data gives.
    """
    if outside.any() and (~outside).any():
        return best_threshold(scores, correct, outside)
    n = int((~outside).sum())
    both = np.concatenate([scores[~outside], pseudo])
    chosen = best_threshold(
        both,
        np.concatenate([correct[~outside], np.zeros(len(pseudo), bool)]),
        np.arange(len(both)) >= n,
    )
    return Threshold(
        chosen.value,
        f"maximised in-scope accuracy with rejections + recall on pseudo out-of-scope rows "
        f"(each of {n} in-scope validation rows scored again with its own class left out)",
    )
