"""Calibration, the confidence score and the abstention threshold, from validation rows (numpy).

The classifier's raw class scores become probabilities by temperature scaling (one factor fitted
by log-loss on validation rows). Whether to answer is decided by a second, tiny model: the
estimated chance that the top class is right, a logistic function of five signals of a question
(``FEATURES``): the top class score, its margin over the runner-up, the cosine similarity to the
nearest training question of that class, the share of its words never seen in training and the
share of its word pairs seen in training. Its weights are fitted on validation rows (real
out-of-scope rows when there are some, else in-scope rows rescored as if their class were
unknown), so the product learns how much each signal is worth on its own data; the threshold on
that chance is then chosen on the same rows, out of fold.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

TEMPERATURES = np.geomspace(0.25, 200.0, 60)


FEATURES = ("top_score", "margin", "similarity", "unseen_words", "known_pairs")


@dataclass(frozen=True)
class Confidence:
    """A logistic model of "the top class is right" over standardised FEATURES."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def score(self, features: np.ndarray) -> np.ndarray:
        """The estimated chance, per row of features (columns as FEATURES), of a right answer."""
        z = (np.atleast_2d(features) - self.mean) / self.scale @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-(z + self.intercept)))

    def to_dict(self) -> dict:
        """The weights as plain data for the model's metadata (readable, and how it loads)."""
        return {"features": list(FEATURES), **{k: _plain(v) for k, v in asdict(self).items()}}

    @classmethod
    def from_dict(cls, data: dict) -> Confidence:
        """The model written by to_dict; ValueError when its features are not FEATURES."""
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"confidence features {data.get('features')} are not {FEATURES}")
        vectors = {k: tuple(float(v) for v in data[k]) for k in ("mean", "scale", "coef")}
        return cls(**vectors, intercept=float(data["intercept"]))


def confidence_features(
    decisions: np.ndarray, column: np.ndarray, sims: np.ndarray, unseen: np.ndarray, pairs
) -> np.ndarray:
    """FEATURES of each row: decisions (rows x classes) with the chosen column per row, the
    similarity to the nearest training row of that class, and the word coverage shares."""
    rows = np.arange(len(decisions))
    top = decisions[rows, column]
    rest = decisions.astype(float).copy()
    rest[rows, column] = -np.inf
    runner_up = rest.max(axis=1) if rest.shape[1] > 1 else top
    return np.column_stack([top, top - runner_up, sims, unseen, pairs])


def _plain(value):
    """Numbers as plain floats (lists for vectors) for JSON."""
    return [float(v) for v in value] if isinstance(value, tuple | list) else float(value)


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
    """best_threshold on the real out-of-scope rows when validation has some, else with the
    pseudo rows standing in for them.

    pseudo: the score of each in-scope row recomputed as if its class were unknown (its
    column and the words only its class used left out): the nearest thing to an out-of-scope
    question that in-scope data gives.
    """
    if outside.any() and (~outside).any():
        return best_threshold(scores, correct, outside)
    inside = scores[~outside]
    chosen = best_threshold(
        np.concatenate([inside, pseudo]),
        np.concatenate([correct[~outside], np.zeros(len(pseudo), bool)]),
        np.repeat([False, True], [len(inside), len(pseudo)]),
    )
    return Threshold(
        chosen.value,
        f"maximised in-scope accuracy with rejections + pseudo out-of-scope recall on "
        f"{len(inside)} in-scope validation rows, each also scored again with its own class "
        f"left out as a pseudo out-of-scope row",
    )
