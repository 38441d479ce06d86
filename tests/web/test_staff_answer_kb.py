"""'Answer with this article' records the article, which the KB signals and the email read."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.web.staff_fixtures import file as file_ticket
from tests.web.staff_fixtures import login, make_app
from tests.web.test_staff_actions import console, post, text, view  # noqa: F401 - a fixture
from triage.channels.render import render
from triage.desk import kbsignals
from triage.desk.channel_models import OutboxMessage

PUBLIC = "https://help.example"


def hidden(page: str, name: str) -> str:
    """The value of a hidden field of the first answer form."""
    return re.search(rf'name="answer-{name}" type="hidden" value="([^"]*)"', page).group(1)


def resolution_email(desk, policy, ref: str):
    """The resolution email queued for a ticket, rendered."""
    with desk.read() as s:
        q = select(OutboxMessage).where(
            OutboxMessage.ref == ref, OutboxMessage.kind == "resolution"
        )
        row = s.execute(q).scalar_one()
        return render(row.kind, row.lang, dict(row.context), policy, PUBLIC)


def test_answer_records_the_article_and_the_email_links_it(
    staff_desk_url, staff_desk, engine_dirs, tmp_path
):
    app = make_app(staff_desk_url, tmp_path, PUBLIC_URL=PUBLIC, **engine_dirs)
    pol = app.extensions["triage"].policy
    client = app.test_client()
    login(client, "l1")
    ref = file_ticket(staff_desk, pol, description="забыл пароль, не могу войти", lang="ru")
    page = text(client.get(f"/staff/t/{ref}")).split('id="engine"')[1]
    fields = {k: hidden(page, k) for k in ("url", "title", "article", "lang")}
    assert fields == {
        "url": "ru/access/reset-password/",
        "title": "Сброс забытого пароля",
        "article": "reset-password",
        "lang": "ru",
    }
    assert post(client, ref, "answer", **fields).status_code == 303
    events = view(staff_desk, pol, ref).events
    used = {"id": "reset-password", "lang": "ru", "title": "Сброс забытого пароля"}
    assert events[-1].data["articles"] == [{**used, "url": "ru/access/reset-password/"}]
    assert kbsignals.answered_by(events) == ["reset-password"]
    assert ref not in {q.ref for q in kbsignals.gap_questions(staff_desk)}
    body = resolution_email(staff_desk, pol, ref).body
    listed = body.split("Использованные статьи:")[1]
    assert f"- Сброс забытого пароля: {PUBLIC}/ru/access/reset-password/" in listed


def test_a_form_from_an_older_page_gets_the_article_from_its_path(console):  # noqa: F811
    client, desk, pol = console
    ref = file_ticket(desk, pol)
    r = post(client, ref, "answer", url="de/access/reset-password/", title="Passwort")
    assert r.status_code == 303
    data = view(desk, pol, ref).events[-1].data
    assert data["articles"] == [
        {
            "id": "reset-password",
            "lang": "de",
            "title": "Passwort",
            "url": "de/access/reset-password/",
        }
    ]
    other = file_ticket(desk, pol)
    r = post(client, other, "answer", url="access/x/", title="t", article="a b", lang="ru")
    assert r.status_code == 400 and view(desk, pol, other).status == "new"
