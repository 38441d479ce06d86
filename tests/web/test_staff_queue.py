"""The console's queue: columns and names, sort, views, saved filters, bulk actions (CSRF,
per-ticket refusal, each ticket's log as if done on its own page)."""

from __future__ import annotations

import re

from tests.web.staff_fixtures import NOW, file, login, make_app
from triage.desk import tickets
from triage.desk.views import find_staff_view


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="[^"]*" data-ref="([^"]+)"', html)


def flash(html: str) -> str:
    found = re.search(r'<p class="flash [a-z]+"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def log_of(db, policy, ref):
    """A ticket's log without the moment: who, what, the data."""
    return [
        (e.actor, e.kind, e.message, e.reason, e.data)
        for e in find_staff_view(db, policy, ref, NOW).events
    ]


def test_columns_show_names_not_ids(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    ref = file(staff_desk, pol, klass="business-process", priority="high", subject="Orders stuck")
    client = staff_app.test_client()
    login(client, "admin")
    html = client.get("/staff/").get_data(as_text=True)
    row = html[html.index(f'data-ref="{ref}"') :].split("</tr>")[0]
    for text in (
        "Orders stuck",
        "ann@example.com",
        "Business process blocked",
        "high",
        "L3",
        "new",
        "16.0 h",
    ):
        assert text in row, text
    assert ">business-process<" not in html  # the filter shows the name too
    assert ">Business process blocked</option>" in html
    html = client.get("/staff/?lang=de").get_data(as_text=True)
    assert "Geschäftsprozess blockiert" in html and "SLA-Restzeit" in html and "16,0 Std." in html


def test_sort_by_a_column_and_bad_sort_is_refused_with_a_message(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    b = file(staff_desk, pol, subject="b second")
    a = file(staff_desk, pol, subject="a first")
    c = file(staff_desk, pol, subject="c third")
    client = staff_app.test_client()
    login(client, "l1")
    assert rows(client.get("/staff/").get_data(as_text=True)) == [b, a, c]  # arrival order
    assert rows(client.get("/staff/?sort=subject").get_data(as_text=True)) == [a, b, c]
    assert rows(client.get("/staff/?sort=subject&dir=desc").get_data(as_text=True)) == [c, b, a]
    html = client.get("/staff/?sort=token_hash").get_data(as_text=True)
    assert "Unknown sort" in html and rows(html) == [b, a, c]


def test_views_and_saved_filters(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    mine, free, waiting = (file(staff_desk, pol) for _ in range(3))
    tickets.assign(staff_desk, pol, mine, "l1-user", NOW, "l1-user")
    tickets.transition(staff_desk, pol, waiting, "wait_customer", "l1-user", NOW, reason="logs?")
    client = staff_app.test_client()
    login(client, "l1")
    page = client.get("/staff/").get_data(as_text=True)
    for name in (
        "My tickets",
        "Unassigned on my line",
        "At risk",
        "Waiting for a third party",
        "Waiting for the customer",
    ):
        assert name in page
    assert rows(client.get("/staff/?view=mine").get_data(as_text=True)) == [mine]
    assert rows(client.get("/staff/?view=unassigned").get_data(as_text=True)) == [free, waiting]
    assert rows(client.get("/staff/?view=customer").get_data(as_text=True)) == [waiting]
    assert rows(client.get("/staff/?view=third-party").get_data(as_text=True)) == []
    assert "Мои заявки" in client.get("/staff/?lang=ru").get_data(as_text=True)
    client.get("/staff/?lang=en")
    r = client.post(
        "/staff/filters", data={"name": "Waiting", "query": "status=waiting_customer&sort=ref"}
    )
    assert r.status_code == 303
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Filters saved as Waiting." in html and 'data-saved="Waiting"' in html
    assert rows(html) == [waiting]
    fid = re.search(r"/staff/filters/(\d+)/delete", html).group(1)
    login(other := staff_app.test_client(), "l2")
    assert "No such saved filter" in other.post(
        f"/staff/filters/{fid}/delete", follow_redirects=True
    ).get_data(as_text=True)
    html = client.post(f"/staff/filters/{fid}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Saved filter deleted." in html and 'data-saved="Waiting"' not in html


def test_bulk_refused_on_the_ticket_of_another_line_and_logs_as_one_by_one(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    own = [file(staff_desk, pol) for _ in range(3)]
    l3 = file(staff_desk, pol, klass="outage", priority="critical")
    twin = file(staff_desk, pol)  # assigned on its own page, for comparison
    client = staff_app.test_client()
    login(client, "l1")
    before = log_of(staff_desk, pol, l3)
    r = client.post(
        "/staff/bulk",
        data={"action": "assign", "assignee": "@me", "ref": [*own, l3], "back": "sort=ref"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/staff/?sort=ref")
    message = flash(client.get(r.headers["Location"]).get_data(as_text=True))
    assert message == f"3 done, 1 refused: {l3} (Your role cannot do this on a ticket of L3.)"
    assert log_of(staff_desk, pol, l3) == before
    client.post(f"/staff/t/{twin}/assign", data={})
    for ref in own:
        assert find_staff_view(staff_desk, pol, ref, NOW).assignee == "l1-user"
        assert log_of(staff_desk, pol, ref) == log_of(staff_desk, pol, twin)


def test_bulk_escalate_and_status_need_a_reason_and_refuse_illegal_moves(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    a, b = file(staff_desk, pol), file(staff_desk, pol)
    tickets.transition(staff_desk, pol, b, "open", "x", NOW)
    tickets.transition(staff_desk, pol, b, "resolve", "x", NOW, reason="fixed")
    client = staff_app.test_client()
    login(client, "l1")
    r = client.post(
        "/staff/bulk", data={"action": "escalate", "ref": [a], "reason": " "}, follow_redirects=True
    )
    assert "A reason is required." in r.get_data(as_text=True)
    assert find_staff_view(staff_desk, pol, a, NOW).line == "L1"
    r = client.post(
        "/staff/bulk",
        data={"action": "status", "status": "start", "ref": [a, b], "reason": "on it"},
        follow_redirects=True,
    )
    text = flash(r.get_data(as_text=True))
    assert text.startswith(f"0 done, 2 refused: {a} (") and f"; {b} (" in text  # neither may start
    assert find_staff_view(staff_desk, pol, a, NOW).status == "new"
    r = client.post(
        "/staff/bulk",
        data={"action": "status", "status": "open", "ref": [a, b], "reason": "taking them"},
        follow_redirects=True,
    )
    assert flash(r.get_data(as_text=True)).startswith(f"1 done, 1 refused: {b} (")
    view = find_staff_view(staff_desk, pol, a, NOW)
    assert view.status == "open" and view.events[-1].reason == "taking them"
    r = client.post(
        "/staff/bulk",
        data={"action": "escalate", "direction": "up", "ref": [a], "reason": "needs L2"},
        follow_redirects=True,
    )
    assert flash(r.get_data(as_text=True)) == "1 done."
    assert find_staff_view(staff_desk, pol, a, NOW).line == "L2"
    a = file(staff_desk, pol)  # a fresh L1 ticket to assign
    r = client.post(
        "/staff/bulk",
        data={"action": "assign", "assignee": "mallory", "ref": [a]},
        follow_redirects=True,
    )
    assert "No staff member mallory works the queue." in r.get_data(as_text=True)
    r = client.post(
        "/staff/bulk",
        data={"action": "assign", "assignee": "writer-user", "ref": [a]},
        follow_redirects=True,
    )
    assert "No staff member writer-user works the queue." in r.get_data(as_text=True)
    assert find_staff_view(staff_desk, pol, a, NOW).assignee is None
    r = client.post(
        "/staff/bulk",
        data={"action": "assign", "assignee": "l2-user", "ref": [a]},
        follow_redirects=True,
    )
    assert flash(r.get_data(as_text=True)) == "1 done."
    assert find_staff_view(staff_desk, pol, a, NOW).assignee == "l2-user"
    assert "Select at least one ticket." in client.post(
        "/staff/bulk", data={"action": "assign"}, follow_redirects=True
    ).get_data(as_text=True)


def test_bulk_needs_the_csrf_token(staff_desk_url, staff_desk, tmp_path):
    app = make_app(staff_desk_url, tmp_path, WTF_CSRF_ENABLED=True)
    pol = app.extensions["triage"].policy
    ref = file(staff_desk, pol)
    client = app.test_client()
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = {"name": "l1-user", "password": "correct horse battery", "csrf_token": token}
    assert client.post("/staff/login", data=data).status_code == 302
    r = client.post("/staff/bulk", data={"action": "assign", "ref": [ref]})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert find_staff_view(staff_desk, pol, ref, NOW).assignee is None
    html = client.get("/staff/").get_data(as_text=True)
    form = html[html.index('id="bulk-form"') :]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    r = client.post("/staff/bulk", data={"action": "assign", "ref": [ref], "csrf_token": token})
    assert r.status_code == 303 and find_staff_view(staff_desk, pol, ref, NOW).assignee == "l1-user"


def test_subject_from_the_api_the_ask_form_and_an_alert(staff_app, staff_desk):
    from triage.channels.alerts import Alert, _intake

    client = staff_app.test_client()
    base = {"module": "Portal", "version": "4.2", "contact": "eve@example.com", "steps": "1. Open"}
    r = client.post(
        "/api/tickets", json={**base, "description": "long text", "subject": "API subject"}
    )
    assert r.status_code == 201, r.json
    r = client.post("/api/tickets", json={**base, "description": "x", "subject": "s" * 201})
    assert r.status_code == 422 and r.json["error"]["field"] == "subject"
    form = {**base, "description": "Form body\nmore", "subject": "Form subject", "priority": "low"}
    assert client.post("/ask/ticket", data=form).status_code == 200
    form = {**base, "description": "  First line of the form\nmore", "priority": "low"}
    assert client.post("/ask/ticket", data=form).status_code == 200
    login(client, "admin")
    html = client.get("/staff/?sort=ref").get_data(as_text=True)
    subjects = re.findall(
        r'<td data-label="Subject" class="subject" title="[^"]*">([^<]*)</td>', html
    )
    assert subjects == ["API subject", "Form subject", "First line of the form"]
    alert = Alert(
        "firing", "fp", {"alertname": "DiskFull"}, {"summary": "Disk 95% full"}, NOW, None, ""
    )
    assert _intake(alert).subject == "Disk 95% full"
    bare = Alert("firing", "fp", {"alertname": "DiskFull"}, {}, NOW, None, "")
    assert _intake(bare).subject == "DiskFull"
