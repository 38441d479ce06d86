"""The writer of question sessions and article feedback (the tables of ``desk.deflection``).

The web pages call these with values only; each change is one write transaction. Session keys
are made here (random, 128 bits): a key the caller does not know starts a new session.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.desk.db import Database
from triage.desk.deflection import ArticleFeedback, QuestionSession

MAX_QUESTION = 5000
MAX_SUGGESTED = 50
FIELDS = ("id", "lang", "url", "title")


class UnknownSession(LookupError):
    """No question session with this key."""


class NotSuggested(ValueError):
    """The article was not among the session's suggestions."""


@dataclass(frozen=True)
class Asked:
    """A question session as the pages see it."""

    key: str
    question: str
    lang: str
    predicted_class: str
    confidence: float
    suggested: tuple[dict[str, Any], ...]
    opened: tuple[str, ...]
    solved: bool
    solved_article: str | None
    ticket_ref: str | None
    came_from: str | None


def _asked(row: QuestionSession) -> Asked:
    return Asked(
        row.key,
        row.question,
        row.lang,
        row.predicted_class,
        row.confidence,
        tuple(dict(s) for s in row.suggested or ()),
        tuple(row.opened or ()),
        row.solved,
        row.solved_article,
        row.ticket_ref,
        row.came_from,
    )


def _row(s: Session, key: str | None) -> QuestionSession | None:
    if not key:
        return None
    q = select(QuestionSession).where(QuestionSession.key == key).with_for_update()
    return s.execute(q).scalar_one_or_none()


def _score(sug: dict[str, Any]) -> float | None:
    value = sug.get("score")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _merge(old: list[Any], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Earlier suggestions first, then the new ones; ``score`` is for the current question.

    A suggestion the current question did not bring back scores 0 (so the stored scores give
    the engine's self-service share of the current question); when the caller gave no scores,
    none are kept (readers then cannot judge the match, as for sessions stored before scores).
    """
    scores = {s["id"]: _score(s) for s in new if s.get("id")}
    scored = all(v is not None for v in scores.values())
    merged = [{k: v for k, v in s.items() if k != "score"} for s in old]
    seen = {s["id"] for s in merged}
    for s in new:
        if s.get("id") and s["id"] not in seen:
            seen.add(s["id"])
            merged.append({k: str(s.get(k) or "") for k in FIELDS})
    merged = merged[:MAX_SUGGESTED]
    return [{**s, "score": scores.get(s["id"]) or 0.0} for s in merged] if scored else merged


def record_question(
    db: Database,
    key: str | None,
    question: str,
    lang: str,
    decided: tuple[str, float],
    suggested: list[dict[str, Any]],
    now: datetime,
    came_from: str | None = None,
) -> Asked:
    """Start a session (no or unknown key) or update its question; suggestions accumulate."""
    request_class, confidence = decided
    with db.write() as s:
        row = _row(s, key)
        if row is None:
            row = QuestionSession(key=secrets.token_urlsafe(16), started_at=now, suggested=[])
            row.opened, row.came_from = [], (came_from or None) and came_from[:200]
            s.add(row)
        row.question, row.lang = question.strip()[:MAX_QUESTION], lang
        row.predicted_class, row.confidence = request_class, float(confidence)
        row.suggested = _merge(list(row.suggested or []), suggested)
        row.updated_at = now
        s.flush()
        return _asked(row)


def get_session(db: Database, key: str | None) -> Asked | None:
    """The session with this key, or None."""
    if not key:
        return None
    with db.read() as s:
        row = s.execute(select(QuestionSession).where(QuestionSession.key == key)).scalar()
        return _asked(row) if row else None


def _suggestion(row: QuestionSession, article: str) -> dict[str, Any]:
    for sug in row.suggested or ():
        if sug["id"] == article:
            return sug
    raise NotSuggested(f"{article!r} was not suggested in this session")


def record_open(db: Database, key: str, article: str, now: datetime) -> dict[str, Any]:
    """Note that a suggested article was opened; return that suggestion (its url)."""
    with db.write() as s:
        row = _row(s, key)
        if row is None:
            raise UnknownSession(key)
        sug = _suggestion(row, article)
        if article not in (row.opened or []):
            row.opened = [*(row.opened or []), article]
        row.updated_at = now
        return dict(sug)


def mark_solved(db: Database, key: str, article: str, now: datetime) -> Asked:
    """Mark the session solved by a suggested article; it also counts as helpful feedback."""
    with db.write() as s:
        row = _row(s, key)
        if row is None:
            raise UnknownSession(key)
        sug = _suggestion(row, article)
        if not row.solved:
            row.solved, row.solved_article, row.solved_at = True, article, now
            if article not in (row.opened or []):
                row.opened = [*(row.opened or []), article]
            lang = sug.get("lang") or row.lang
            s.add(
                ArticleFeedback(
                    article=article, lang=lang, helpful=True, at=now, source="ask", session_key=key
                )
            )
        row.updated_at = now
        s.flush()
        return _asked(row)


def link_ticket(db: Database, key: str | None, ref: str, now: datetime) -> bool:
    """Link a ticket filed from the session (the first one only); False for no such session."""
    with db.write() as s:
        row = _row(s, key)
        if row is None:
            return False
        if row.ticket_ref is None:
            row.ticket_ref, row.ticket_at, row.updated_at = ref, now, now
        return True


def add_feedback(
    db: Database,
    article: str,
    lang: str,
    helpful: bool,
    now: datetime,
    source: str = "site",
    session_key: str | None = None,
) -> None:
    """Store one helpful / not helpful answer about an article in a language."""
    if not article or len(article) > 200 or not lang or len(lang) > 8:
        raise ValueError("article (1-200 characters) and lang (1-8) are required")
    with db.write() as s:
        s.add(
            ArticleFeedback(
                article=article,
                lang=lang,
                helpful=bool(helpful),
                at=now,
                source=source,
                session_key=session_key,
            )
        )
