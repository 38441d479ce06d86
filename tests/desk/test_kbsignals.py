"""Gap questions and article usage read from sessions, feedback and tickets (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triage.desk import kbsignals, questions, tickets
from triage.desk.deflection import QuestionSession
from triage.desk.intake import Classified, Intake
from triage.desk.models import Ticket

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
M = timedelta(minutes=1)
SUG = [{"id": "reset-password", "lang": "en", "url": "/access/reset-password/", "title": "Reset"}]


def ask(db, text, suggested=(), lang="en", at=T0, came_from=None):
    """Start a question session and return its key."""
    asked = questions.record_question(
        db, None, text, lang, ("access", 0.5), list(suggested), at, came_from
    )
    return asked.key


def file(db, policy, text, at=T0, lang="en"):
    """File a ticket with a description and return its ref."""
    intake = Intake(
        description=text, contact="a@example.com", module="Compute", version="2", lang=lang
    )
    return tickets.file_ticket(db, policy, intake, Classified("access", "medium", "L1"), at).ref


def resolve(db, policy, ref, at):
    """Open and resolve a ticket."""
    tickets.transition(db, policy, ref, "open", "bob", at)
    tickets.transition(db, policy, ref, "resolve", "bob", at, message="Fixed the quota.")


def test_gap_questions_from_every_source(db, policy):
    ask(db, "no article for this at all")  # no suggestion -> low_score
    solved = ask(db, "forgot my password", SUG)
    questions.mark_solved(db, solved, "reset-password", T0 + M)  # answered: not a gap
    key = ask(db, "пароль не сбрасывается", SUG, lang="ru")
    questions.add_feedback(db, "reset-password", "en", False, T0, "ask", key)  # not helpful
    filed = ask(db, "VPN tunnel drops every hour", SUG)
    ref = file(db, policy, "VPN tunnel drops every hour, see logs")
    questions.link_ticket(db, filed, ref, T0 + M)
    resolve(db, policy, ref, T0 + 2 * M)  # also resolved without article: counted once
    other = file(db, policy, "Rechnung als PDF fehlt", lang="de")
    resolve(db, policy, other, T0 + 3 * M)
    linked = file(db, policy, "password reset mail never arrives")
    resolve(db, policy, linked, T0 + 3 * M)
    tickets.link_article(db, policy, linked, "bob", T0 + 4 * M, "reset-password")
    file(db, policy, "still open ticket")  # not resolved: not a gap yet
    answered = file(db, policy, "how do I resize a disk")
    tickets.transition(db, policy, answered, "open", "bob", T0)
    tickets.transition(db, policy, answered, "resolve", "bob", T0, reason=kbsignals.ANSWERED_REASON)
    found = kbsignals.gap_questions(db)
    got = sorted((q.source, q.text, q.lang, q.ref) for q in found)
    assert got == sorted([
        ("low_score", "no article for this at all", "en", None),
        ("not_helpful", "пароль не сбрасывается", "ru", None),
        ("ticket", "VPN tunnel drops every hour", "en", ref),
        ("no_article", "Rechnung als PDF fehlt", "de", other),
    ])  # fmt: skip
    assert kbsignals.gap_questions(db, since=T0 + M) == []


def test_tickets_answered_by_a_recorded_article_are_not_gaps(db, policy):
    """The article recorded on an event counts; the console's reason only for older events."""
    refs = [file(db, policy, f"question {i}") for i in range(4)]
    for ref in refs:
        tickets.transition(db, policy, ref, "open", "bob", T0)
    used = {"id": "two-factor", "lang": "uk", "title": "2FA", "url": "uk/access/two-factor/"}
    answer = {"articles": [used]}
    tickets.transition(db, policy, refs[0], "resolve", "bob", T0, reason="done", extra=answer)
    by_url = {"articles": [{"title": "Reset", "url": "access/reset-password/"}]}
    tickets.transition(db, policy, refs[1], "resolve", "bob", T0, reason="done", extra=by_url)
    old = kbsignals.ANSWERED_REASON  # an event from before the article was recorded
    tickets.transition(db, policy, refs[2], "resolve", "bob", T0, reason=old)
    tickets.transition(db, policy, refs[3], "resolve", "bob", T0, reason="done")
    assert [q.ref for q in kbsignals.gap_questions(db)] == [refs[3]]
    with db.read() as s:
        got = [kbsignals.answered_by(s.get(Ticket, i + 1).events) for i in range(4)]
    assert got == [["two-factor"], ["reset-password"], [], []]


def test_scored_suggestions_under_the_threshold(db):
    """Sessions whose stored suggestions carry scores: all under the threshold is a gap."""
    with db.write() as s:  # written directly: the share of exactly these scores
        row = QuestionSession(key="k1", started_at=T0, question="weak match only", lang="en")
        row.suggested, row.opened = [{**SUG[0], "score": 4.0}, {**SUG[0], "score": 3.0}], []
        s.add(row)  # top share 4 / (4 + 3) = 0.57
    assert [q.text for q in kbsignals.gap_questions(db, threshold=0.6)] == ["weak match only"]
    assert kbsignals.gap_questions(db, threshold=0.5) == []
    assert kbsignals.gap_questions(db) == []  # no threshold: scored suggestions are not judged


def test_old_sessions_stay_readable_and_get_scores_on_their_next_question(db):
    """A session stored before scores is not judged; its next scored question re-scores all."""
    with db.write() as s:
        row = QuestionSession(key="old", started_at=T0, question="stored long ago", lang="en")
        row.suggested, row.opened = [dict(SUG[0])], []
        s.add(row)
    assert kbsignals.gap_questions(db, threshold=0.6) == []
    two = {"id": "two-factor", "lang": "en", "url": "/access/two-factor/", "title": "2FA"}
    asked = questions.record_question(
        db, "old", "weak now", "en", ("access", 0.5), [{**two, "score": 5.0}], T0 + M
    )
    assert [(s["id"], s["score"]) for s in asked.suggested] == [
        ("reset-password", 0.0),
        ("two-factor", 5.0),
    ]  # a lone suggestion: share 1, confident
    assert kbsignals.gap_questions(db, threshold=0.6) == []
    pair = [{**two, "score": 5.0}, {**SUG[0], "score": 4.0}]
    questions.record_question(db, "old", "weak now", "en", ("access", 0.5), pair, T0 + 2 * M)
    assert [q.text for q in kbsignals.gap_questions(db, threshold=0.6)] == ["weak now"]
    unscored = questions.record_question(
        db, "old", "weak now", "en", ("access", 0.5), [two], T0 + 3 * M
    )
    assert all("score" not in s for s in unscored.suggested)  # unknown: not judged
    assert kbsignals.gap_questions(db, threshold=0.6) == []


def test_usage_counts_opens_deflections_and_tickets_after(db, policy):
    for i in range(3):
        key = ask(db, f"question {i}", SUG, at=T0 + i * M)
        questions.record_open(db, key, "reset-password", T0 + i * M)
    questions.mark_solved(db, key, "reset-password", T0 + 3 * M)  # the last one: deflected
    first = ask(db, "question 0 again", SUG, came_from="ru/access/two-factor/")
    questions.link_ticket(db, first, file(db, policy, "question"), T0 + 5 * M)
    rows = {u.article: u for u in kbsignals.usage(db, now=T0 + 2 * 60 * M)}
    assert (rows["reset-password"].opened, rows["reset-password"].deflected) == (3, 1)
    assert rows["reset-password"].tickets_after == 0
    assert (rows["two-factor"].opened, rows["two-factor"].tickets_after) == (1, 1)
    # within the 30-minute window the deflection is not decided yet
    assert {u.article: u.deflected for u in kbsignals.usage(db, now=T0 + 10 * M)}[
        "reset-password"
    ] == 0
