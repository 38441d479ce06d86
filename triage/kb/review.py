"""Which articles need a writer: ranked by helpfulness and deflections, overdue, before tickets.

Pure functions over values. Helpfulness is the Wilson score lower bound of the share of
"helpful" answers (95 %), so that 3 of 3 does not outrank 95 of 100; articles with fewer
than ``MIN_VOTES`` answers are not ranked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from triage.kb.articles import Article

MIN_VOTES = 5
Z95 = 1.959964
MIN_OPENED = 3  # sessions that opened an article before it is judged by what followed


@dataclass(frozen=True)
class Votes:
    """Feedback about one article in one language."""

    article: str
    lang: str
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class Usage:
    """What Ask sessions did with one article."""

    article: str
    opened: int  # sessions that opened it (or started on its page)
    deflected: int  # sessions it solved with no ticket after
    tickets_after: int  # sessions that opened it and still filed a ticket


@dataclass(frozen=True)
class Ranked:
    """One line of a ranking: the article, its language ('*' for all) and the figures."""

    article: str
    lang: str
    score: float
    helpful: int = 0
    votes: int = 0


@dataclass(frozen=True)
class Overdue:
    """A published article past its review date."""

    article: str
    lang: str
    review_by: date
    days_over: int
    owner: str
    path: str


def wilson_lower(positive: int, total: int, z: float = Z95) -> float:
    """The lower bound of the Wilson score interval of positive/total (0 when total is 0)."""
    if total <= 0:
        return 0.0
    p = positive / total
    centre = p + z * z / (2 * total)
    spread = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return (centre - spread) / (1 + z * z / total)


def by_helpfulness(
    votes: Iterable[Votes], min_votes: int = MIN_VOTES, per_language: bool = True
) -> list[Ranked]:
    """Articles with enough answers, most helpful first (Wilson lower bound)."""
    totals: dict[tuple[str, str], list[int]] = {}
    for v in votes:
        key = (v.article, v.lang if per_language else "*")
        t = totals.setdefault(key, [0, 0])
        t[0], t[1] = t[0] + v.helpful, t[1] + v.helpful + v.not_helpful
    rows = [
        Ranked(a, lang, round(wilson_lower(yes, n), 4), yes, n)
        for (a, lang), (yes, n) in totals.items()
        if n >= min_votes
    ]
    return sorted(rows, key=lambda r: (-r.score, -r.votes, r.article, r.lang))


def least_helpful(votes: Iterable[Votes], min_votes: int = MIN_VOTES) -> list[Ranked]:
    """Articles with enough answers, least helpful first (for review)."""
    return sorted(by_helpfulness(votes, min_votes), key=lambda r: (r.score, -r.votes, r.article))


def by_deflections(usage: Iterable[Usage]) -> list[Ranked]:
    """Articles that closed Ask sessions without a ticket, most first."""
    rows = [Ranked(u.article, "*", float(u.deflected)) for u in usage if u.deflected > 0]
    return sorted(rows, key=lambda r: (-r.score, r.article))


def before_tickets(
    usage: Iterable[Usage], min_opened: int = MIN_OPENED, min_share: float = 0.3
) -> list[Ranked]:
    """Articles often read just before a ticket was filed: share of their sessions, most first."""
    rows = [
        Ranked(u.article, "*", round(u.tickets_after / u.opened, 4), votes=u.opened)
        for u in usage
        if u.opened >= min_opened and u.tickets_after / u.opened >= min_share
    ]
    return sorted(rows, key=lambda r: (-r.score, -r.votes, r.article))


def overdue(articles: Iterable[Article], today: date) -> list[Overdue]:
    """Published articles whose ``review_by`` date has passed, longest overdue first."""
    rows = [
        Overdue(a.id, a.lang, a.review_by, (today - a.review_by).days, a.owner, a.path)
        for a in articles
        if a.review_by and a.review_by < today and not a.is_draft
    ]
    return sorted(rows, key=lambda r: (r.review_by, r.article, r.lang))
