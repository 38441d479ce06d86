"""Ask support sessions as KB-gap signals: the page stores the self-service rule's scores.

The weak question is weak by construction, not by a score that a retraining or a library
upgrade can move: two articles with the same words (twins) answer it equally well, so the top
suggestion's share of the top two scores is exactly one half, under any self-service line above
that. The confident question has one article with its words and no rival.
"""

from __future__ import annotations

import pytest

from tests.conftest import write_article
from tests.web.ask_fixtures import csrf_of, make_public_app, train_tiny_model, write_tiny_kb
from triage.desk import kbsignals, questions
from triage.engine import search
from triage.engine.decide import SELF_SERVICE_SHARE, top_share
from triage.kb.articles import load_kb
from triage.web.services import services

CONFIDENT = "I forgot my password"  # one article stands out
WEAK = "my volume is out of space"  # the twins below answer it word for word, equally

TWIN = {
    "title": "A volume is out of space",
    "summary": "Free space on a volume that is out of space.",
    "questions": ["volume out of space", "no space left on the volume", "the volume is full"],
    "body": "# A volume is out of space\n\nRemove old files from the volume or grow it.\n",
}


@pytest.fixture(scope="module")
def twin_dirs(tmp_path_factory) -> dict[str, str]:
    """The public pages' tiny KB plus two articles that differ only in their id."""
    root = tmp_path_factory.mktemp("twins")
    kb = write_tiny_kb(root / "kb")
    for slug in ("volume-full", "volume-space"):
        write_article(kb, "server", slug, lang="en", **TWIN)
    search.build_index(load_kb(kb), root / "index")
    train_tiny_model(root / "model")
    return {"KB_DIR": str(kb), "INDEX_DIR": str(root / "index"), "MODEL_DIR": str(root / "model")}


@pytest.fixture
def twin_app(tmp_path, twin_dirs):
    return make_public_app(tmp_path, twin_dirs)


def post(client, question: str, sid: str = "") -> str:
    """Post a question without JavaScript (into session ``sid`` when given); the session key."""
    page = client.get("/ask?lang=en").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "question": question, "lang": "en", "sid": sid}
    html = client.post("/ask?lang=en", data=data).get_data(as_text=True)
    return html.split('id="sid" name="sid" type="hidden" value="', 1)[1].split('"', 1)[0]


def test_the_fixture_is_decisive(twin_app):
    with twin_app.app_context():
        engine = services().engine
        weak = engine.decide(WEAK, lang=None).suggestions
        confident = engine.decide(CONFIDENT, lang=None).suggestions
    assert {s.id for s in weak[:2]} == {"volume-full", "volume-space"}
    assert weak[0].score == pytest.approx(weak[1].score)
    assert top_share(weak) == pytest.approx(0.5) and top_share(weak) < SELF_SERVICE_SHARE
    assert confident[0].id == "reset-password"
    assert all(s.id != "reset-password" for s in weak)


def test_weak_sessions_are_gaps_and_confident_ones_are_not(twin_app):
    client = twin_app.test_client()
    post(client, CONFIDENT)
    post(client, WEAK)
    switched = post(client, CONFIDENT)
    assert post(client, WEAK, switched) == switched  # the same session, now a weak question
    with twin_app.app_context():
        engine, db = services().engine, services().db
        assert engine.decide(CONFIDENT, lang=None).self_service
        assert not engine.decide(WEAK, lang=None).self_service
        stored = questions.get_session(db, switched).suggested
        gaps = kbsignals.gap_questions(db, threshold=SELF_SERVICE_SHARE)
    assert [(q.text, q.source) for q in gaps] == [(WEAK, "low_score"), (WEAK, "low_score")]
    scores = {s["id"]: s["score"] for s in stored}
    assert scores["reset-password"] == 0.0  # not brought back by the current question
    assert scores["volume-full"] > 0 and scores["volume-space"] > 0


def test_script_sessions_store_scores_too(twin_app):
    client = twin_app.test_client()
    headers = {"X-CSRFToken": csrf_of(client.get("/ask").get_data(as_text=True))}
    for question in (CONFIDENT, WEAK):
        client.post("/ask/session", json={"question": question}, headers=headers)
    with twin_app.app_context():
        gaps = kbsignals.gap_questions(services().db, threshold=SELF_SERVICE_SHARE)
    assert [q.text for q in gaps] == [WEAK]
