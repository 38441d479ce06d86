"""Ask support through the Flask test client: the no-JavaScript flow end to end, CSRF, escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.ask_fixtures import NOW, csrf_of, make_public_app
from triage.desk import questions
from triage.desk.deflection import ALL, deflection_report, feedback_counts
from triage.web.ask import snippet
from triage.web.services import services

RU_QUESTION = "забыл пароль, не могу войти"
TICKET = {
    "module": "Compute",
    "version": "2.3",
    "description": "The whole console is down for everyone",
    "steps": "1. open the console 2. see an error",
    "contact": "ann@example.com",
    "priority": "critical",
}


def sid_of(html: str) -> str:
    """The question session's key, from the page's hidden field."""
    return re.search(r'id="sid" name="sid" type="hidden" value="([^"]*)"', html).group(1)


def textarea(html: str, name: str) -> str:
    """The text of a page's textarea (WTForms writes a newline after the tag, as HTML allows)."""
    found = re.search(rf'<textarea[^>]* id="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    return found.group(1)


def ask(client, question: str, lang: str = "en"):
    """Open the page and post a question as a browser without JavaScript would."""
    page = client.get(f"/ask?lang={lang}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "question": question, "lang": lang}
    return client.post(f"/ask?lang={lang}", data=data)


@pytest.mark.parametrize(
    ("query", "header", "heading"),
    [
        ("?lang=en", None, "Ask support"),
        ("?lang=ru", None, "Спросить поддержку"),
        ("?lang=uk", None, "Запитати підтримку"),
        ("", "de-DE,de;q=0.9", "Support fragen"),
        ("", "fr-FR", "Ask support"),
    ],
)
def test_page_speaks_the_asked_language(public_app, query, header, heading):
    headers = {"Accept-Language": header} if header else {}
    page = public_app.test_client().get(f"/ask{query}", headers=headers)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.get_data(as_text=True)


def test_the_site_placeholder_address_leads_here(public_app):
    moved = public_app.test_client().get("/ask/?from=reset-password&lang=ru")
    assert moved.status_code == 302 and moved.location == "/ask?from=reset-password&lang=ru"


def test_no_js_question_suggestions_open_and_solved(public_app):
    client = public_app.test_client()
    page = ask(client, RU_QUESTION, "ru")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Сброс забытого пароля" in html
    assert "<mark>пароль</mark>" in html and "Да, это решило проблему" in html
    sid = sid_of(html)
    opened = client.get(f"/ask/open/{sid}/reset-password")
    assert opened.status_code == 302 and opened.location == "/ru/access/reset-password/"
    solved = client.post(
        "/ask/answer?lang=ru",
        data={
            "csrf_token": csrf_of(html),
            "sid": sid,
            "article": "reset-password",
            "answer": "yes",
        },
    )
    assert solved.status_code == 200 and "Рады, что помогло!" in solved.get_data(as_text=True)
    with public_app.app_context():
        db = services().db
        asked = questions.get_session(db, sid)
        report = deflection_report(db, NOW + timedelta(minutes=31))
        counts = feedback_counts(db)
    assert asked.solved and asked.opened == ("reset-password",) and asked.lang == "ru"
    assert asked.predicted_class == "access" and asked.suggested[0]["id"] == "reset-password"
    assert [(r.request_class, r.lang, r.sessions, r.deflected) for r in report] == [
        ("access", "ru", 1, 1),
        (ALL, ALL, 1, 1),
    ]
    assert [(c.article, c.lang, c.helpful) for c in counts] == [("reset-password", "ru", 1)]


def test_no_js_contact_support_files_a_ticket_and_tracks_it(public_app):
    client = public_app.test_client()
    html = ask(client, "my whole site is down").get_data(as_text=True)
    sid = sid_of(html)
    form = client.get(f"/ask/contact?sid={sid}").get_data(as_text=True)
    assert textarea(form, "description") == "my whole site is down"  # prefilled
    data = {**TICKET, "csrf_token": csrf_of(form), "sid": sid, "lang": "en"}
    done = client.post("/ask/ticket", data=data)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and 'id="ticket-ref">SUP-000001<' in body
    link = re.search(r'id="tracking-link" href="([^"]+)"', body).group(1)
    assert link.startswith("http://help.example/t/SUP-000001?token=")
    assert 'id="ticket-class">Outage<' in body
    # critical: 8 support hours from Monday 10:00 (Berlin) = 7 h on Monday + 1 h on Tuesday
    assert "by Tuesday 09:00" in body
    with public_app.app_context():
        assert questions.get_session(services().db, sid).ticket_ref == "SUP-000001"
    status = client.get(link.removeprefix("http://help.example"))
    assert status.status_code == 200 and "Ticket SUP-000001" in status.get_data(as_text=True)


def test_promise_is_said_in_the_page_language(public_app):
    client = public_app.test_client()
    form = client.get("/ask/contact?lang=de").get_data(as_text=True)
    data = {**TICKET, "priority": "medium", "csrf_token": csrf_of(form), "lang": "de"}
    body = client.post("/ask/ticket?lang=de", data=data).get_data(as_text=True)
    # medium: 96 support hours -> more than a week away, so the date is named too
    assert "bis Montag, 7. Dezember 2026, 16:00" in body, body[-2000:]


def test_ticket_form_requires_the_mandatory_fields(public_app):
    client = public_app.test_client()
    form = client.get("/ask/contact").get_data(as_text=True)
    data = {**TICKET, "csrf_token": csrf_of(form), "module": " ", "contact": "not an address"}
    refused = client.post("/ask/ticket", data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "This field is required." in body and "Enter an email address" in body
    with public_app.app_context():
        with services().db.read() as s:
            from triage.desk.models import Ticket

            assert s.query(Ticket).count() == 0


def test_forms_without_their_csrf_token_are_refused(public_app):
    client = public_app.test_client()
    assert client.post("/ask", data={"question": RU_QUESTION}).status_code == 400
    assert client.post("/ask/ticket", data=TICKET).status_code == 400
    assert client.post("/ask/session", json={"question": RU_QUESTION}).status_code == 400
    bad = {**TICKET, "csrf_token": "forged"}
    assert client.post("/ask/ticket", data=bad).status_code == 400
    with public_app.app_context():
        assert deflection_report(services().db, NOW + timedelta(hours=1)) == []


def test_a_question_with_markup_is_escaped(public_app):
    client = public_app.test_client()
    html = ask(client, "<script>alert(1)</script> пароль").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert textarea(html, "question") == "&lt;script&gt;alert(1)&lt;/script&gt; пароль"


def test_snippets_keep_only_their_marks():
    dirty = 'a <mark class="x">b</mark><img src=x onerror=alert(1)><script>evil()</script>'
    assert str(snippet(dirty)) == "a <mark>b</mark>"


def test_script_commits_the_question_and_records_opening(public_app):
    client = public_app.test_client()
    token = csrf_of(client.get("/ask").get_data(as_text=True))
    headers = {"X-CSRFToken": token}
    first = client.post("/ask/session", json={"question": "забыл пароль"}, headers=headers)
    sid = first.get_json()["sid"]
    assert first.status_code == 200 and first.get_json()["suggested"][0] == "reset-password"
    again = client.post("/ask/session", json={"sid": sid, "question": RU_QUESTION}, headers=headers)
    assert again.get_json()["sid"] == sid
    assert client.post(f"/ask/open/{sid}/reset-password", headers=headers).status_code == 204
    assert client.post(f"/ask/open/{sid}/disk-full", headers=headers).status_code == 404
    assert client.get("/ask/open/no-such-session/reset-password").status_code == 404
    with public_app.app_context():
        asked = questions.get_session(services().db, sid)
    assert asked.question == RU_QUESTION and asked.opened == ("reset-password",)
    beacon = {"csrf_token": token, "question": "сайт не работает", "sid": ""}  # a form post
    left = client.post("/ask/session", data=beacon)
    assert left.status_code == 200 and left.get_json()["sid"] != sid


def test_not_helpful_is_noted_and_leads_to_the_ticket_form(public_app):
    client = public_app.test_client()
    html = ask(client, RU_QUESTION, "ru").get_data(as_text=True)
    data = {"csrf_token": csrf_of(html), "sid": sid_of(html), "article": "reset-password"}
    shown = client.post("/ask/answer?lang=ru", data={**data, "answer": "no"})
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'id="contact-support" class="fl-card">' in body
    assert textarea(body, "description") == RU_QUESTION
    with public_app.app_context():
        counts = feedback_counts(services().db)
    assert [(c.article, c.helpful, c.not_helpful) for c in counts] == [("reset-password", 0, 1)]


def test_ticket_posts_are_rate_limited(tmp_path, engine_dirs):
    app = make_public_app(
        tmp_path, engine_dirs, RATELIMIT_ENABLED=True, RATELIMIT_ASK_TICKETS="1 per minute"
    )
    client = app.test_client()
    form = client.get("/ask/contact").get_data(as_text=True)
    data = {**TICKET, "csrf_token": csrf_of(form)}
    assert client.post("/ask/ticket", data=data).status_code == 200
    assert client.post("/ask/ticket", data=data).status_code == 429


def test_pages_render_with_csrf_switched_off(tmp_path, engine_dirs):
    app = make_public_app(tmp_path, engine_dirs, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    assert client.get("/ask").status_code == 200
    assert client.post("/ask", data={"question": RU_QUESTION}).status_code == 200
    filed = client.post("/ask/ticket", data=TICKET).get_data(as_text=True)
    link = re.search(r'id="tracking-link" href="http://help.example([^"]+)"', filed).group(1)
    assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_without_a_model_the_page_still_files_tickets(tmp_path, engine_dirs):
    app = make_public_app(tmp_path, {**engine_dirs, "MODEL_DIR": str(tmp_path / "no-model")})
    client = app.test_client()
    html = ask(client, RU_QUESTION, "ru").get_data(as_text=True)
    assert "Подходящей статьи пока нет" in html  # no suggestions, no error
    data = {**TICKET, "csrf_token": csrf_of(html), "sid": sid_of(html)}
    body = client.post("/ask/ticket?lang=ru", data=data).get_data(as_text=True)
    assert 'id="ticket-ref">SUP-000001<' in body
    assert "Пока не определён: поддержка разберётся" in body


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "de"])
def test_a_refused_ticket_form_keeps_the_question_and_its_suggestions(public_app, lang):
    """``me@localhost`` refused by the server: the question box and the suggestions stay, the
    error sits under its own field, and what was typed in the ticket form is kept."""
    client = public_app.test_client()
    question = "I forgot my password" if lang == "en" else RU_QUESTION
    html = ask(client, question, lang).get_data(as_text=True)
    sid = sid_of(html)
    before = re.findall(r'class="fl-sugg__title"[^>]*>([^<]+)<', html)
    assert before  # the tiny KB answers this question
    form = client.get(f"/ask/contact?sid={sid}&lang={lang}").get_data(as_text=True)
    data = {**TICKET, "csrf_token": csrf_of(form), "sid": sid, "lang": lang,
            "contact": "me@localhost"}  # fmt: skip
    refused = client.post(f"/ask/ticket?lang={lang}", data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert textarea(body, "question") == question
    assert re.findall(r'class="fl-sugg__title"[^>]*>([^<]+)<', body) == before
    assert 'id="suggestions" class="fl-suggestions" aria-live="polite">' in body  # not hidden
    field = re.search(
        r'<div class="fl-field">((?:(?!</div>).)*name="contact"(?:(?!</div>).)*)</div>', body, re.S
    )
    assert field and 'id="contact-errors"' in field.group(1)
    assert 'value="me@localhost"' in field.group(1)
    assert textarea(body, "description") == TICKET["description"]
    assert sid_of(body) == sid
