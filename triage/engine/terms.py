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
