"""The classifier's word terms: folded prefixes merge inflected forms in every language."""

from __future__ import annotations

import pytest

from triage.engine.terms import coverage, readable, stem_terms, stems


def test_inflected_forms_share_a_stem() -> None:
    assert stems("сервера серверов Сервер") == ["серве"] * 3
    assert stems("Passwörter Passwort") == ["passw", "passw"]
    assert stems("підключення підключенням") == ["підкл", "підкл"]


def test_terms_are_stems_and_neighbouring_pairs() -> None:
    assert stem_terms("Reset my password") == ["reset", "my", "passw", "reset my", "my passw"]


def test_readable_gives_the_words_of_the_text() -> None:
    text = "Password reset does not work"
    assert readable(text, "passw reset") == "Password reset"
    assert readable(text, "nothing") == "nothing"


def test_coverage_counts_unseen_words_and_known_pairs() -> None:
    vocabulary = {"reset": 0, "passw": 1, "reset passw": 2, "site": 3}
    # words: reset, my, passw -> "my" unseen (1/3); pairs: "reset my", "my passw" -> none known
    assert coverage("reset my password", vocabulary) == pytest.approx((1 / 3, 0.0))
    assert coverage("Reset password", vocabulary) == (0.0, 1.0)
    assert coverage("", vocabulary) == (1.0, 0.0)


def test_coverage_as_if_a_class_were_unknown() -> None:
    vocabulary = {"reset": 0, "passw": 1, "reset passw": 2}
    exclusive = [-1, 4, 4]  # "passw" and the pair were seen only in class 4
    assert coverage("reset password", vocabulary, exclusive, own=4) == (0.5, 0.0)
    assert coverage("reset password", vocabulary, exclusive, own=2) == (0.0, 1.0)
