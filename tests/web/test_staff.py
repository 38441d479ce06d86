"""The staff console: sign-in, cookies, CSRF, role rules, the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.staff_fixtures import NOW, PASSWORD, file, login, make_app
from triage.desk import tickets
from triage.desk.views import find_staff_view
from triage.web.auth import WRONG, secure_cookies
from triage.web.staff_roles import lines_of, may


def test_sign_in_and_out(staff_app):
    client = staff_app.test_client()
    r = login(client, "l1")
    assert r.status_code == 302 and r.headers["Location"].endswith("/staff/")
    assert client.get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 302
    r = client.get("/staff/")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


@pytest.mark.parametrize(("name", "password"), [("l1-user", "wrong password"), ("nobody", "x" * 9)])
def test_wrong_password_one_generic_error(staff_app, name, password):
    client = staff_app.test_client()
    r = client.post("/staff/login", data={"name": name, "password": password})
    assert r.status_code == 401
    assert str(WRONG) in r.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # still signed out


def test_login_required_redirects_with_next(staff_app):
    r = staff_app.test_client().get("/staff/t/SUP-000001")
    assert r.status_code == 302 and "next=%2Fstaff%2Ft%2FSUP-000001" in r.headers["Location"]


def test_next_must_stay_in_the_console(staff_app):
    client = staff_app.test_client()
    data = {"name": "l1-user", "password": PASSWORD}
    r = client.post("/staff/login?next=https://evil.example/staff", data=data)
    assert r.headers["Location"].endswith("/staff/")
    client.post("/staff/logout")
    r = client.post("/staff/login?next=/staff/new", data=data)
    assert r.headers["Location"].endswith("/staff/new")


def test_session_cookie_is_http_only_and_lax(staff_app):
    client = staff_app.test_client()
    cookie = login(client, "l1").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_cookies_secure_off_localhost(staff_desk_url, tmp_path):
    staff_app = make_app(staff_desk_url, tmp_path, PUBLIC_URL="https://help.example.com")
    assert staff_app.config["SESSION_COOKIE_SECURE"] and staff_app.config["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("http://127.0.0.1:8000", False),
        ("http://localhost:5000", False),
        ("https://127.0.0.1", True),
        ("http://help.example.com", True),
        ("https://help.example.com", True),
    ],
)
def test_secure_cookies_rule(url, secure):
    assert secure_cookies(url) is secure


def test_csrf_refused(staff_desk_url, staff_desk, tmp_path):
    staff_app = make_app(staff_desk_url, tmp_path, WTF_CSRF_ENABLED=True)
    pol = staff_app.extensions["triage"].policy
    ref = file(staff_desk, pol)
    client = staff_app.test_client()
    r = client.post("/staff/login", data={"name": "l1-user", "password": PASSWORD})
    assert r.status_code == 400 and client.get("/staff/").status_code == 302  # not signed in
    page = client.get("/staff/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    data = {"name": "l1-user", "password": PASSWORD, "csrf_token": token}
    assert client.post("/staff/login", data=data).status_code == 302
    r = client.post(f"/staff/t/{ref}/note", data={"note-message": "no token here"})
    assert r.status_code == 400
    view = find_staff_view(staff_desk, pol, ref, NOW)
    assert [e.kind for e in view.events] == ["created", "triaged"]
    r = client.post(
        f"/staff/t/{ref}/note", data={"note-message": "with token", "note-csrf_token": token}
    )
    assert r.status_code == 303
    assert find_staff_view(staff_desk, pol, ref, NOW).events[-1].message == "with token"


ROLE_TABLE = [
    # role, part, ticket line, allowed
    ("l1", "queue", None, True),
    ("writer", "queue", None, False),
    ("writer", "view", "L1", True),
    ("writer", "note", "L3", True),
    ("writer", "act", "L1", False),
    ("writer", "create", None, False),
    ("l1", "act", "L1", True),
    ("l1", "act", "L3", False),
    ("l1", "note", "L3", True),
    ("l2", "act", "L2", True),
    ("l2", "act", "L1", False),
    ("l3", "act", "L3", True),
    ("l3", "act", "L4", True),
    ("l3", "act", "L2", False),
    ("admin", "act", "L4", True),
    ("admin", "create", None, True),
    ("l1", "no-such-part", None, False),
]


@pytest.mark.parametrize(("role", "part", "line", "expected"), ROLE_TABLE)
def test_role_rules(role, part, line, expected):
    assert may(role, part, line) is expected


def test_lines_of_roles(policy):
    assert lines_of("l1", policy.lines) == ("L1",)
    assert lines_of("l3", policy.lines) == ("L3", "L4")
    assert lines_of("admin", policy.lines) == tuple(policy.lines)
    assert lines_of("writer", policy.lines) == ()


def test_writer_reads_and_notes_but_cannot_work(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    ref = file(staff_desk, pol)
    client = staff_app.test_client()
    login(client, "writer")
    assert client.get("/staff/").status_code == 403
    assert client.get("/staff/new").status_code == 403
    page = client.get(f"/staff/t/{ref}")
    assert page.status_code == 200 and "Assign to me" not in page.get_data(as_text=True)
    assert (
        client.post(f"/staff/t/{ref}/note", data={"note-message": "for the KB"}).status_code == 303
    )
    r = client.post(f"/staff/t/{ref}/assign", data={})
    assert r.status_code == 403
    view = find_staff_view(staff_desk, pol, ref, NOW)
    assert view.assignee is None and view.events[-1].message == "for the KB"


def test_l1_cannot_act_on_an_l3_ticket(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    ref = file(staff_desk, pol, klass="outage", priority="critical")  # owned by L3
    client = staff_app.test_client()
    login(client, "l1")
    r = client.post(f"/staff/t/{ref}/status", data={"status-action": "open"})
    assert r.status_code == 403
    assert find_staff_view(staff_desk, pol, ref, NOW).status == "new"
    assert client.post(f"/staff/t/{ref}/note", data={"note-message": "seen"}).status_code == 303
    login(client, "l3")
    assert client.post(f"/staff/t/{ref}/status", data={"status-action": "open"}).status_code == 303
    assert find_staff_view(staff_desk, pol, ref, NOW).status == "open"


def _rows(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('data-ref="')[1:]]


def test_queue_of_own_line_by_due_time_with_filters(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    low = file(staff_desk, pol, klass="consultation", priority="low")
    medium = file(staff_desk, pol, klass="access", priority="medium")
    l2 = file(staff_desk, pol, klass="server", priority="high")
    client = staff_app.test_client()
    login(client, "l1")
    html = client.get("/staff/").get_data(as_text=True)
    assert _rows(html) == [medium, low] or _rows(html) == [low, medium]
    assert l2 not in _rows(html)
    tickets.correct_priority(staff_desk, pol, low, "admin", NOW, "critical", "production is down")
    assert _rows(client.get("/staff/").get_data(as_text=True)) == [low, medium]
    assert _rows(client.get("/staff/?priority=medium").get_data(as_text=True)) == [medium]
    assert _rows(client.get("/staff/?class=consultation").get_data(as_text=True)) == [low]
    assert _rows(client.get("/staff/?status=open").get_data(as_text=True)) == []
    r = client.get("/staff/?status=bogus")
    assert (
        "Unknown status" in r.get_data(as_text=True) and len(_rows(r.get_data(as_text=True))) == 2
    )
    login(client, "admin")
    assert set(_rows(client.get("/staff/").get_data(as_text=True))) == {low, medium, l2}
    assert _rows(client.get("/staff/?line=L2").get_data(as_text=True)) == [l2]


def test_queue_marks_at_risk_and_breached(staff_app, staff_desk):
    pol = staff_app.extensions["triage"].policy
    critical = file(staff_desk, pol, klass="access", priority="critical")  # 8 h reaction
    low = file(staff_desk, pol, klass="consultation", priority="low")  # 96 h reaction
    client = staff_app.test_client()
    login(client, "l1")
    html = client.get("/staff/").get_data(as_text=True)
    assert "mark breached" not in html and "mark at-risk" not in html
    staff_app.config["NOW"] = NOW + timedelta(
        hours=6, minutes=30
    )  # 6.5 of 8 support hours: at risk
    html = client.get("/staff/").get_data(as_text=True)
    assert f'class="at-risk" data-ref="{critical}"' in html and f'class="" data-ref="{low}"' in html
    staff_app.config["NOW"] = NOW + timedelta(days=1, hours=2)  # Tuesday 11:00: 10 support hours
    html = client.get("/staff/").get_data(as_text=True)
    assert f'class="breached" data-ref="{critical}"' in html


def test_sign_in_is_rate_limited(staff_desk_url, tmp_path):
    app = make_app(staff_desk_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    wrong = {"name": "l1-user", "password": "wrong password"}
    assert [client.post("/staff/login", data=wrong).status_code for _ in range(3)] == [401] * 3
    r = client.post("/staff/login", data={"name": "l1-user", "password": PASSWORD})
    assert r.status_code == 429 and "Too many sign-in attempts" in r.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302  # the right password did not get in either


def test_session_bound_to_the_browser(staff_app):
    client = staff_app.test_client()
    client.post(
        "/staff/login",
        data={"name": "l1-user", "password": PASSWORD},
        headers={"User-Agent": "browser A"},
    )
    assert client.get("/staff/", headers={"User-Agent": "browser A"}).status_code == 200
    r = client.get("/staff/", headers={"User-Agent": "browser B"})  # a stolen cookie elsewhere
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]
