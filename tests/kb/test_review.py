"""Article rankings for writers: Wilson lower bound, deflections, overdue, before tickets."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import write_article
from triage.kb.articles import load_kb
from triage.kb.review import (
    Usage,
    Votes,
    before_tickets,
    by_deflections,
    by_helpfulness,
    least_helpful,
    overdue,
    wilson_lower,
)


@pytest.mark.parametrize(
    ("yes", "n", "expected"),
    [(9, 10, 0.5958), (95, 100, 0.8883), (3, 3, 0.4385), (0, 5, 0.0), (0, 0, 0.0)],
)
def test_wilson_lower_bound(yes, n, expected):
    assert wilson_lower(yes, n) == pytest.approx(expected, abs=1e-4)


def test_helpfulness_needs_votes_and_prefers_evidence():
    votes = [
        Votes("few", "en", 3, 0),  # 3/3 but below the minimum of 5 answers
        Votes("solid", "en", 95, 5),
        Votes("shaky", "en", 5, 0),
        Votes("bad", "de", 1, 9),
    ]
    ranked = by_helpfulness(votes)
    assert [r.article for r in ranked] == ["solid", "shaky", "bad"]
    assert ranked[0].votes == 100 and ranked[0].helpful == 95
    assert [r.article for r in least_helpful(votes)] == ["bad", "shaky", "solid"]


def test_helpfulness_across_languages():
    votes = [Votes("a", "en", 2, 1), Votes("a", "ru", 2, 0)]
    assert by_helpfulness(votes) == []
    (row,) = by_helpfulness(votes, per_language=False)
    assert (row.lang, row.helpful, row.votes) == ("*", 4, 5)


def test_deflections_and_before_tickets():
    usage = [
        Usage("reset-password", 10, 7, 1),
        Usage("quota", 6, 0, 4),
        Usage("rare", 2, 1, 2),  # opened too rarely to be judged
        Usage("ok", 5, 2, 1),  # 20 % before a ticket: below the share
    ]
    assert [(r.article, r.score) for r in by_deflections(usage)] == [
        ("reset-password", 7.0), ("ok", 2.0), ("rare", 1.0),
    ]  # fmt: skip
    assert [(r.article, r.score) for r in before_tickets(usage)] == [("quota", 0.6667)]


def test_overdue_articles(tmp_path):
    root = tmp_path / "kb"
    write_article(root, "access", "old", review_by="2026-01-01", owner="anna")
    write_article(root, "access", "older", lang="de", review_by="2025-06-30")
    write_article(root, "access", "fresh", review_by="2099-01-01")
    write_article(root, "access", "draft", review_by="2020-01-01", status="draft")
    rows = overdue(load_kb(root, include_drafts=True), date(2026, 11, 23))
    assert [(r.article, r.lang, r.days_over) for r in rows] == [
        ("older", "de", 511), ("old", "en", 326),
    ]  # fmt: skip
    assert rows[1].owner == "anna"
