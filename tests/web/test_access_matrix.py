"""One access rule for the console and the staff API: role x ticket action x line, both ways.

The expected answer comes from the policy written out below (DOMAIN.md's support lines), not
from ``staff_roles.may``: every role may add internal notes everywhere; working a ticket is
for the support lines on their own lines and for admins everywhere; writers only read.
"""

from __future__ import annotations

import shutil

import pytest

from tests.web.staff_fixtures import NOW, ROLES, file, login, make_app
from triage.desk import tickets
from triage.desk.db import open_database
from triage.desk.users import issue_token
from triage.desk.views import find_staff_view

LINES = ("L1", "L2", "L3", "L4")
#: The lines whose tickets each role works (the policy under test, written independently).
WORKS = {
    "l1": {"L1"},
    "l2": {"L2"},
    "l3": {"L3", "L4"},
    "writer": set(),
    "admin": set(LINES),
}
#: Actions anyone may take on any line.
EVERYONE = {"note"}


def expected(role: str, action: str, line: str) -> bool:
    """Whether the policy lets a role take an action on a ticket of a line."""
    return action in EVERYONE or line in WORKS[role]


def up_or_down(line: str) -> int:
    return -1 if line == "L4" else 1


#: How the console asks for each action: (form kind, fields without their prefix).
CONSOLE = {
    "transition": lambda t: ("status", {"action": "open"}),
    "ask": lambda t: ("ask", {"message": "Which browser do you use?"}),
    "answer": lambda t: ("answer", {"url": "access/reset-password/", "title": "Reset"}),
    "reply": lambda t: ("reply", {"message": "We are on it."}),
    "note": lambda t: ("note", {"message": "internal"}),
    "escalate": lambda t: (
        "escalate",
        {"direction": "down" if up_or_down(t["line"]) < 0 else "up", "reason": "needs it"},
    ),
    "class": lambda t: ("class", {"value": t["other_class"], "reason": "misfiled"}),
    "priority": lambda t: ("priority", {"value": "low", "reason": "one user only"}),
    "assign": lambda t: ("assign", {}),
}
#: How the staff API asks for each action: (path after the ticket, JSON body).
API = {
    "transition": lambda t: ("transition", {"action": "open"}),
    "ask": lambda t: (
        "transition",
        {"action": "wait_customer", "reason": "information", "message": "Which browser?"},
    ),
    "reply": lambda t: ("comments", {"message": "We are on it.", "public": True}),
    "note": lambda t: ("comments", {"message": "internal"}),
    "escalate": lambda t: ("escalate", {"reason": "needs it", "steps": up_or_down(t["line"])}),
    "class": lambda t: ("class", {"class": t["other_class"], "reason": "misfiled"}),
    "priority": lambda t: ("priority", {"priority": "low", "reason": "one user only"}),
    "assign": lambda t: ("assign", {"assignee": "admin-user"}),
}


@pytest.fixture(scope="module")
def desk(staff_desk_template, tmp_path_factory):
    """(app, desk, policy, console clients by role, API tokens by role) on one module desk."""
    tmp = tmp_path_factory.mktemp("matrix")
    shutil.copy(staff_desk_template, tmp / "desk.db")
    url = f"sqlite:///{tmp / 'desk.db'}"
    app = make_app(url, tmp)
    db = open_database(url)
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        assert login(clients[role], role).status_code == 302
    tokens = {role: issue_token(db, f"{role}-user", NOW)[1] for role in ROLES}
    yield app, db, app.extensions["triage"].policy, clients, tokens
    db.dispose()


def ticket_on(db, policy, line: str) -> dict:
    """A new ticket owned by ``line`` (L4 by escalation from L3), and a class to correct to."""
    by_line = {policy.request_class(c).line: c for c in policy.classes}
    klass = by_line.get(line, by_line["L3"])
    ref = file(db, policy, klass=klass)
    if line == "L4":
        tickets.escalate(db, policy, ref, "admin-user", NOW, "vendor bug", steps=1)
    other = next(c for c in policy.classes if c != klass)
    view = find_staff_view(db, policy, ref, NOW)
    assert view.line == line
    return {"ref": ref, "line": line, "other_class": other}


def events(db, policy, ref: str) -> int:
    return len(find_staff_view(db, policy, ref, NOW).events)


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("action", sorted(CONSOLE))
@pytest.mark.parametrize("role", ROLES)
def test_console(desk, role, action, line):
    app, db, policy, clients, _tokens = desk
    t = ticket_on(db, policy, line)
    kind, fields = CONSOLE[action](t)
    before = events(db, policy, t["ref"])
    r = clients[role].post(
        f"/staff/t/{t['ref']}/{kind}", data={f"{kind}-{k}": v for k, v in fields.items()}
    )
    if expected(role, action, line):
        assert r.status_code == 303, r.get_data(as_text=True)[:2000]
        assert events(db, policy, t["ref"]) > before
    else:
        assert r.status_code == 403
        assert f"Your role cannot do this on a ticket of {line}." in r.get_data(as_text=True)
        assert events(db, policy, t["ref"]) == before


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("action", sorted(API))
@pytest.mark.parametrize("role", ROLES)
def test_api(desk, role, action, line):
    app, db, policy, _clients, tokens = desk
    t = ticket_on(db, policy, line)
    path, payload = API[action](t)
    before = events(db, policy, t["ref"])
    r = app.test_client().post(
        f"/api/staff/tickets/{t['ref']}/{path}",
        json=payload,
        headers={"Authorization": f"Bearer {tokens[role]}"},
    )
    if expected(role, action, line):
        assert r.status_code == 200, r.json
        assert events(db, policy, t["ref"]) > before
    else:
        assert r.status_code == 403, r.json
        assert r.json["error"] == {
            "status": 403,
            "message": f"Your role cannot do this on a ticket of {line}.",
            "action": action if action in ("reply", "note") else path,
            "line": line,
        }
        assert events(db, policy, t["ref"]) == before


def test_the_reported_requests_are_refused(desk):
    """Issue 11: an l1 token on an L3 ticket got 200 for all four of these."""
    app, db, policy, _clients, tokens = desk
    h = {"Authorization": f"Bearer {tokens['l1']}"}
    ref = ticket_on(db, policy, "L3")["ref"]
    before = events(db, policy, ref)
    client = app.test_client()
    for path, payload in [
        ("transition", {"action": "open"}),
        ("priority", {"priority": "low", "reason": "not urgent"}),
        ("comments", {"message": "hello", "public": True}),
        ("escalate", {"reason": "back", "steps": -2}),
    ]:
        r = client.post(f"/api/staff/tickets/{ref}/{path}", json=payload, headers=h)
        assert r.status_code == 403, (path, r.json)
        assert r.json["error"]["message"] == "Your role cannot do this on a ticket of L3."
    assert events(db, policy, ref) == before


@pytest.mark.parametrize("steps", [-2, 2, 0, 3, -3, "1", 1.5, None, True])
def test_escalate_steps_must_be_one_line(desk, steps):
    app, db, policy, _clients, tokens = desk
    ref = ticket_on(db, policy, "L2")["ref"]
    before = events(db, policy, ref)
    r = app.test_client().post(
        f"/api/staff/tickets/{ref}/escalate",
        json={"reason": "why", "steps": steps},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    )
    assert r.status_code == 422, r.json
    assert r.json["error"]["field"] == "steps"
    assert find_staff_view(db, policy, ref, NOW).line == "L2" and events(db, policy, ref) == before
