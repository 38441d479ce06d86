"""Public JSON endpoints: article feedback from the site footer, and site search."""

from __future__ import annotations

import pytest

from tests.web.ask_fixtures import make_public_app
from triage.desk.deflection import feedback_counts
from triage.web.services import services


def counts(app) -> dict:
    """(article, lang) -> (helpful, not helpful) as stored."""
    with app.app_context():
        return {
            (c.article, c.lang): (c.helpful, c.not_helpful) for c in feedback_counts(services().db)
        }


def test_feedback_is_stored_per_article_and_language(public_app):
    client = public_app.test_client()
    for lang, helpful in (("ru", True), ("ru", False), ("ru", True), ("de", False)):
        body = {"article": "reset-password", "lang": lang, "helpful": helpful, "page": "/x/"}
        assert client.post("/api/feedback", json=body).status_code == 201
    assert counts(public_app) == {
        ("reset-password", "de"): (0, 1),
        ("reset-password", "ru"): (2, 1),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lang": "en", "helpful": True}, "article"),
        ({"article": "a", "lang": "fr", "helpful": True}, "lang"),
        ({"article": "a", "lang": "en", "helpful": "maybe"}, "helpful"),
        ({"article": "a" * 201, "lang": "en", "helpful": True}, "article"),
    ],
)
def test_bad_feedback_is_refused_and_changes_nothing(public_app, body, field):
    answer = public_app.test_client().post("/api/feedback", json=body)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field
    assert counts(public_app) == {}


def test_feedback_as_a_plain_form_post_returns_to_the_page(public_app):
    client = public_app.test_client()
    form = {"article": "site-down", "lang": "en", "helpful": "no"}
    answer = client.post(
        "/api/feedback", data=form, headers={"Referer": "http://localhost/outage/site-down/"}
    )
    assert answer.status_code == 303 and answer.location == "/outage/site-down/"
    off_site = client.post(
        "/api/feedback", data=form, headers={"Referer": "https://evil.example/x"}
    )
    assert off_site.location == "/"
    assert counts(public_app) == {("site-down", "en"): (0, 2)}


def test_search_answers_in_the_asked_language(public_app):
    found = public_app.test_client().get("/api/search?q=забыли+пароль&lang=ru").get_json()
    first = found["results"][0]
    assert (first["id"], first["lang"], first["title"]) == (
        "reset-password",
        "ru",
        "Сброс забытого пароля",
    )
    assert first["url"] == "ru/access/reset-password/" and "<mark>" in first["snippet"]
    english = public_app.test_client().get("/api/search?q=forgot+password&lang=en").get_json()
    assert english["results"][0]["title"] == "Reset a forgotten password"
    assert public_app.test_client().get("/api/search?q=").get_json()["results"] == []


def test_search_without_an_index_says_so(tmp_path, engine_dirs):
    app = make_public_app(tmp_path, {**engine_dirs, "INDEX_DIR": str(tmp_path / "none")})
    answer = app.test_client().get("/api/search?q=")
    assert answer.status_code == 503 and "triage index" in answer.get_json()["error"]["message"]
