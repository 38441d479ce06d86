"""Sparse linear-model arithmetic for the classifier, on fitted objects (no scikit-learn import).

Calling the fitted objects' parts directly skips scikit-learn's per-call input validation, which
costs more than the arithmetic itself for one question.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

BLOCKS = 3  # feature blocks of the classifier, each of unit length


def transform(union, texts: Sequence[str]) -> sp.csr_matrix:
    """union.transform without its per-call overhead (same result: no weights, no jobs)."""
    return sp.hstack([t.transform(list(texts)) for _, t in union.transformer_list], format="csr")


def decisions(clf, x: sp.csr_matrix) -> np.ndarray:
    """clf.decision_function without its per-call validation; binary as two columns."""
    d = np.asarray(x @ clf.coef_.T) + clf.intercept_
    return np.column_stack([-d[:, 0] / 2, d[:, 0] / 2]) if d.shape[1] == 1 else d


@dataclass(frozen=True)
class Rows:
    """Training rows laid out for fast dot products with a few queries: the sparse feature
    columns transposed (features x rows, CSR, the dense columns' rows left empty) and the last
    ``dense`` columns (the sentence vectors) as an array."""

    sparse_t: sp.csr_matrix
    dense: np.ndarray

    @classmethod
    def of(cls, matrix: sp.csr_matrix, dense: int) -> Rows:
        """Split a training matrix whose last ``dense`` columns are dense vectors."""
        cut = matrix.shape[1] - dense
        sparse_t = matrix[:, :cut].T.tocsr()
        sparse_t.resize((matrix.shape[1], matrix.shape[0]))
        return cls(sparse_t, matrix[:, cut:].toarray())

    def dots(self, x: sp.csr_matrix, vectors: np.ndarray) -> np.ndarray:
        """x (queries x features; vectors: its dense last columns) dot every training row."""
        return (x @ self.sparse_t).toarray() + vectors @ self.dense.T


def similarity(x, vectors, rows: Rows, train_labels, top, k: int = 1) -> np.ndarray:
    """Mean cosine similarity of each row of x to its k nearest training rows of class top[i].

    vectors: the dense last columns of x. A class with fewer than k rows counts its missing
    neighbours as dissimilar (0).
    """
    sims = rows.dots(x, vectors)  # rows: queries; columns: training questions
    sims /= BLOCKS  # unit-length blocks (words, chars, meaning): the dot product is at most 3
    same = top[:, None] == train_labels[None, :]
    sims = np.where(same, sims, 0.0).clip(0.0, 1.0)
    k = min(k, sims.shape[1])
    return np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:].mean(axis=1)


def with_class(x: sp.csr_matrix, classes: np.ndarray, n_classes: int) -> sp.csr_matrix:
    """x with a one-hot block of the given class indices appended."""
    onehot = sp.csr_matrix((np.ones(len(classes)), (np.arange(len(classes)), classes)))
    onehot.resize((len(classes), n_classes))
    return sp.hstack([x, onehot], format="csr")


def without_vocabularies(pipeline) -> tuple[object, dict[str, np.ndarray]]:
    """A copy of the pipeline without its vectorisers' vocabulary dicts, and the vocabularies
    as arrays of terms in column order (skops stores a large dict slowly, arrays quickly)."""
    stripped = copy.deepcopy(pipeline)
    vocabularies = {}
    for name, vectorizer in stripped[0].transformer_list:
        if not hasattr(vectorizer, "vocabulary_"):
            continue
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        vocabularies[name] = np.array(terms, dtype=str)
        del vectorizer.vocabulary_
    return stripped, vocabularies


def restore_vocabularies(pipeline, vocabularies: dict[str, np.ndarray]) -> None:
    """Put back the vocabularies taken out by without_vocabularies."""
    for name, vectorizer in pipeline[0].transformer_list:
        if name not in vocabularies:
            continue
        vectorizer.vocabulary_ = {str(t): i for i, t in enumerate(vocabularies[name].tolist())}


def class_weights(clf, column: int) -> np.ndarray:
    """The weight of each feature for one class column of a fitted linear model."""
    if clf.coef_.shape[0] == 1:  # binary: one row of weights for the second class
        return clf.coef_[0] if column == 1 else -clf.coef_[0]
    return clf.coef_[column]
