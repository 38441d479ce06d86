"""Each console action lands in the event log through the desk; illegal ones change nothing."""

from __future__ import annotations

import re

import pytest

from tests.web.staff_fixtures import NOW, file, login, make_app
from triage.desk import tickets
from triage.desk.views import find_staff_view


@pytest.fixture
def console(staff_app, staff_desk):
    """(client signed in as l1, desk, policy)."""
    client = staff_app.test_client()
    login(client, "l1")
    return client, staff_desk, staff_app.extensions["triage"].policy


def post(client, ref: str, kind: str, **fields):
    """Post a console form (fields without their prefix)."""
    return client.post(f"/staff/t/{ref}/{kind}", data={f"{kind}-{k}": v for k, v in fields.items()})


def view(desk, policy, ref):
    """The ticket as staff see it now."""
    return find_staff_view(desk, policy, ref, NOW)


def text(response) -> str:
    """A response's body."""
    return response.get_data(as_text=True)


def test_ask_for_information_pauses_the_clock(console):
    client, desk, pol = console
    ref = file(desk, pol)
    r = post(client, ref, "ask", message="Which browser do you use?")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.status == "waiting_customer" and t.clocks.resolution.paused
    assert t.clocks.reaction.met is True  # asking is the first reaction
    last = t.events[-1]
    assert last.public and last.message == "Which browser do you use?" and last.actor == "l1-user"
    page = text(client.get(f"/staff/t/{ref}"))
    assert "Which browser do you use?" in page and "paused" in page


def test_ask_template_lists_the_missing_fields(console):
    client, desk, pol = console
    ref = file(desk, pol, module="", version="")
    page = text(client.get(f"/staff/t/{ref}"))
    want = "Please send us the missing information: the product module, the product version."
    assert want in page
    ref_ru = file(desk, pol, module="", lang="ru")
    assert "недостающие сведения: модуль продукта." in text(client.get(f"/staff/t/{ref_ru}"))


def test_answer_with_an_article_resolves(console):
    client, desk, pol = console
    ref = file(desk, pol)
    r = post(client, ref, "answer", url="access/reset-password/", title="Reset a password")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.status == "resolved"
    assert [e.data.get("to") for e in t.events[-2:]] == ["open", "resolved"]
    assert t.events[-1].public and "Reset a password" in t.events[-1].message
    assert "http://127.0.0.1:8000/access/reset-password/" in t.events[-1].message
    r = post(client, ref, "answer", url="access/reset-password/", title="Reset a password")
    assert r.status_code == 409 and "cannot answer a ticket that is resolved" in text(r)
    assert len(view(desk, pol, ref).events) == len(t.events)


def test_answer_refuses_an_outside_link(console):
    client, desk, pol = console
    ref = file(desk, pol)
    r = post(client, ref, "answer", url="https://evil.example/", title="x")
    assert r.status_code == 400 and view(desk, pol, ref).status == "new"


def test_illegal_transition_is_flashed_and_changes_nothing(console):
    client, desk, pol = console
    ref = file(desk, pol)
    before = view(desk, pol, ref)
    r = post(client, ref, "status", action="close", reason="done")
    assert r.status_code == 409
    assert "cannot close a ticket that is new" in text(r)
    assert view(desk, pol, ref).events == before.events


@pytest.mark.parametrize("action", ["decline", "defer"])
def test_decline_and_defer_take_a_policy_reason(console, action):
    client, desk, pol = console
    ref = file(desk, pol)
    tickets.transition(desk, pol, ref, "open", "l1-user", NOW)
    r = post(client, ref, "status", action=action, reason="free text", coded_reason="")
    assert r.status_code == 409 and "needs one of the policy reasons" in text(r)
    assert view(desk, pol, ref).status == "open"
    r = post(client, ref, "status", action=action, coded_reason="out_of_scope")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.status == ("declined" if action == "decline" else "deferred")
    assert t.events[-1].reason == "out_of_scope"


def test_resolve_and_close_need_a_reason(console):
    client, desk, pol = console
    ref = file(desk, pol)
    tickets.transition(desk, pol, ref, "open", "l1-user", NOW)
    r = post(client, ref, "status", action="resolve", reason=" ")
    assert r.status_code == 409 and "resolve needs a reason" in text(r)
    assert post(client, ref, "status", action="resolve", reason="fixed the DNS").status_code == 303
    assert post(client, ref, "status", action="close", reason="confirmed").status_code == 303
    t = view(desk, pol, ref)
    assert t.status == "closed" and t.events[-2].reason == "fixed the DNS"


def test_wait_for_a_third_party(console):
    client, desk, pol = console
    ref = file(desk, pol)
    for action in ("open", "start"):
        assert post(client, ref, "status", action=action).status_code == 303
    r = post(client, ref, "status", action="wait_third_party", reason="vendor ticket V-17")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.status == "waiting_third_party" and t.clocks.resolution.paused
    assert post(client, ref, "status", action="resume").status_code == 303
    assert not view(desk, pol, ref).clocks.resolution.paused


def test_escalate_then_the_next_line_de_escalates(staff_app, console):
    client, desk, pol = console
    ref = file(desk, pol)
    assert post(client, ref, "escalate", direction="up", reason="").status_code == 400
    assert view(desk, pol, ref).line == "L1"
    assert post(client, ref, "escalate", direction="up", reason="needs a DB fix").status_code == 303
    t = view(desk, pol, ref)
    assert t.line == "L2" and t.events[-1].kind == "escalate"
    assert t.events[-1].reason == "needs a DB fix" and not t.events[-1].public
    assert post(client, ref, "assign").status_code == 403  # no longer l1's line
    login(client, "l2")
    assert (
        post(client, ref, "escalate", direction="down", reason="docs cover it").status_code == 303
    )
    assert view(desk, pol, ref).line == "L1"


def test_correct_class_moves_the_line(console):
    client, desk, pol = console
    ref = file(desk, pol)
    assert post(client, ref, "class", value="server", reason="").status_code == 400
    r = post(client, ref, "class", value="server", reason="the VM host is down")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.request_class == "server" and t.line == "L2" and t.staff_class == "server"
    assert t.predicted_class == "access"  # the prediction is kept


def test_correct_priority_tells_the_customer(console):
    client, desk, pol = console
    ref = file(desk, pol)
    r = post(client, ref, "priority", value="critical", reason="all users are affected")
    assert r.status_code == 303
    t = view(desk, pol, ref)
    assert t.priority == "critical" and t.events[-1].public
    assert "all users are affected" in t.events[-1].message
    r = post(client, ref, "priority", value="urgent", reason="x")
    assert r.status_code == 422 and "unknown priority" in text(r)
    assert view(desk, pol, ref).priority == "critical"


def test_assign_note_and_reply(console):
    client, desk, pol = console
    ref = file(desk, pol)
    assert post(client, ref, "assign").status_code == 303
    assert post(client, ref, "note", message="checked the logs").status_code == 303
    assert post(client, ref, "reply", message="We are on it.").status_code == 303
    assert post(client, ref, "note", message="   ").status_code == 400
    t = view(desk, pol, ref)
    assert t.assignee == "l1-user"
    assert [(e.kind, e.public) for e in t.events[-3:]] == [
        ("assign", False),
        ("comment", False),
        ("comment", True),
    ]
    page = text(client.get(f"/staff/t/{ref}"))
    assert "checked the logs" in page and "We are on it." in page and "assigned to l1-user" in page


def test_unknown_ticket_and_action(console):
    client, desk, pol = console
    ref = file(desk, pol)
    assert client.get("/staff/t/SUP-999999").status_code == 404
    assert post(client, "SUP-999999", "note", message="x").status_code == 404
    assert post(client, ref, "explode").status_code == 404


def test_similar_solved_tickets_on_the_page(console):
    client, desk, pol = console
    solved = file(desk, pol, description="Password reset email never arrives", steps="")
    other = file(desk, pol, description="Invoice shows the wrong amount for October", steps="")
    for ref in (solved, other):
        tickets.transition(desk, pol, ref, "open", "l1-user", NOW)
        tickets.transition(desk, pol, ref, "resolve", "l1-user", NOW, reason="done")
    ref = file(desk, pol, description="The password reset email does not arrive", steps="")
    page = text(client.get(f"/staff/t/{ref}"))
    similar = page.split('class="similar"')[1].split("</ol>")[0]
    assert solved in similar and other not in similar


def test_phone_ticket(console):
    client, desk, pol = console
    form = {
        "contact": "+49 30 1234567",
        "module": "Portal",
        "version": "4.2",
        "description": "Caller cannot sign in since this morning",
        "steps": "",
        "lang": "de",
        "priority": "high",
    }
    assert client.get("/staff/new").status_code == 200
    r = client.post("/staff/new", data=form)
    assert r.status_code == 201
    ref = r.get_data(as_text=True).split("/staff/t/")[1].split('"')[0]
    t = view(desk, pol, ref)
    assert t.channel == "phone" and t.customer_priority == "high" and t.lang == "de"
    assert t.contact == "+49 30 1234567" and "token=" in text(r)
    r = client.post("/staff/new", data={**form, "description": " "})
    assert r.status_code == 400
    assert client.post("/staff/new", data={**form, "lang": "xx"}).status_code == 422


def test_status_form_offers_the_legal_moves_in_life_order(console):
    client, desk, pol = console
    ref = file(desk, pol)
    tickets.transition(desk, pol, ref, "open", "l1-user", NOW)
    page = text(client.get(f"/staff/t/{ref}"))
    select = page.split('name="status-action"')[1].split("</select>")[0]
    values = [part.split('"')[0] for part in select.split('value="')[1:]]
    assert values == ["", "start", "resolve", "defer", "decline"]
    assert post(client, ref, "status", action="").status_code == 400
    assert view(desk, pol, ref).status == "open"


def test_engine_view_and_one_click_answer(staff_desk_url, staff_desk, engine_dirs, tmp_path):
    app = make_app(staff_desk_url, tmp_path, **engine_dirs)
    pol = app.extensions["triage"].policy
    client = app.test_client()
    login(client, "l1")
    ref = file(staff_desk, pol, description="I forgot my password and cannot sign in", steps="")
    page = text(client.get(f"/staff/t/{ref}"))
    engine = page.split('id="engine"')[1].split("</section>")[0]
    assert "<strong>access</strong>" in engine and "Because of:" in engine
    url = re.search(r'name="answer-url" type="hidden" value="([^"]+)"', engine).group(1)
    title = re.search(r'name="answer-title" type="hidden" value="([^"]+)"', engine).group(1)
    assert (url, title) == ("access/reset-password/", "Reset a forgotten password")
    assert post(client, ref, "answer", url=url, title=title).status_code == 303
    t = view(staff_desk, pol, ref)
    assert t.status == "resolved" and "/access/reset-password/" in t.events[-1].message
