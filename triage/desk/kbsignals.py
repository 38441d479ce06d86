"""What the desk knows about the knowledge base: unanswered questions and article usage (read-only).

Gap questions come from four places: Ask sessions that got no suggestion above the
self-service threshold (``low_score``), sessions that ended in a ticket (``ticket``), sessions
whose suggestion was marked not helpful (``not_helpful``) and resolved tickets that no article
answered (``no_article``: no event of the ticket names an article in its data, see
``ARTICLE_KEYS``; only events from before the console recorded the article it answered with
are matched by their reason, ``ANSWERED_REASON``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.desk.db import Database
from triage.desk.deflection import ArticleFeedback, QuestionSession, SessionRecord, outcome
from triage.desk.models import Ticket
from triage.kb import review
from triage.kb.gaps import GapQuestion
from triage.kb.review import Usage, Votes

ARTICLE_KEYS = ("article", "articles")  # event data naming the article that answered
ANSWERED_REASON = "answered from the knowledge base"  # the console's "Answer with this article"
DONE = ("resolved", "closed")


def _low_score(row: QuestionSession, threshold: float | None) -> bool:
    """No suggestion at all, or (when scores were stored) a top share under the threshold.

    The share is the self-service rule of ``triage.engine.decide``: s1 / (s1 + s2).
    """
    suggested = list(row.suggested or [])
    if not suggested:
        return True
    scores = [s.get("score") for s in suggested if isinstance(s.get("score"), int | float)]
    if threshold is None or len(scores) != len(suggested):
        return False
    top = sorted((max(float(x), 0.0) for x in scores), reverse=True) + [0.0]
    share = top[0] / (top[0] + top[1]) if top[0] + top[1] > 0 else 0.0
    return share < threshold


def _session_gaps(s: Session, since: datetime | None, threshold: float | None):
    q = select(QuestionSession).where(QuestionSession.question != "")
    if since is not None:
        q = q.where(QuestionSession.started_at >= since)
    unhelpful = select(ArticleFeedback.session_key).where(
        ArticleFeedback.helpful.is_(False), ArticleFeedback.session_key.is_not(None)
    )
    bad = set(s.execute(unhelpful).scalars())
    for row in s.execute(q.order_by(QuestionSession.id)).scalars():
        source = (
            "ticket"
            if row.ticket_ref
            else "not_helpful"
            if row.key in bad and not row.solved
            else "low_score"
            if _low_score(row, threshold) and not row.solved
            else None
        )
        if source:
            klass = row.predicted_class or "unknown"
            yield GapQuestion(row.question, row.lang, klass, source, row.ticket_ref, row.started_at)


def _ids(value: Any) -> list[str]:
    """Article ids of an ``article`` / ``articles`` value: ids, or dicts with an id or a url."""
    out: list[str] = []
    for a in value if isinstance(value, list) else [value]:
        if isinstance(a, dict):
            out += [str(a["id"])] if a.get("id") else _article_id(a.get("url"))
        elif isinstance(a, str) and a.strip():
            out.append(a.strip())
    return out


def answered_by(events: list[Any]) -> list[str]:
    """The article ids a ticket's events record (``ARTICLE_KEYS`` of their data), in order."""
    found = [i for e in events for k in ARTICLE_KEYS for i in _ids((e.data or {}).get(k))]
    return list(dict.fromkeys(found))


def _answered(events: list[Any]) -> bool:
    """An article is recorded; else (events older than the recorded ids) the console's reason."""
    return bool(answered_by(events)) or any(e.reason == ANSWERED_REASON for e in events)


def _ticket_gaps(s: Session, since: datetime | None, seen: set[str]):
    q = select(Ticket).where(Ticket.status.in_(DONE))
    if since is not None:
        q = q.where(Ticket.reported_at >= since)
    for t in s.execute(q.order_by(Ticket.id)).scalars():
        if t.ref not in seen and t.description.strip() and not _answered(t.events):
            at = t.resolved_at or t.reported_at
            yield GapQuestion(t.description, t.lang, t.request_class, "no_article", t.ref, at)


def gap_questions(
    db: Database, since: datetime | None = None, threshold: float | None = None
) -> list[GapQuestion]:
    """Every unanswered question since a moment (all when None), sessions first."""
    with db.read() as s:
        found = list(_session_gaps(s, since, threshold))
        refs = {q.ref for q in found if q.ref}
        return found + list(_ticket_gaps(s, since, refs))


def votes(db: Database) -> list[Votes]:
    """Helpful / not helpful answers per article and language."""
    from triage.desk.deflection import feedback_counts

    return [Votes(c.article, c.lang, c.helpful, c.not_helpful) for c in feedback_counts(db)]


def _record(row: QuestionSession) -> SessionRecord:
    solved = row.solved_at if row.solved else None
    return SessionRecord("", row.lang, row.started_at, 1, solved, row.ticket_at)


def _article_id(page: str | None) -> list[str]:
    """The article id of a site page path (``[<lang>/]<class>/<id>/``), or of an id."""
    parts = [p for p in (page or "").split("?")[0].split("/") if p]
    return parts[-1:] if parts else []


def usage(db: Database, now: datetime, since: datetime | None = None) -> list[Usage]:
    """Per article: sessions that opened it, deflections it made, tickets filed after it."""
    q = select(QuestionSession)
    if since is not None:
        q = q.where(QuestionSession.started_at >= since)
    opened: Counter[str] = Counter()
    deflected: Counter[str] = Counter()
    before_ticket: Counter[str] = Counter()
    with db.read() as s:
        for row in s.execute(q).scalars():
            seen = list(dict.fromkeys([*(row.opened or []), *_article_id(row.came_from)]))
            opened.update(seen)
            if row.ticket_ref:
                before_ticket.update(seen)
            if row.solved_article and outcome(_record(row), now):
                deflected[row.solved_article] += 1
    names = set(opened) | set(deflected)
    return sorted(
        (Usage(a, opened[a], deflected[a], before_ticket[a]) for a in names),
        key=lambda u: u.article,
    )


def review_lists(
    db: Database, articles: list[Any], now: datetime, today: date, min_votes: int, top: int
) -> dict[str, list[dict[str, Any]]]:
    """The writers' review lists (helpfulness, deflections, overdue, before tickets) as rows."""
    v, u = votes(db), usage(db, now)
    ranked = review.by_helpfulness(v, min_votes)
    return {
        "most_helpful": [asdict(r) for r in ranked[:top]],
        "least_helpful": [asdict(r) for r in review.least_helpful(v, min_votes)[:top]],
        "most_deflections": [asdict(r) for r in review.by_deflections(u)[:top]],
        "before_tickets": [asdict(r) for r in review.before_tickets(u)[:top]],
        "overdue": [
            {**asdict(r), "review_by": r.review_by.isoformat()}
            for r in review.overdue(articles, today)[:top]
        ],
    }
