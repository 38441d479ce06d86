"""Ask support sessions as KB-gap signals: the page stores the self-service rule's scores."""

from __future__ import annotations

from tests.web.ask_fixtures import csrf_of
from triage.desk import kbsignals, questions
from triage.engine.decide import SELF_SERVICE_SHARE
from triage.web.services import services

CONFIDENT = "I forgot my password"  # one article stands out
WEAK = "problem with the console and my disk"  # two articles score alike


def post(client, question: str, sid: str = "") -> str:
    """Post a question without JavaScript (into session ``sid`` when given); the session key."""
    page = client.get("/ask?lang=en").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "question": question, "lang": "en", "sid": sid}
    html = client.post("/ask?lang=en", data=data).get_data(as_text=True)
    return html.split('id="sid" name="sid" type="hidden" value="', 1)[1].split('"', 1)[0]


def test_weak_sessions_are_gaps_and_confident_ones_are_not(public_app):
    client = public_app.test_client()
    post(client, CONFIDENT)
    post(client, WEAK)
    switched = post(client, CONFIDENT)
    assert post(client, WEAK, switched) == switched  # the same session, now a weak question
    with public_app.app_context():
        engine, db = services().engine, services().db
        assert engine.decide(CONFIDENT, lang=None).self_service
        assert not engine.decide(WEAK, lang=None).self_service
        stored = questions.get_session(db, switched).suggested
        gaps = kbsignals.gap_questions(db, threshold=SELF_SERVICE_SHARE)
    assert [(q.text, q.source) for q in gaps] == [(WEAK, "low_score"), (WEAK, "low_score")]
    scores = {s["id"]: s["score"] for s in stored}
    assert scores["reset-password"] == 0.0  # not brought back by the current question
    assert scores["disk-full"] > 0 and scores["site-down"] > 0


def test_script_sessions_store_scores_too(public_app):
    client = public_app.test_client()
    headers = {"X-CSRFToken": csrf_of(client.get("/ask").get_data(as_text=True))}
    for question in (CONFIDENT, WEAK):
        client.post("/ask/session", json={"question": question}, headers=headers)
    with public_app.app_context():
        gaps = kbsignals.gap_questions(services().db, threshold=SELF_SERVICE_SHARE)
    assert [q.text for q in gaps] == [WEAK]
