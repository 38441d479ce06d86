"""Deflection: the rate on a history computed by hand, and the session writer on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triage.desk import questions
from triage.desk.deflection import (
    ALL,
    DeflectionRate,
    SessionRecord,
    deflection_rates,
    deflection_report,
    feedback_counts,
    outcome,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)
H = timedelta(hours=1)


def rec(klass, lang, started, n, solved=None, ticket=None):
    """A session record with times given relative to NOW."""
    at = NOW - started
    return SessionRecord(
        klass,
        lang,
        at,
        n,
        None if solved is None else at + solved,
        None if ticket is None else at + ticket,
    )


HISTORY = [
    rec("access", "en", 2 * H, 3, solved=2 * M),  # deflected
    rec("access", "en", 2 * H, 2, solved=0 * M, ticket=10 * M),  # ticket 10 min after solving
    rec("access", "en", 3 * H, 1),  # never solved
    rec("access", "en", 3 * H, 0, solved=1 * M),  # no suggestion: not counted at all
    rec("access", "en", 5 * M, 2),  # still open: pending
    rec("access", "ru", 2 * H, 2, solved=H, ticket=H + 45 * M),  # ticket after the window
    rec("access", "ru", 15 * M, 2, solved=5 * M),  # solved 10 min ago: pending
    rec("outage", "de", H, 1, ticket=5 * M),  # a ticket, never solved
    rec("outage", "de", 2 * H, 4, solved=3 * M, ticket=M),  # ticket, then solved
]


def test_rates_on_a_hand_computed_history():
    rows = deflection_rates(HISTORY, NOW)
    assert rows == [
        DeflectionRate("access", "en", 3, 1, 1, 0.3333),
        DeflectionRate("access", "ru", 1, 1, 1, 1.0),
        DeflectionRate("outage", "de", 2, 0, 0, 0.0),
        DeflectionRate(ALL, ALL, 6, 2, 2, 0.3333),
    ]


@pytest.mark.parametrize(
    ("solved", "ticket", "expected"),
    [
        (0 * M, 30 * M, False),  # a ticket exactly 30 minutes after solving still counts
        (0 * M, 31 * M, True),
        (10 * M, None, True),
        (None, None, False),
        (None, 2 * H, False),
    ],
)
def test_window_edges(solved, ticket, expected):
    r = rec("access", "en", 3 * H, 1, solved=solved, ticket=ticket)
    assert outcome(r, NOW) is expected


def test_no_sessions_no_rate():
    assert deflection_rates([rec("access", "en", H, 0)], NOW) == []
    pending = deflection_rates([rec("access", "en", M, 1)], NOW)
    assert pending[0].rate is None and pending[0].pending == 1


SUGG = [
    {"id": "reset-password", "lang": "ru", "url": "/ru/access/reset-password/", "title": "Сброс"},
    {"id": "two-factor", "lang": "en", "url": "/access/two-factor/", "title": "2FA"},
]


def test_sessions_are_recorded_and_reported(db):
    t0 = NOW - 2 * H
    a = questions.record_question(db, None, "забыл пароль", "ru", ("access", 0.9), SUGG, t0)
    again = questions.record_question(
        db, a.key, "забыл пароль от входа", "ru", ("access", 0.8), SUGG[:1], t0 + M
    )
    assert (
        again.key == a.key
        and again.question == "забыл пароль от входа"
        and len(again.suggested) == 2
    )
    assert questions.record_open(db, a.key, "reset-password", t0 + 2 * M)["url"] == SUGG[0]["url"]
    with pytest.raises(questions.NotSuggested):
        questions.record_open(db, a.key, "elsewhere", t0)
    solved = questions.mark_solved(db, a.key, "reset-password", t0 + 3 * M)
    assert solved.solved and solved.opened == ("reset-password",)
    b = questions.record_question(db, None, "site down", "en", ("outage", 0.7), SUGG[1:], t0)
    assert questions.link_ticket(db, b.key, "SUP-000001", t0 + 5 * M)
    assert not questions.link_ticket(db, "no-such-key", "SUP-000002", t0)
    questions.add_feedback(db, "two-factor", "en", False, t0)
    assert deflection_report(db, NOW) == [
        DeflectionRate("access", "ru", 1, 1, 0, 1.0),
        DeflectionRate("outage", "en", 1, 0, 0, 0.0),
        DeflectionRate(ALL, ALL, 2, 1, 0, 0.5),
    ]
    counts = {(c.article, c.lang): (c.helpful, c.not_helpful) for c in feedback_counts(db)}
    assert counts == {("reset-password", "ru"): (1, 0), ("two-factor", "en"): (0, 1)}


def test_unknown_session_and_bad_feedback_change_nothing(db):
    with pytest.raises(questions.UnknownSession):
        questions.mark_solved(db, "nope", "x", NOW)
    with pytest.raises(ValueError):
        questions.add_feedback(db, "", "en", True, NOW)
    assert feedback_counts(db) == [] and deflection_report(db, NOW) == []
