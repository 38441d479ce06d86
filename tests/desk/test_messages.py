"""Customer-visible messages exist in every language and for every status and priority."""

from __future__ import annotations

import pytest

from triage.desk import lifecycle, messages

LANGS = ("en", "ru", "uk", "de")


@pytest.mark.parametrize("lang", LANGS)
def test_every_status_and_priority_is_translated(lang, policy):
    names = {messages.status_name(s, lang) for s in lifecycle.STATUSES}
    assert len(names) == len(lifecycle.STATUSES)
    for p in policy.priorities:
        assert messages.priority_changed(p, " why ", lang).endswith(": why")
    assert messages.received(lang)


def test_languages_differ_and_fall_back_to_english():
    texts = {messages.status_changed("waiting_customer", lang) for lang in LANGS}
    assert len(texts) == 4
    assert messages.status_changed("resolved", "fr") == messages.status_changed("resolved")
    assert messages.status_changed("in_progress", "de") == "Status: in Arbeit."
