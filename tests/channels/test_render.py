"""Every customer email renders in every language, in that language, with nothing left blank."""

from __future__ import annotations

import pytest

from triage.channels.render import TemplateError, render, templates
from triage.desk.outbox import KINDS

CONTEXT = {
    "ref": "SUP-000042",
    "plan": "standard",
    "token": "tok-123",
    "reaction_due": "2026-11-24T15:00:00+00:00",
    "priority": "high",
    "request_class": "access",
    "missing": ["module", "version"],
    "articles": [{"title": "Reset a password", "url": "/access/reset-password/"}],
    "reason": "information_unavailable",
    "message": "Staff text here.",
    "status": "declined",
    "from": "medium",
    "to": "high",
    "number": 1,
    "waiting_since": "2026-11-23T09:00:00+00:00",
    "close_on": "2026-12-07T09:00:00+00:00",
}
SIGN_OFF = {"en": "Kind regards", "ru": "С уважением", "uk": "З повагою", "de": "Mit freundlichen"}


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "de"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_language(policy, kind, lang):
    mail = render(kind, lang, CONTEXT, policy, "https://help.example.com/")
    assert mail.subject.startswith("[SUP-000042] ") and "{" not in mail.subject
    assert SIGN_OFF[lang] in mail.body and "https://help.example.com/t/SUP-000042" in mail.body
    assert "{{" not in mail.body and "\n\n\n" not in mail.body
    if lang != "en":
        assert not set(mail.subject.split()) & {"request", "Your", "has", "been"}


def test_confirmation_details(policy):
    body = render("confirmation", "uk", CONTEXT, policy, "https://help.example.com").body
    assert "https://help.example.com/t/SUP-000042?token=tok-123" in body
    assert "16 робочих годин" in body and "Пріоритет: високий" in body
    assert "модуль продукту, версія продукту" in body
    assert "Reset a password: https://help.example.com/access/reset-password/" in body


def test_missing_template_or_value_is_an_error(policy):
    with pytest.raises(TemplateError):
        render("birthday", "en", CONTEXT, policy, "https://x")
    with pytest.raises(TemplateError):
        render("reply", "fr", CONTEXT, policy, "https://x")
    with pytest.raises(KeyError):
        render("reply", "en", {"message": "hi"}, policy, "https://x")


def test_every_language_has_the_same_keys(policy):
    keys = {lang: set(templates(lang)) for lang in ("en", "ru", "uk", "de")}
    assert all(k == keys["en"] for k in keys.values())
    words = {lang: set(templates(lang)["words"]["reasons"]) for lang in keys}
    assert all(w == words["en"] for w in words.values())
    assert set(policy.decline_reasons) <= words["en"]
    assert set(policy.required_intake) <= set(templates("en")["words"]["fields"])
