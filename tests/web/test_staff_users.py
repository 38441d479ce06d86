"""The admins' users page: list, password, (de)activation, API tokens; CSRF on; admins only."""

from __future__ import annotations

import re

import pytest

from tests.web.staff_fixtures import PASSWORD, login, make_app
from triage.desk.users import by_password, by_token, list_tokens


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def admin(staff_desk_url, tmp_path):
    """(app with CSRF on, client signed in as admin, its CSRF token)."""
    app = make_app(staff_desk_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token = csrf(client.get("/staff/login").get_data(as_text=True))
    data = {"name": "admin-user", "password": PASSWORD, "csrf_token": token}
    assert client.post("/staff/login", data=data).status_code == 302
    page = client.get("/staff/users").get_data(as_text=True)
    return app, client, csrf(page)


def test_list_and_admin_only(admin, staff_app):
    app, client, _ = admin
    page = client.get("/staff/users").get_data(as_text=True)
    for role in ("l1", "l2", "l3", "writer", "admin"):
        assert f'data-user="{role}-user"' in page
    assert 'href="/staff/users"' in client.get("/staff/").get_data(as_text=True)
    other = staff_app.test_client()
    login(other, "l3")
    assert other.get("/staff/users").status_code == 403
    assert other.get("/staff/users/l1-user").status_code == 403
    assert other.post("/staff/users/l1-user/deactivate").status_code == 403
    assert 'href="/staff/users"' not in other.get("/staff/").get_data(as_text=True)
    assert client.get("/staff/users/nobody").status_code == 404


def test_every_post_needs_the_csrf_token(admin, staff_desk):
    _app, client, _ = admin
    for path in ("l1-user/deactivate", "l1-user/tokens", "l1-user/password"):
        r = client.post(f"/staff/users/{path}", data={"password": "x" * 10, "confirm": "x" * 10})
        assert r.status_code == 400, path
    assert by_password(staff_desk, "l1-user", PASSWORD) is not None
    assert len(list_tokens(staff_desk, "l1-user")) == 1


def test_set_password_ends_the_members_sessions(admin, staff_app, staff_desk):
    _app, client, token = admin
    member = staff_app.test_client()
    login(member, "l1")
    url = "/staff/users/l1-user/password"
    differ = client.post(url, data={"password": "x" * 10, "confirm": "y" * 10, "csrf_token": token})
    assert differ.status_code == 400
    assert "The two passwords differ." in differ.get_data(as_text=True)
    short = client.post(url, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 400
    assert "Between 8 and 200 characters." in short.get_data(as_text=True)
    assert member.get("/staff/").status_code == 200
    new = "a brand new password"
    r = client.post(url, data={"password": new, "confirm": new, "csrf_token": token})
    assert r.status_code == 303
    assert member.get("/staff/").status_code == 302
    assert by_password(staff_desk, "l1-user", new) is not None


def test_own_password_keeps_own_session(admin, staff_desk):
    _app, client, token = admin
    new = "the admin's new one"
    r = client.post(
        "/staff/users/admin-user/password",
        data={"password": new, "confirm": new, "csrf_token": token},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "0 other session(s) ended" in r.get_data(as_text=True)
    assert client.get("/staff/users").status_code == 200


def test_deactivate_reactivate_and_tokens(admin, staff_app, staff_desk):
    _app, client, token = admin
    member = staff_app.test_client()
    login(member, "l2")
    issued = client.post("/staff/users/l2-user/tokens", data={"csrf_token": token})
    assert issued.status_code == 201
    page = issued.get_data(as_text=True)
    new = re.search(r'id="new-token".*?<code>([^<]+)</code>', page, re.S).group(1)
    assert by_token(staff_desk, new).name == "l2-user"
    assert new not in client.get("/staff/users/l2-user").get_data(as_text=True)  # shown once
    assert new not in str(client.get_cookie("session").value)
    token_id = list_tokens(staff_desk, "l2-user")[-1].id
    data = {"csrf_token": token}
    r = client.post(f"/staff/users/l2-user/tokens/{token_id}/revoke", data=data)
    assert r.status_code == 303 and by_token(staff_desk, new) is None
    again = client.post(f"/staff/users/l2-user/tokens/{token_id}/revoke", data=data)
    assert again.status_code == 404
    r = client.post("/staff/users/l2-user/deactivate", data={"csrf_token": token})
    assert r.status_code == 303 and member.get("/staff/").status_code == 302
    page = client.get("/staff/users/l2-user").get_data(as_text=True)
    assert 'data-active="no"' in page
    refused = client.post("/staff/users/l2-user/tokens", data={"csrf_token": token})
    assert refused.status_code == 409
    assert client.post("/staff/users/l2-user/reactivate", data=data).status_code == 303
    assert login(staff_app.test_client(), "l2").status_code == 302
    me = client.post("/staff/users/admin-user/deactivate", data={"csrf_token": token})
    assert me.status_code == 409 and "You cannot deactivate yourself." in me.get_data(as_text=True)


def test_the_page_speaks_the_members_language(admin):
    _app, client, _ = admin
    page = client.get("/staff/users?lang=de").get_data(as_text=True)
    assert "Benutzer" in page and "API-Tokens" in page


def test_a_new_password_lifts_a_sign_in_lock(admin, staff_app):
    _app, client, token = admin
    for i in range(5):
        staff_app.test_client().post("/staff/login", data={"name": "l1-user", "password": f"x{i}"})
    assert login(staff_app.test_client(), "l1").status_code == 429
    new = "unlocked at last"
    data = {"password": new, "confirm": new, "csrf_token": token}
    assert client.post("/staff/users/l1-user/password", data=data).status_code == 303
    assert login(staff_app.test_client(), "l1", new).status_code == 302
