"""Request-class and priority classifier: the only module that imports scikit-learn.

Method: TF-IDF (sublinear) of word-prefix 1-2-grams (``triage.engine.terms``: folded words cut to
five letters, a light stemmer for all four languages) and of char_wb 2-5-grams in a
FeatureUnion, then a class-balanced linear SVM; its scores become probabilities by temperature
scaling fitted on validation rows. It abstains (class ``unknown``) when the estimated chance that
the top class is right is below a threshold chosen on validation data: that chance is a logistic
model, fitted on the same validation rows, of the top score, its margin, the similarity to the
nearest training question of that class, and how many of the question's words and word pairs
training has seen (see ``triage.engine.abstain``). Priority: a temperature-calibrated linear SVM
over the same text features plus the class (one-hot), trained on ``priority`` labels.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from triage.engine import abstain, embed, linear
from triage.engine.examples import Example, data_hash
from triage.engine.language import detect_language
from triage.engine.metrics import ABSTAIN, classify_scores
from triage.engine.model_store import ModelError, library_versions, load_model, save_model
from triage.engine.terms import coverage, readable, stem_terms

__all__ = ["Classifier", "Example", "ModelError", "Prediction", "make_pipeline", "train"]
Progress = Callable[[str], None]
FORMAT = 2  # 2: sentence vectors and the confidence model; older models must be retrained
_PARTS = ("pipeline", "vocabularies", "train_matrix", "train_labels", "priority_model")


@dataclass(frozen=True)
class Prediction:
    """What the classifier says about one question."""

    request_class: str  # class id, or "unknown" when abstaining
    confidence: float  # calibrated probability of the top class
    probabilities: dict[str, float]
    priority: str
    priority_confidence: float
    lang: str
    explanation: tuple[str, ...]  # terms that weighed most for the chosen class
    abstained: bool


class SentenceVectors(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """The sentence vector of each text (``triage.engine.embed``) as a feature block."""

    def fit(self, texts, y=None):  # noqa: ARG002 - nothing to learn: a fixed, pretrained model
        """Nothing to fit."""
        return self

    def transform(self, texts) -> sp.csr_matrix:
        """Unit-length vectors (rows) of the texts, read up to the question limit."""
        return sp.csr_matrix(_vectors(texts))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ARG002
        """One name per vector dimension."""
        return np.array([f"dim{i}" for i in range(embed.encoder().dim)], dtype=object)


def _vectors(texts) -> np.ndarray:
    """The sentence vectors of texts (remembered by the encoder: no second encoding)."""
    return embed.encoder().embed(list(texts))


def make_features() -> FeatureUnion:
    """Word-prefix 1-2-gram and char_wb 2-5-gram TF-IDF (sublinear, one-letter words kept)
    and sentence vectors: three unit-length blocks, weighted equally."""
    words = TfidfVectorizer(analyzer=stem_terms, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    return FeatureUnion([("words", words), ("chars", chars), ("meaning", SentenceVectors())])


def make_pipeline(c: float = 1.0) -> Pipeline:
    """The unfitted class pipeline: features, then a class-balanced linear SVM."""
    svm = LinearSVC(C=c, class_weight="balanced")
    return Pipeline([("features", make_features()), ("clf", svm)])


@dataclass
class Classifier:
    """A fitted class pipeline with its abstention state and priority model."""

    pipeline: Pipeline
    train_matrix: sp.csr_matrix  # features of the training questions (for similarity)
    train_labels: np.ndarray  # class index of each training row
    priority_model: LinearSVC | None
    metadata: dict
    _names: np.ndarray | None = field(default=None, repr=False, compare=False)
    _rows: linear.Rows | None = field(default=None, repr=False, compare=False)
    _confidence: abstain.Confidence | None = field(default=None, repr=False, compare=False)

    @property
    def classes(self) -> list[str]:
        """The class ids the model knows, in column order."""
        return [str(c) for c in self.pipeline[-1].classes_]

    @property
    def threshold(self) -> float:
        """The abstention threshold on the estimated chance that the top class is right."""
        return float(self.metadata["threshold"])

    def scores(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """Features, calibrated probabilities and confidence (chance of a right answer)."""
        x = linear.transform(self.pipeline[0], texts)
        decisions = linear.decisions(self.pipeline[-1], x)
        probs = abstain.softmax(decisions, self.metadata["temperature"])
        if self._rows is None:  # training rows laid out for fast products with few queries
            self._rows = linear.Rows.of(self.train_matrix, embed.encoder().dim)
            self._confidence = abstain.Confidence.from_dict(self.metadata["confidence"])
        top = decisions.argmax(axis=1)
        sims = linear.similarity(x, _vectors(texts), self._rows, self.train_labels, top)
        unseen, pairs = _coverage(self.pipeline, texts)
        features = abstain.confidence_features(decisions, top, sims, unseen, pairs)
        return x, probs, self._confidence.score(features)

    def predict(self, text: str, lang: str | None = None) -> Prediction:
        """Classify one question: class or abstention, priority, language, explanation."""
        return self.predict_many([text], [lang])[0]

    def predict_many(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[Prediction]:
        """Classify many questions at once (faster than one by one)."""
        x, probs, score = self.scores(texts)
        top = probs.argmax(axis=1)
        prio, prio_conf = self._priorities(x, top)
        langs = langs or [None] * len(texts)
        out = []
        for i, text in enumerate(texts):
            abstained = bool(score[i] < self.threshold)
            out.append(
                Prediction(
                    request_class=ABSTAIN if abstained else self.classes[top[i]],
                    confidence=float(probs[i, top[i]]),
                    probabilities={
                        c: float(p) for c, p in zip(self.classes, probs[i], strict=True)
                    },
                    priority=prio[i],
                    priority_confidence=prio_conf[i],
                    lang=langs[i] or detect_language(text),
                    explanation=self.explain(x[i], int(top[i]), text=text),
                    abstained=abstained,
                )
            )
        return out

    def _priorities(self, x: sp.csr_matrix, top: np.ndarray) -> tuple[list[str], list[float]]:
        if self.priority_model is None:
            return [""] * x.shape[0], [0.0] * x.shape[0]
        scores = linear.decisions(self.priority_model, linear.with_class(x, top, len(self.classes)))
        probs = abstain.softmax(scores, self.metadata["priority_temperature"])
        names = self.priority_model.classes_
        return [str(names[j]) for j in probs.argmax(1)], [float(p) for p in probs.max(1)]

    def explain(self, x: sp.csr_matrix, column: int, n: int = 5, text: str = "") -> tuple[str, ...]:
        """The words of text behind the terms of x with the largest weight x value for a class."""
        words = self.pipeline[0].transformer_list[0][1]
        if self._names is None:  # word terms in column order (the first feature block)
            self._names = np.array(sorted(words.vocabulary_, key=words.vocabulary_.__getitem__))
        row = sp.csr_matrix(x)
        inside = row.indices < len(self._names)
        columns, values = row.indices[inside], row.data[inside]
        weights = values * linear.class_weights(self.pipeline[-1], column)[columns]
        terms: list[str] = []
        for j in np.argsort(-weights):
            if weights[j] <= 0 or len(terms) >= n:
                break
            term = readable(text, str(self._names[columns[j]]).strip())
            if term not in terms:
                terms.append(term)
        return tuple(terms)

    def save(self, model_dir) -> None:
        """Write the model atomically to model_dir (a new folder, then a switch)."""
        pipeline, vocabularies = linear.without_vocabularies(self.pipeline)
        objects = {
            "pipeline": pipeline,
            "vocabularies": vocabularies,
            "train_matrix": self.train_matrix,
            "train_labels": self.train_labels,
            "priority_model": self.priority_model,
        }
        save_model(model_dir, objects, self.metadata)

    @classmethod
    def load(cls, model_dir) -> Classifier:
        """Read a saved model; ModelError when missing or saved under other library versions."""
        objects, metadata = load_model(model_dir)
        if set(objects) != {*_PARTS} or metadata.get("format") != FORMAT:
            raise ModelError(f"{model_dir} holds a model of another format: run `triage train`")
        linear.restore_vocabularies(objects["pipeline"], objects.pop("vocabularies"))
        return cls(metadata=metadata, **objects)


def train(
    examples: Sequence[Example],
    val: Sequence[Example] | None = None,
    *,
    default_priorities: dict[str, str] | None = None,
    c: float = 1.0,
    folds: int = 3,
    progress: Progress | None = None,
) -> Classifier:
    """Fit on examples; calibrate and choose the threshold on val, else by cross-validation."""
    start, step = time.perf_counter(), progress or (lambda _message: None)
    texts, labels = [e.text for e in examples], np.array([e.label for e in examples])
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError("training needs examples of at least two classes")
    pipe, calib = _fit_and_calibrate(texts, labels, val, c, folds, step)
    matrix = pipe[0].transform(texts)
    step("fitting the priority model")
    prio, prio_temp = _priority_model(examples, matrix, classes, default_priorities or {})
    meta = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "libraries": library_versions(),
        "data_hash": data_hash(examples),
        "rows": len(examples),
        "classes": [str(k) for k in classes],
        **calib,
        "priority_temperature": prio_temp,
        "params": {
            "C": c,
            "folds": folds,
            "features": "word-prefix(5) 1-2 + char_wb 2-5 + all-MiniLM-L6-v2 sentence vector",
        },
        "fit_seconds": round(time.perf_counter() - start, 2),
    }
    return Classifier(pipe, matrix, np.searchsorted(classes, labels), prio, meta)


def _fit_and_calibrate(texts, labels, val, c, folds, step) -> tuple[Pipeline, dict]:
    """The class pipeline fitted on all texts, and its calibration (on val, else by CV)."""
    classes = np.unique(labels)
    if val:
        step("fitting on the training rows")
        pipe = make_pipeline(c).fit(texts, labels)
        gold = np.array([e.label for e in val])
        found = _validate(pipe, texts, labels, [e.text for e in val], gold, classes)
        how = f"validation set of {len(val)} rows"
    else:
        gold, found = labels, _cross_validate(texts, labels, c, folds, step)
        how = f"{folds}-fold stratified cross-validation on the training rows"
        step("fitting on all training rows")
        pipe = make_pipeline(c).fit(texts, labels)
    calib = _calibrate(classes, gold, found)
    calib["validation"] = {"method": how, **calib["validation"]}
    return pipe, calib


def _coverage(pipe: Pipeline, texts, exclusive=None, own=None) -> tuple[np.ndarray, ...]:
    """Per text: the share of word stems training never saw and of stem pairs it saw (own[i]:
    a class whose exclusive terms count as unseen for text i, or -1 for none)."""
    vocabulary = pipe[0].transformer_list[0][1].vocabulary_
    own = [-2] * len(texts) if own is None else own
    pairs = [coverage(t, vocabulary, exclusive, int(c)) for t, c in zip(texts, own, strict=True)]
    found = np.array(pairs, dtype=float).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def _exclusive_terms(pipe: Pipeline, x_train: sp.csr_matrix, index: np.ndarray, n: int):
    """For each word term: the one class (of n) whose training rows hold it, else -1."""
    words = x_train[:, : len(pipe[0].transformer_list[0][1].vocabulary_)]
    onehot = sp.csr_matrix(
        (np.ones(len(index)), (np.arange(len(index)), index)), shape=(len(index), n)
    )
    counts = ((words > 0).astype(np.float64).T @ onehot).tocsr()
    holders = np.asarray((counts > 0).sum(axis=1)).ravel()
    return np.where(holders == 1, np.asarray(counts.argmax(axis=1)).ravel(), -1)


def _validate(pipe: Pipeline, texts, labels, val_texts, val_gold, classes) -> dict:
    """Validation rows' raw class scores (columns: all classes, sorted) and confidence
    features, and the same features of each in-scope row as if its class were unknown."""
    x_fit, x_val = pipe[0].transform(texts), pipe[0].transform(val_texts)
    x_train = linear.Rows.of(x_fit, embed.encoder().dim)
    decisions = np.full((len(val_texts), len(classes)), -10.0)
    decisions[:, np.searchsorted(classes, pipe[-1].classes_)] = linear.decisions(pipe[-1], x_val)
    index = np.searchsorted(classes, labels)
    top = decisions.argmax(axis=1)
    vectors = _vectors(val_texts)
    sims = linear.similarity(x_val, vectors, x_train, index, top)
    real = abstain.confidence_features(decisions, top, sims, *_coverage(pipe, val_texts))
    masked = _mask_gold(decisions, classes, val_gold)
    alt = masked.argmax(axis=1)
    inside = np.isin(val_gold, classes)
    own = np.where(inside, np.searchsorted(classes, val_gold).clip(0, len(classes) - 1), -2)
    exclusive = _exclusive_terms(pipe, x_fit, index, len(classes))
    cover = _coverage(pipe, val_texts, exclusive, own)
    alt_sims = linear.similarity(x_val, vectors, x_train, index, alt)
    pseudo = abstain.confidence_features(masked, alt, alt_sims, *cover)
    return {"decisions": decisions, "features": real, "pseudo": pseudo}


def _mask_gold(decisions: np.ndarray, classes: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """The raw scores with each in-scope row's gold column removed (as if it were unknown)."""
    masked = decisions.copy()
    rows = np.flatnonzero(np.isin(gold, classes))
    masked[rows, np.searchsorted(classes, gold[rows])] = -1e9
    return masked


def _cross_validate(texts, labels, c, folds, step) -> dict:
    """Out-of-fold results of ``_validate`` for every training row."""
    classes, counts = np.unique(labels, return_counts=True)
    folds = max(2, min(folds, int(counts.min())))
    width = len(abstain.FEATURES)
    found = {
        "decisions": np.zeros((len(texts), len(classes))),
        "features": np.zeros((len(texts), width)),
        "pseudo": np.zeros((len(texts), width)),
    }
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for k, (fit, val) in enumerate(splitter.split(texts, labels), 1):
        step(f"cross-validation fold {k}/{folds}")
        pipe = make_pipeline(c).fit([texts[i] for i in fit], labels[fit])
        fit_texts, val_texts = [texts[i] for i in fit], [texts[i] for i in val]
        for key, value in _validate(
            pipe, fit_texts, labels[fit], val_texts, labels[val], classes
        ).items():
            found[key][val] = value
    return found


def _calibrate(classes, gold, found: dict) -> dict:
    """Temperature, confidence model, threshold and validation scores from validation rows."""
    decisions = found["decisions"]
    inside = np.isin(gold, classes)
    temp = abstain.fit_temperature(decisions[inside], np.searchsorted(classes, gold[inside]))
    top = classes[decisions.argmax(axis=1)]
    correct = top == gold
    if (~inside).any():  # real out-of-scope rows: they teach the confidence model
        features, right, outside = found["features"], correct, ~inside
    else:  # none: every in-scope row also stands in for an unknown one, its class left out
        features = np.vstack([found["features"], found["pseudo"]])
        right = np.concatenate([correct, np.zeros(len(gold), bool)])
        outside = np.repeat([False, True], len(gold))
    scores = _confidence_out_of_fold(features, right, outside)
    model = _fit_confidence(features, right, outside)
    n = len(gold)
    chosen = abstain.choose_threshold(scores[:n], correct, ~inside, scores[n:])
    pred = np.where(scores[:n] < chosen.value, ABSTAIN, top)
    measured = classify_scores(list(gold), list(pred), set(classes))
    measured.pop("per_class_f1")
    return {
        "temperature": temp,
        "threshold": chosen.value,
        "threshold_method": chosen.method,
        "abstain_when": "estimated chance that the top class is right (logistic model of "
        f"{', '.join(abstain.FEATURES)}, fitted on the validation rows) < threshold",
        "confidence": model.to_dict(),
        "validation": measured,
    }


def _balanced(outside: np.ndarray) -> np.ndarray:
    """Sample weights giving in-scope and out-of-scope rows half the total weight each."""
    share = np.where(outside, outside.mean(), 1 - outside.mean())
    return 0.5 / np.maximum(share, 1e-12)


def _fit_confidence(features, right, outside) -> abstain.Confidence:
    """Logistic regression of "right" on standardised features, groups weighted equally."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    if right.all() or not right.any():  # one outcome only: a constant chance
        rate = float(np.clip(right.mean(), 0.01, 0.99))
        coef, intercept = np.zeros(features.shape[1]), float(np.log(rate / (1 - rate)))
    else:
        lr = LogisticRegression(C=0.3, max_iter=1000)
        lr.fit((features - mean) / scale, right, sample_weight=_balanced(outside))
        coef, intercept = lr.coef_[0], float(lr.intercept_[0])
    return abstain.Confidence(tuple(mean), tuple(scale), tuple(coef), intercept)


def _confidence_out_of_fold(features, right, outside, folds: int = 5) -> np.ndarray:
    """Each row's confidence from a model fitted without it (in-sample when too few rows)."""
    strata = 2 * outside + right
    folds = min(folds, int(np.unique(strata, return_counts=True)[1].min()))
    if folds < 2:
        return _fit_confidence(features, right, outside).score(features)
    scores = np.zeros(len(right))
    for fit, val in StratifiedKFold(folds, shuffle=True, random_state=0).split(features, strata):
        model = _fit_confidence(features[fit], right[fit], outside[fit])
        scores[val] = model.score(features[val])
    return scores


def _priority_model(examples, matrix, classes, defaults) -> tuple[LinearSVC | None, float]:
    """Linear SVM on text features plus the true class, and its temperature (by CV)."""
    prios = np.array([e.priority or defaults.get(e.label, "") for e in examples])
    rows = np.flatnonzero(prios != "")
    names, counts = np.unique(prios[rows], return_counts=True)
    if len(counts) < 2 or counts.min() < 2:
        return None, 0.0
    cls = np.searchsorted(classes, [examples[i].label for i in rows])
    x, y = linear.with_class(matrix[rows], cls, len(classes)), prios[rows]
    folds = StratifiedKFold(n_splits=int(min(3, counts.min())), shuffle=True, random_state=0)
    scores = np.zeros((len(rows), len(names)))
    for fit, val in folds.split(x, y):
        svm = LinearSVC(C=0.5, class_weight="balanced").fit(x[fit], y[fit])
        scores[np.ix_(val, np.searchsorted(names, svm.classes_))] = linear.decisions(svm, x[val])
    temp = abstain.fit_temperature(scores, np.searchsorted(names, y))
    return LinearSVC(C=0.5, class_weight="balanced").fit(x, y), temp
