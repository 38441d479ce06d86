"""Word terms for the classifier: folded words cut to a short prefix, and their bigrams (pure).

Cutting every word to its first letters is a crude, language-independent stemmer: it merges
the inflected forms of Russian, Ukrainian and German words (``сервер``, ``сервера``,
``серверов``) as well as English ones, and needs no dictionary. Measured by cross-validation on
the training rows it beat full words and word + prefix blocks (see ``bench/classify.py``).
"""

from __future__ import annotations

import re

from triage.engine.textnorm import fold

PREFIX = 5
_WORD = re.compile(r"\w+")


def stems(text: str) -> list[str]:
    """The folded words of text, each cut to PREFIX letters, in order."""
    return [fold(w)[:PREFIX] for w in _WORD.findall(text)]


def stem_terms(text: str) -> list[str]:
    """The classifier's word terms of text: prefix stems and pairs of neighbouring stems."""
    words = stems(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def readable(text: str, term: str) -> str:
    """The words of text behind a term (``"passw reset"`` -> ``"password reset"``)."""
    words = _WORD.findall(text)
    cut = stems(text)
    parts = term.split(" ")
    for i in range(len(cut) - len(parts) + 1):
        if cut[i : i + len(parts)] == parts:
            return " ".join(words[i : i + len(parts)])
    return term


def coverage(
    text: str, vocabulary: dict[str, int], exclusive=None, own: int = -1
) -> tuple[float, float]:
    """How much of text the training rows knew: the share of its word stems never seen, and the
    share of its stem pairs seen (``vocabulary``: the fitted word terms and their columns).

    exclusive (column -> the one class whose training rows hold that term, or -1) and own (a
    class) score the text as if that class were unknown: its terms seen only in that class
    count as unseen, which is how an in-scope row stands in for an out-of-scope one.
    """
    terms = stem_terms(text)

    def known(term: str) -> bool:
        column = vocabulary.get(term)
        return column is not None and (exclusive is None or exclusive[column] != own)

    singles = [known(t) for t in terms if " " not in t]
    pairs = [known(t) for t in terms if " " in t]
    unseen = 1.0 - sum(singles) / len(singles) if singles else 1.0
    return unseen, sum(pairs) / len(pairs) if pairs else 0.0
