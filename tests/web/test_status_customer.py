"""The status page tells the customer the truth: their words, the conversation, where it stands,
links that are links, "This solved it" and "Reopen", and a form for exactly what is missing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.ask_fixtures import NOW, csrf_of
from tests.web.test_status import INTAKE, act, file
from triage.desk import tickets
from triage.desk.intake import Intake
from triage.desk.tracking import TrackedEvent, customer_status
from triage.desk.views import find_staff_view
from triage.web.customer_words import linkify, table
from triage.web.services import services

H = timedelta(hours=1)
LANGS = ("en", "ru", "uk", "de")


def page(client, ref, token, lang="en") -> str:
    return client.get(f"/t/{ref}?token={token}&lang={lang}").get_data(as_text=True)


def status_of(app, ref) -> str:
    with app.app_context():
        return find_staff_view(services().db, services().policy, ref, NOW).status


def test_the_page_shows_what_the_customer_wrote_and_the_whole_public_conversation(public_app):
    ref, token = file(public_app)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + H, "internal: check LDAP", public=False)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + H, "Please clear the cache.", True)
    client = public_app.test_client()
    html = page(client, ref, token)
    data = {"csrf_token": csrf_of(html), "token": token, "message": "Cleared it, still broken."}
    client.post(f"/t/{ref}", data=data)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + 2 * H, "Then reset the password.", True)
    html = page(client, ref, token)
    wrote = html[html.index('id="wrote"') : html.index('id="history"')]
    for said in (INTAKE.description, INTAKE.module, INTAKE.version, INTAKE.steps):
        assert said in wrote
    for label in ("What happened", "Product module", "Version", "Steps to reproduce"):
        assert label in wrote
    history = html[html.index('id="history"') :]
    order = ["Request received.", "Please clear the cache.", "Cleared it, still broken.",
             "Then reset the password."]  # fmt: skip
    at = [history.index(s) for s in order]
    assert at == sorted(at)
    assert "internal: check LDAP" not in html and "bob-l1" not in html


def test_internal_reasons_are_not_shown_but_links_in_replies_are_links(public_app):
    ref, token = file(public_app)
    client = public_app.test_client()
    act(public_app, tickets.transition, ref, "open", "bob-l1", NOW)
    text = "This article answers it: Reset\nhttp://help.example/access/reset-password/\nthanks"
    reason = "answered from the knowledge base"
    act(public_app, tickets.transition, ref, "resolve", "bob-l1", NOW + H, reason, text)
    html = page(client, ref, token)
    assert reason not in html
    url = "http://help.example/access/reset-password/"
    assert f'<a href="{url}" rel="noopener noreferrer">{url}</a>' in html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("see /access/x/.", 'see <a href="/access/x/" rel="noopener noreferrer">/access/x/</a>.'),
        ("https://a.example/p?q=1&r=2", '<a href="https://a.example/p?q=1&amp;r=2" rel="noopener'),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("//evil.example/x", "//evil.example/x"),
        ('<script>alert("x")</script>', "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"),
        ('http://a.example/"onmouseover="x', '<a href="http://a.example/" rel="noopener'),
        ("and/or 1/2", "and/or 1/2"),
    ],
)
def test_linkify_makes_only_safe_links(text, html):
    out = str(linkify(text))
    assert out.startswith(html) or html in out
    assert "<script" not in out and 'href="javascript' not in out and 'href="//' not in out


def ev(kind, by, **data):
    return TrackedEvent(NOW, kind, "", None, by, data)


def test_customer_status_follows_the_work():
    created = ev("created", "you")
    reply = ev("comment", "support")
    assert customer_status("new", False, (created,)) == "received"
    assert customer_status("new", True, (created, reply)) == "answered"  # never "New"
    assert customer_status("open", True, (created, reply, ev("comment", "you"))) == "working"
    asked = ev("status", "desk", to="waiting_customer", missing=["module"])
    assert customer_status("waiting_customer", False, (created, asked)) == "need_info"
    waiting = ev("status", "support", to="waiting_customer")
    assert customer_status("waiting_customer", True, (created, waiting)) == "waiting_you"
    assert customer_status("waiting_third_party", True, ()) == "third_party"
    assert customer_status("resolved", True, ()) == "solved"
    assert customer_status("closed", True, ()) == "closed"


def test_every_language_has_every_word():
    words = table()
    for lang in LANGS:
        for section in ("status", "fields", "text"):
            assert set(words[lang][section]) == set(words["en"][section]), (lang, section)
            assert all(str(v).strip() for v in words[lang][section].values())


ANSWERED = {
    "en": "We answered: see below",
    "ru": "Мы ответили: см. ниже",
    "uk": "Ми відповіли: див. нижче",
    "de": "Wir haben geantwortet: siehe unten",
}


@pytest.mark.parametrize("lang", LANGS)
def test_after_a_public_reply_the_page_does_not_say_new(public_app, lang):
    ref, token = file(public_app)
    client = public_app.test_client()
    assert 'data-customer-status="received"' in page(client, ref, token, lang)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + H, "Please clear the cache.", True)
    html = page(client, ref, token, lang)
    status = re.search(r'id="ticket-status"[^>]*>([^<]*)<', html).group(1)
    assert status == ANSWERED[lang]
    assert status_of(public_app, ref) == "new"  # internally still new: the words follow the work


def test_this_solved_it_closes_the_ticket_in_one_step(public_app):
    ref, token = file(public_app)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + H, "Clear the cache.", True)
    client = public_app.test_client()
    html = page(client, ref, token)
    assert 'id="solved-form"' in html and 'id="reopen-form"' not in html
    assert client.post(f"/t/{ref}/solved", data={"token": token}).status_code == 400  # CSRF
    forged = {"csrf_token": csrf_of(html), "token": token[:-1] + "x"}
    assert client.post(f"/t/{ref}/solved", data=forged).status_code == 404
    assert status_of(public_app, ref) == "new"
    done = client.post(f"/t/{ref}/solved", data={"csrf_token": csrf_of(html), "token": token})
    assert done.status_code == 302
    assert status_of(public_app, ref) == "closed"
    shown = client.get(done.location).get_data(as_text=True)
    assert 'data-customer-status="closed"' in shown
    assert shown.count("You confirmed that this solved it.") == 1  # the steps are one move
    again = client.post(f"/t/{ref}/solved", data={"csrf_token": csrf_of(html), "token": token})
    assert again.status_code == 409 and status_of(public_app, ref) == "closed"


def test_reopen_a_resolved_ticket_with_what_still_does_not_work(public_app):
    ref, token = file(public_app)
    act(public_app, tickets.transition, ref, "open", "bob-l1", NOW)
    act(public_app, tickets.transition, ref, "resolve", "bob-l1", NOW + H)
    client = public_app.test_client()
    html = page(client, ref, token)
    assert 'id="reopen-form"' in html and 'id="solved-form"' in html
    data = {"csrf_token": csrf_of(html), "token": token, "message": "Still fails on Firefox."}
    assert client.post(f"/t/{ref}/reopen", data={**data, "token": "nope"}).status_code == 404
    done = client.post(f"/t/{ref}/reopen", data=data)
    assert done.status_code == 302 and status_of(public_app, ref) == "in_progress"
    shown = client.get(done.location).get_data(as_text=True)
    assert "Still fails on Firefox." in shown and "You reopened the request." in shown
    assert 'id="reopen-form"' not in shown
    refused = client.post(f"/t/{ref}/reopen", data=data)  # not resolved any more
    assert refused.status_code == 409 and status_of(public_app, ref) == "in_progress"


LABELS = {
    "en": ("To work on it we need:", "Product module", "Version", "Steps to reproduce"),
    "ru": ("Чтобы заняться заявкой, нам нужно:", "Модуль продукта", "Версия",
           "Шаги воспроизведения"),
    "uk": ("Щоб узятися за заявку, нам потрібно:", "Модуль продукту", "Версія",
           "Кроки відтворення"),
    "de": ("Damit wir daran arbeiten können, brauchen wir:", "Produktmodul", "Version",
           "Schritte zur Reproduktion"),
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_asks_for_exactly_the_missing_fields_in_the_customers_language(public_app, lang):
    intake = Intake(description="It is broken", contact="a@b.example", version="5.0", lang=lang)
    ref, token = file(public_app, intake=intake)
    client = public_app.test_client()
    html = page(client, ref, token, lang)
    form = html[html.index('id="missing-form"') : html.index("</form>", html.index("missing-form"))]
    title, module, version, steps = LABELS[lang]
    assert title in form and module in form and steps in form
    assert re.findall(r'name="(module|version|steps|description|contact)"', form) == [
        "module",
        "steps",
    ]
    assert "module, steps" not in html and "version" not in form.lower().split("name=")[0]
    history = html[html.index('id="history"') :]
    assert f"{title} {module}, {steps}" in history  # the desk's request, in words
    data = {"csrf_token": csrf_of(html), "token": token, "module": "Compute", "lang": lang}
    done = client.post(f"/t/{ref}/fields", data={**data, "steps": "1. start 2. fails"})
    assert done.status_code == 302
    with public_app.app_context():
        view = find_staff_view(services().db, services().policy, ref, NOW)
    assert (view.module, view.version, view.steps, view.status) == (
        "Compute", "5.0", "1. start 2. fails", "open",
    )  # fmt: skip
    shown = client.get(done.location).get_data(as_text=True)
    assert 'id="missing-form"' not in shown and f"{module}, {steps}" in shown


def test_missing_fields_refused_keep_what_was_typed_and_change_nothing(public_app):
    ref, token = file(public_app, intake=Intake(description="It is broken", contact="a@b.example"))
    client = public_app.test_client()
    html = page(client, ref, token)
    data = {"csrf_token": csrf_of(html), "token": token, "module": "Compute", "version": "9" * 101}
    refused = client.post(f"/t/{ref}/fields", data=data)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'id="missing-version-error"' in body
    assert "At most 100 characters." in body and 'value="Compute"' in body
    empty = client.post(f"/t/{ref}/fields", data={**data, "module": " ", "version": ""})
    assert empty.status_code == 422 and "This field is required." in empty.get_data(as_text=True)
    wrong = client.post(f"/t/{ref}/fields", data={**data, "token": "x", "version": "5"})
    assert wrong.status_code == 404
    with public_app.app_context():
        view = find_staff_view(services().db, services().policy, ref, NOW)
    assert (view.module, view.version, view.status) == ("", "", "waiting_customer")


REPLIES = {
    "en": "Module: Compute / Version: 5.1\nSteps: start a VM",
    "ru": "Модуль: Compute / Версия: 5.1\nШаги: запустить ВМ",
    "uk": "Модуль: Compute / Версія: 5.1\nКроки: запустити ВМ",
    "de": "Modul: Compute / Version: 5.1\nSchritte: VM starten",
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_reply_on_the_page_that_names_the_fields_fills_them(public_app, lang):
    intake = Intake(description="It is broken", contact="a@b.example", lang=lang)
    ref, token = file(public_app, intake=intake)
    client = public_app.test_client()
    html = page(client, ref, token, lang)
    data = {"csrf_token": csrf_of(html), "token": token, "message": REPLIES[lang], "lang": lang}
    assert client.post(f"/t/{ref}", data=data).status_code == 302
    with public_app.app_context():
        view = find_staff_view(services().db, services().policy, ref, NOW)
    assert (view.module, view.version, view.status) == ("Compute", "5.1", "open")
    assert view.steps and view.steps in REPLIES[lang]
    assert 'id="missing-form"' not in page(client, ref, token, lang)
