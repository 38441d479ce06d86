"""The writers' page, the Draft article button and the managers' report in the console."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from tests.conftest import write_article
from tests.web.staff_fixtures import NOW, file, login, make_app
from triage.desk import questions, tickets


@pytest.fixture
def app(staff_desk_url, tmp_path):
    """The console with a knowledge base of two articles (one overdue) in tmp_path/kb."""
    write_article(tmp_path / "kb", "access", "reset-password")
    write_article(tmp_path / "kb", "access", "old-quota", review_by="2020-01-01", owner="olga")
    return make_app(staff_desk_url, tmp_path, KB_DIR=str(tmp_path / "kb"))


def resolved(db, policy):
    """A resolved access ticket; its ref."""
    ref = file(db, policy)
    tickets.transition(db, policy, ref, "open", "l1-user", NOW)
    tickets.transition(db, policy, ref, "resolve", "l1-user", NOW, message="Unlocked the account.")
    return ref


@pytest.mark.parametrize(
    ("role", "kb", "reports"),
    [("l1", 403, 403), ("l3", 403, 403), ("writer", 200, 403), ("admin", 200, 200)],
)
def test_roles(app, role, kb, reports):
    client = app.test_client()
    assert client.get("/staff/kb").status_code == 302  # sign in first
    login(client, role)
    assert client.get("/staff/kb").status_code == kb
    assert client.get("/staff/reports").status_code == reports
    assert client.get("/staff/reports/export.csv").status_code == reports


def test_writers_page_shows_gap_topics(app, staff_desk, policy):
    for text in ("terraform apply 403 Forbidden", "terraform apply returns 403 Forbidden"):
        questions.record_question(staff_desk, None, text, "en", ("access", 0.2), [], NOW)
    refs = [resolved(staff_desk, policy) for _ in range(2)]  # two tickets no article answered
    client = app.test_client()
    login(client, "writer")
    page = client.get("/staff/kb")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cache-Control" in page.headers
    assert "terraform apply" in html and "2 questions" in html
    assert "old-quota" in html and "reset-password" not in html  # only the overdue one
    later = (NOW + timedelta(days=2)).date().isoformat()
    assert "terraform" not in client.get(f"/staff/kb?since={later}").get_data(as_text=True)
    html = client.get("/staff/kb?since=2026-01-01").get_data(as_text=True)
    assert all(f'href="/staff/t/{ref}"' in html for ref in refs)


def test_draft_button_writes_a_draft_and_logs_it(app, staff_desk, policy, tmp_path):
    ref = resolved(staff_desk, policy)
    client = app.test_client()
    login(client, "writer")
    page = client.get(f"/staff/t/{ref}").get_data(as_text=True)
    assert "Draft article" in page and f"/staff/kb/draft/{ref}" in page
    answer = client.post(f"/staff/kb/draft/{ref}")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/staff/t/{ref}#kb")
    (draft,) = (tmp_path / "kb/access").glob("i-cannot-sign-in*.en.md")
    assert "status: draft" in draft.read_text(encoding="utf-8")
    page = client.get(f"/staff/t/{ref}").get_data(as_text=True)
    assert "Knowledge base: draft i-cannot-sign-in" in page and "written" in page
    linked = client.post(f"/staff/kb/link/{ref}", data={"kblink-article": "reset-password"})
    assert linked.status_code == 302
    assert "Knowledge base: article reset-password" in client.get(f"/staff/t/{ref}").get_data(
        as_text=True
    )


def test_draft_refused_on_open_ticket_and_for_workers(app, staff_desk, policy, tmp_path):
    ref = file(staff_desk, policy)
    client = app.test_client()
    login(client, "writer")
    assert "Draft article" not in client.get(f"/staff/t/{ref}").get_data(as_text=True)
    client.post(f"/staff/kb/draft/{ref}")
    assert "is new: draft or link" in client.get(f"/staff/t/{ref}").get_data(as_text=True)
    done = resolved(staff_desk, policy)
    other = app.test_client()
    login(other, "l1")
    assert other.post(f"/staff/kb/draft/{done}").status_code == 403
    assert not list((tmp_path / "kb").rglob("i-cannot*.md"))


def test_draft_needs_the_csrf_token(staff_desk_url, staff_desk, policy, tmp_path):
    app = make_app(staff_desk_url, tmp_path, KB_DIR=str(tmp_path / "kb"), WTF_CSRF_ENABLED=True)
    ref = resolved(staff_desk, policy)
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/staff/login", data={"name": "writer-user", "password": "correct horse battery",
                                       "csrf_token": token})  # fmt: skip
    assert client.post(f"/staff/kb/draft/{ref}").status_code == 400
    assert not (tmp_path / "kb").exists() or not list((tmp_path / "kb").rglob("*.md"))
    page = client.get(f"/staff/t/{ref}").get_data(as_text=True)
    form = page[page.index(f'action="/staff/kb/draft/{ref}"') :]
    token = form.split('name="kbdraft-csrf_token" type="hidden" value="')[1].split('"')[0]
    sent = client.post(f"/staff/kb/draft/{ref}", data={"kbdraft-csrf_token": token})
    assert sent.status_code == 302
    assert len(list((tmp_path / "kb").rglob("*.md"))) == 1


def test_reports_page_and_csv(app, staff_desk, policy):
    ref = resolved(staff_desk, policy)
    tickets.correct_priority(staff_desk, policy, file(staff_desk, policy), "admin-user", NOW,
                             "high", "blocks payroll")  # fmt: skip
    client = app.test_client()
    login(client, "admin")
    page = client.get("/staff/reports?since=2026-11-01")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "2 tickets reported in the period" in html and html.count('class="chart"') == 6
    first = html[html.index('data-chart="sla-reaction"') :]
    svg = first[first.index("<svg") : first.index("</svg>") + 6]
    assert ET.fromstring(svg).tag.endswith("svg")
    export = client.get("/staff/reports/export.csv?since=2026-11-01")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert ["sla", "all:reaction", "*", "met", "2"] in rows  # the public correction reacted too
    assert ["sla", "all:resolution", "*", "met", "1"] in rows and ref
    empty = client.get("/staff/reports?since=2026-12-01").get_data(as_text=True)
    assert "0 tickets reported" in empty and "no data in this period" in empty
