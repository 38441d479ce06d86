"""The classifier's word terms: folded prefixes merge inflected forms in every language."""

from __future__ import annotations

from triage.engine.terms import readable, stem_terms, stems


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
