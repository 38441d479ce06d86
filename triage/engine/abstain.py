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
# Without real out-of-scope validation rows the threshold minimises the desk's expected cost:
# an abstention costs 1 (L1 classifies the question by hand), a wrong class WRONG_COST (the
# ticket goes to the wrong line and must be re-triaged), and OOS_SHARE of the questions are
# assumed out of scope (answering one costs WRONG_COST, abstaining nothing).
WRONG_COST = 2.0
OOS_SHARE = 0.1


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


def cheapest_threshold(
    scores: np.ndarray,
    correct: np.ndarray,
    pseudo: np.ndarray,
    wrong_cost: float = WRONG_COST,
    oos_share: float = OOS_SHARE,
) -> float:
    """The candidate threshold of least expected cost per question (ties: the lowest).

    scores, correct: in-scope rows; pseudo: stand-in out-of-scope rows (see choose_threshold).
    """
    candidates = np.unique(np.concatenate([[0.0], scores, pseudo]))
    answered = scores[None, :] >= candidates[:, None]
    cost_in = np.where(answered, np.where(correct, 0.0, wrong_cost), 1.0).mean(axis=1)
    cost_out = wrong_cost * (pseudo[None, :] >= candidates[:, None]).mean(axis=1)
    total = (1 - oos_share) * cost_in + oos_share * cost_out
    return float(candidates[int(np.argmin(total))])


def choose_threshold(
    scores: np.ndarray, correct: np.ndarray, outside: np.ndarray, pseudo: np.ndarray
) -> Threshold:
    """best_threshold on the real out-of-scope rows when validation has some, else the
    cheapest_threshold with pseudo rows standing in for the out-of-scope share.

    pseudo: the score of each in-scope row recomputed as if its class were unknown (its
    column left out): the nearest thing to an out-of-scope question that in-scope data gives.
    """
    if outside.any() and (~outside).any():
        return best_threshold(scores, correct, outside)
    n = int((~outside).sum())
    value = cheapest_threshold(scores[~outside], correct[~outside], pseudo)
    return Threshold(
        value,
        f"least expected cost per question (abstention 1, wrong class {WRONG_COST:g}, "
        f"{OOS_SHARE:.0%} of questions out of scope) on {n} in-scope validation rows, "
        f"each also scored again with its own class left out as a pseudo out-of-scope row",
    )
