"""Console sessions live in the database: signing out, deactivation and a new password end them
on every app node; API tokens of a deactivated user stop at once; sign-in locks after failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from tests.web.staff_fixtures import NOW, PASSWORD, login, make_app
from triage.desk import sessions
from triage.desk.access_models import StaffSession
from triage.desk.users import issue_token, set_active, set_password


def cookie(client) -> str:
    """The session cookie a client holds (what a thief would copy)."""
    return client.get_cookie("session").value


def with_cookie(app, value: str):
    """A fresh client presenting a copied session cookie."""
    client = app.test_client()
    client.set_cookie("session", value)
    return client


def signed_in(client) -> bool:
    r = client.get("/staff/")
    assert r.status_code in (200, 302)
    return r.status_code == 200


def test_a_cookie_copied_before_logout_is_refused(staff_app):
    client = staff_app.test_client()
    assert login(client, "l1").status_code == 302
    stolen = cookie(client)
    assert signed_in(with_cookie(staff_app, stolen))
    assert client.post("/staff/logout").status_code == 302
    r = with_cookie(staff_app, stolen).get("/staff/")
    assert r.status_code == 302 and "/staff/login" in r.headers["Location"]


def test_sessions_are_shared_by_app_nodes(staff_desk_url, tmp_path):
    """Two app objects on one database (two nodes): sign in on one, out on the other."""
    one, two = make_app(staff_desk_url, tmp_path), make_app(staff_desk_url, tmp_path)
    client = one.test_client()
    login(client, "l2")
    value = cookie(client)
    on_two = with_cookie(two, value)
    assert signed_in(on_two)
    assert on_two.post("/staff/logout").status_code == 302
    assert not signed_in(with_cookie(one, value))


def test_deactivation_ends_sessions_and_tokens_at_once(staff_app, staff_desk):
    client = staff_app.test_client()
    login(client, "l3")
    _, token = issue_token(staff_desk, "l3-user", NOW)
    api = staff_app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/staff/me", headers=h).status_code == 200
    set_active(staff_desk, "l3-user", False, NOW)
    assert not signed_in(client)
    r = api.get("/api/staff/me", headers=h)
    assert r.status_code == 401 and r.json["error"]["message"] == "Unknown or revoked API token."
    assert login(staff_app.test_client(), "l3").status_code == 401
    set_active(staff_desk, "l3-user", True, NOW)  # back, but the old token stays revoked
    assert api.get("/api/staff/me", headers=h).status_code == 401
    assert login(staff_app.test_client(), "l3").status_code == 302


def test_a_new_password_ends_the_other_sessions(staff_app, staff_desk):
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    login(laptop, "l1")
    login(phone, "l1")
    set_password(staff_desk, "l1-user", "a new long password")
    assert not signed_in(laptop) and not signed_in(phone)
    assert login(staff_app.test_client(), "l1").status_code == 401
    assert login(staff_app.test_client(), "l1", "a new long password").status_code == 302


def test_sessions_expire(staff_app, staff_desk):
    client = staff_app.test_client()
    login(client, "l1")
    assert signed_in(client)
    long_ago = datetime.now(UTC) - timedelta(hours=13)  # STAFF_SESSION_HOURS is 12
    with staff_desk.write() as s:
        s.execute(update(StaffSession).values(created_at=long_ago))
    assert not signed_in(client)


LOCK_TEXT = "Too many failed sign-ins with this name"


def attempt(client, name: str, password: str):
    return client.post("/staff/login", data={"name": name, "password": password})


@pytest.mark.parametrize("name", ["l1-user", "nobody-here"])
def test_five_failures_lock_the_name(staff_app, name):
    client = staff_app.test_client()
    answers = [attempt(client, name, f"wrong {i}") for i in range(5)]
    assert [r.status_code for r in answers] == [401, 401, 401, 401, 429]
    assert all("Wrong name or password." in r.get_data(as_text=True) for r in answers[:4])
    assert LOCK_TEXT in answers[4].get_data(as_text=True)
    r = attempt(client, name, PASSWORD)  # even the right password: locked
    assert r.status_code == 429 and LOCK_TEXT in r.get_data(as_text=True)
    assert "15 more minute" in r.get_data(as_text=True)
    other = attempt(staff_app.test_client(), "l2-user", PASSWORD)  # other names are not locked
    assert other.status_code == 302


def test_the_lock_holds_on_another_node_and_ends(staff_desk_url, tmp_path, staff_desk):
    one = make_app(staff_desk_url, tmp_path, LOGIN_LOCK_FAILURES=3)
    for i in range(3):
        attempt(one.test_client(), "L1-USER ", f"wrong {i}")  # the same name, differently typed
    two = make_app(staff_desk_url, tmp_path)
    r = attempt(two.test_client(), "l1-user", PASSWORD)
    assert r.status_code == 429 and LOCK_TEXT in r.get_data(as_text=True)
    later = sessions.locked_until(staff_desk, "l1-user", NOW)  # the desk clock is not the lock's
    assert later is not None
    assert sessions.locked_until(staff_desk, "l1-user", later + timedelta(seconds=1)) is None


def test_a_success_forgets_earlier_failures(staff_app):
    client = staff_app.test_client()
    for _ in range(4):
        assert attempt(client, "l1-user", "wrong").status_code == 401
    assert login(staff_app.test_client(), "l1").status_code == 302
    for _ in range(4):
        assert attempt(client, "l1-user", "wrong").status_code == 401
