"""Language detection: script, letters unique to a language, function words, mixed texts."""

from __future__ import annotations

import pytest

from triage.engine.language import detect_language, word_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("How do I reset my password?", "en"),
        ("vm wont boot", "en"),
        ("Как сбросить пароль?", "ru"),
        ("сервер недоступен", "ru"),
        ("Як скинути пароль?", "uk"),
        ("Сервер не відповідає вже годину", "uk"),
        ("їжак", "uk"),
        ("Wie kann ich mein Passwort zurücksetzen?", "de"),
        ("Der Server ist nicht erreichbar", "de"),
        ("Größe", "de"),
        ("Mein Server startet nicht nach dem Update", "de"),
        ("ERROR 502 Bad Gateway", "en"),
        # mixed: the language of most words wins
        ("Привет, my server is down and I cannot login since morning", "en"),
        ("не могу войти, пишет access denied", "ru"),
        ("Добрий день, не можу увійти в акаунт, пише login failed", "uk"),
        ("Hallo, die VM ist seit gestern nicht erreichbar, error timeout", "de"),
    ],
)
def test_detects_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "12345 !!!", "   ", "🙂🙂"])
def test_no_letters_gives_default(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, default="de") == "de"


def test_undecided_words_give_default() -> None:
    # "server" and "backup" are no language's marker: the configured default decides
    assert detect_language("server backup", default="de") == "de"
    assert detect_language("сервер", default="uk") == "uk"
    assert detect_language("сервер", default="en") == "ru"


@pytest.mark.parametrize(
    ("word", "vote"),
    [("і", "uk"), ("это", "ru"), ("ы", "ru"), ("und", "de"), ("straße", "de"), ("the", "en")],
)
def test_word_votes(word: str, vote: str) -> None:
    assert word_language(word) == vote
