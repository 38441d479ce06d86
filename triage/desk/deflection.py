"""Deflection, measured: question sessions of the Ask page, article feedback, and the rate.

A session is one visit to Ask support: the question, its language and predicted class, what was
suggested, what was opened, whether it was marked solved (and by which article) and the ticket
filed from it, if any. The deflection rate of a (class, language) group is the share of its
sessions with at least one suggestion that were marked solved and had no ticket within
``WINDOW`` of the session (pure: ``deflection_rates``). Sessions whose window is still open at
``now`` are reported as pending and counted in neither part of the rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from triage.desk.db import Database
from triage.desk.models import Base, utcnow

WINDOW = timedelta(minutes=30)
ALL = "*"  # the class / language of the totals row


class QuestionSession(Base):
    """One visit to Ask support, from the first suggestions to solved or a ticket."""

    __tablename__ = "question_sessions"
    __table_args__ = (Index("ix_question_sessions_started", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    question: Mapped[str] = mapped_column(Text, default="")
    lang: Mapped[str] = mapped_column(String(8), default="en")
    predicted_class: Mapped[str] = mapped_column(String(64), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    came_from: Mapped[str | None] = mapped_column(String(200))  # the article page it started on
    # [{id, lang, url, title, score}], score for the current question (older rows have none)
    suggested: Mapped[list[Any]] = mapped_column(JSON, default=list)
    opened: Mapped[list[Any]] = mapped_column(JSON, default=list)  # article ids, in order
    solved: Mapped[bool] = mapped_column(Boolean, default=False)
    solved_article: Mapped[str | None] = mapped_column(String(200))
    solved_at: Mapped[datetime | None]
    ticket_ref: Mapped[str | None] = mapped_column(String(32))
    ticket_at: Mapped[datetime | None]


class ArticleFeedback(Base):
    """One "was this helpful?" answer about an article in one language."""

    __tablename__ = "article_feedback"
    __table_args__ = (Index("ix_article_feedback_article", "article", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16), default="site")  # site | ask
    session_key: Mapped[str | None] = mapped_column(String(64))


@dataclass(frozen=True)
class SessionRecord:
    """What the rate needs to know about one session."""

    request_class: str
    lang: str
    started_at: datetime
    suggestions: int
    solved_at: datetime | None = None
    ticket_at: datetime | None = None


@dataclass(frozen=True)
class DeflectionRate:
    """Deflection of one (class, language) group; ``rate`` is None without decided sessions."""

    request_class: str
    lang: str
    sessions: int  # decided sessions with at least one suggestion
    deflected: int
    pending: int  # window still open at ``now``
    rate: float | None


def outcome(r: SessionRecord, now: datetime, window: timedelta = WINDOW) -> bool | None:
    """True deflected, False not, None undecided yet (the ticket window is still open)."""
    if r.solved_at is None:
        return False if r.ticket_at is not None or now - r.started_at >= window else None
    if r.ticket_at is not None and r.ticket_at - r.solved_at <= window:
        return False
    return True if now - r.solved_at >= window else None


def deflection_rates(
    records: Iterable[SessionRecord], now: datetime, window: timedelta = WINDOW
) -> list[DeflectionRate]:
    """Per (class, language) deflection, sorted, then a totals row (class and language ``*``)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for r in records:
        if r.suggestions < 1:
            continue
        result = outcome(r, now, window)
        for key in ((r.request_class, r.lang), (ALL, ALL)):
            counts = groups.setdefault(key, [0, 0, 0])
            if result is None:
                counts[2] += 1
            else:
                counts[0] += 1
                counts[1] += int(result)
    rows = [
        DeflectionRate(k, lang, n, d, p, round(d / n, 4) if n else None)
        for (k, lang), (n, d, p) in groups.items()
    ]
    return sorted(rows, key=lambda x: (x.request_class == ALL, x.request_class, x.lang))


def records(db: Database, since: datetime | None = None, until: datetime | None = None):
    """The sessions started in [since, until) as SessionRecord values."""
    q = select(QuestionSession)
    if since is not None:
        q = q.where(QuestionSession.started_at >= since)
    if until is not None:
        q = q.where(QuestionSession.started_at < until)
    with db.read() as s:
        return [
            SessionRecord(
                r.predicted_class or "unknown",
                r.lang,
                r.started_at,
                len(r.suggested or []),
                r.solved_at if r.solved else None,
                r.ticket_at,
            )
            for r in s.execute(q.order_by(QuestionSession.id)).scalars()
        ]


def deflection_report(
    db: Database, now: datetime, since: datetime | None = None, until: datetime | None = None
) -> list[DeflectionRate]:
    """The deflection rates of the sessions started in [since, until), for the staff reports."""
    return deflection_rates(records(db, since, until), now)


@dataclass(frozen=True)
class FeedbackCount:
    """Helpful / not helpful answers about one article in one language."""

    article: str
    lang: str
    helpful: int
    not_helpful: int


def feedback_counts(db: Database) -> list[FeedbackCount]:
    """Feedback per article and language (the ranking of a later issue reads this)."""
    yes = func.sum(func.cast(ArticleFeedback.helpful, Integer))
    q = (
        select(ArticleFeedback.article, ArticleFeedback.lang, yes, func.count())
        .group_by(ArticleFeedback.article, ArticleFeedback.lang)
        .order_by(ArticleFeedback.article, ArticleFeedback.lang)
    )
    with db.read() as s:
        return [
            FeedbackCount(a, lang, int(y or 0), int(n - (y or 0))) for a, lang, y, n in s.execute(q)
        ]
