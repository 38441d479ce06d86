"""The JSON API over both databases: filing, tracking, staff actions, every error status."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.web.ask_fixtures import engine_dirs  # noqa: F401 - fixture: tiny real engine
from triage.desk.db import open_database
from triage.desk.users import add_user
from triage.web import create_app

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
TICKET = {
    "description": "The portal shows error 500 when I sign in",
    "module": "Portal",
    "version": "4.2",
    "steps": "1. open the portal 2. sign in",
    "contact": "ann@example.com",
}


def make_app(db_url: str, dirs: dict[str, str], **config):
    """An app on the database with the given engine folders, rate limits off, clock pinned."""
    base = {
        "TESTING": True,
        "DATABASE_URL": db_url,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,
        "NOW": NOW,
        "PUBLIC_URL": "http://help.example",
    }
    return create_app({**base, **dirs, **config})


@pytest.fixture
def app(db_url, engine_dirs):  # noqa: F811 - fixture
    """An app on a fresh database with the tiny real engine (tests/web/ask_fixtures.py)."""
    return make_app(db_url, engine_dirs)


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


@pytest.fixture
def tokens(db_url):
    """API tokens of one user per role."""
    db = open_database(db_url)
    out = {role: add_user(db, f"{role}-user", role, NOW) for role in ("l1", "l2", "writer")}
    db.dispose()
    return out


def auth(token: str) -> dict:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


def file(client, **overrides) -> dict:
    """File a ticket through the API and return the JSON answer."""
    r = client.post("/api/tickets", json={**TICKET, **overrides})
    assert r.status_code == 201, r.json
    return r.json


@pytest.mark.parametrize(
    ("question", "lang", "klass"),
    [
        ("I forgot my password and cannot sign in", "en", "access"),
        ("не могу войти в личный кабинет, забыл пароль", "ru", "access"),
        ("the whole site is down for everyone", "en", "outage"),
    ],
)
def test_triage_returns_the_decision(client, question, lang, klass):
    r = client.post("/api/triage", json={"question": question})
    assert r.status_code == 200, r.json
    d = r.json
    assert (d["request_class"], d["lang"]) == (klass, lang)
    assert d["line"] and d["priority"] and abs(sum(d["probabilities"].values()) - 1) < 0.01
    prefix = "" if lang == "en" else f"{lang}/"  # site paths: English has no language prefix
    assert d["suggestions"][0]["url"].startswith(f"{prefix}{klass}/")
    assert d["suggestions"][0]["request_class"] == klass


def test_triage_without_model_is_503_but_tickets_are_still_filed(db_url, tmp_path, engine_dirs):  # noqa: F811,E501
    dirs = {**engine_dirs, "MODEL_DIR": str(tmp_path / "none")}
    client = make_app(db_url, dirs).test_client()
    r = client.post("/api/triage", json={"question": "hello"})
    assert r.status_code == 503 and "triage train" in r.json["error"]["message"]
    filed = file(client)
    assert (filed["class"], filed["priority"]) == ("unknown", "medium")


def test_file_and_track(client):
    filed = file(client)
    assert (filed["class"], filed["priority"]) == ("access", "medium")  # engine: sign-in problem
    assert filed["ref"] == "SUP-000001" and filed["status"] == "new" and filed["missing"] == []
    assert filed["token"] in filed["tracking_url"] and filed["reaction_due"].startswith("2026-")
    r = client.get(f"/api/tickets/{filed['ref']}?token={filed['token']}")
    assert r.status_code == 200
    assert r.json["status"] == "new" and r.json["events"][0]["kind"] == "created"


def test_wrong_token_is_like_unknown_ref(client):
    filed = file(client)
    unknown = client.get(f"/api/tickets/SUP-999999?token={filed['token']}")
    wrong = client.get(f"/api/tickets/{filed['ref']}?token=not-the-token")
    missing = client.get(f"/api/tickets/{filed['ref']}")
    assert unknown.status_code == wrong.status_code == missing.status_code == 404
    assert unknown.json == wrong.json == missing.json


def test_missing_intake_asks_customer(client):
    filed = file(client, module=None, version="", contact=None, lang="ru")
    assert filed["status"] == "waiting_customer"
    assert filed["missing"] == ["module", "version", "contact"]
    view = client.get(f"/api/tickets/{filed['ref']}?token={filed['token']}").json
    assert "модуль продукта, версия продукта, контакт" in view["events"][-1]["message"]
    assert view["events"][-1]["message"].startswith("Пожалуйста")


def test_customer_view_leaks_nothing_internal(client, tokens):
    filed = file(client)
    ref, h = filed["ref"], auth(tokens["l1"])
    client.post(f"/api/staff/tickets/{ref}/comments", json={"message": "SECRET-NOTE"}, headers=h)
    client.post(f"/api/staff/tickets/{ref}/escalate", json={"reason": "SECRET-WHY"}, headers=h)
    client.post(f"/api/staff/tickets/{ref}/assign", json={"assignee": "l2-user"}, headers=h)
    r = client.post(
        f"/api/staff/tickets/{ref}/priority",
        json={"priority": "high", "reason": "Production is affected"},
        headers=auth(tokens["l2"]),  # the ticket is on L2 now: its line's work
    )
    assert r.status_code == 200
    view = client.get(f"/api/tickets/{ref}?token={filed['token']}").json
    raw = json.dumps(view)
    for secret in ("SECRET-NOTE", "SECRET-WHY", "l1-user", "l2-user", "L2", "L1", "ann@example"):
        assert secret not in raw
    assert "token_hash" not in raw and filed["token"] not in raw and "confidence" not in raw
    assert set(view) == {
        "ref", "status", "priority", "lang", "reported_at", "reaction_due", "reacted", "events",
    }  # fmt: skip
    assert view["priority"] == "high" and "Production is affected" in view["events"][-1]["message"]
    assert [e["kind"] for e in view["events"]] == ["created", "priority"]
    assert all(set(e) == {"at", "kind", "message", "reason"} for e in view["events"])


def test_staff_auth_and_roles(client, tokens):
    ref = file(client)["ref"]
    url = f"/api/staff/tickets/{ref}/transition"
    assert client.post(url, json={"action": "open"}).status_code == 401
    assert client.post(url, json={"action": "open"}, headers=auth("nope")).status_code == 401
    r = client.post(url, json={"action": "open"}, headers=auth(tokens["writer"]))
    assert r.status_code == 403
    assert r.json["error"]["message"] == "Your role cannot do this on a ticket of L1."
    assert (
        client.get(f"/api/staff/tickets/{ref}", headers=auth(tokens["writer"])).status_code == 200
    )
    r = client.post(url, json={"action": "open"}, headers=auth(tokens["l1"]))
    assert r.status_code == 200 and r.json["status"] == "open"
    assert r.json["events"][-1]["actor"] == "l1-user"
    assert client.get("/api/staff/me", headers=auth(tokens["l2"])).json["role"] == "l2"


def test_errors_are_json(client, tokens):
    ref, h = file(client)["ref"], auth(tokens["l1"])
    url = f"/api/staff/tickets/{ref}/transition"
    cases = [
        (client.post(url, json={"action": "close"}, headers=h), 409),
        (client.post(url, json={"action": "fly"}, headers=h), 422),
        (client.post(url, data="{not json", headers=h, content_type="application/json"), 400),
        (client.post(url, data="{not json", headers=h), 415),
        (client.post(url, json=["a list"], headers=h), 400),
        (client.post("/api/staff/tickets/SUP-424242/transition", json={"action": "open"},
                     headers=h), 404),
        (client.post("/api/tickets", json={**TICKET, "priority": "urgent"}), 422),
        (client.post("/api/tickets", json={"module": "x"}), 422),
        (client.post("/api/tickets", data="x" * (1024 * 1024 + 1)), 413),
        (client.get("/api/staff/queue?line=L9", headers=h), 422),
        (client.get("/api/no-such-endpoint"), 404),
    ]  # fmt: skip
    for response, status in cases:
        assert response.status_code == status, (status, response.json)
        assert response.json["error"]["status"] == status and response.json["error"]["message"]
    assert "allowed" in cases[0][0].json["error"]["message"]


def test_queue_and_lifecycle_over_api(client, tokens):
    h = auth(tokens["l1"])
    a = file(client, priority="low")["ref"]
    b = file(client, priority="critical")["ref"]
    refs = [t["ref"] for t in client.get("/api/staff/queue", headers=h).json["tickets"]]
    assert refs == [b, a]
    url = f"/api/staff/tickets/{b}/transition"
    for action, reason in [("open", None), ("start", None), ("wait_third_party", "vendor")]:
        assert (
            client.post(url, json={"action": action, "reason": reason}, headers=h).status_code
            == 200
        )
    r = client.post(url, json={"action": "decline", "reason": "because"}, headers=h)
    assert r.status_code == 409 and "cannot_reproduce" in r.json["error"]["message"]
    waiting = client.get("/api/staff/queue?waiting=true&line=L1", headers=h).json["tickets"]
    assert [x["ref"] for x in waiting] == [b, a]
    active = client.get("/api/staff/queue?line=L1", headers=h).json["tickets"]
    assert [x["ref"] for x in active] == [a]


def test_rate_limit(db_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": db_url,
            "SECRET_KEY": "t",
            "RATELIMIT_TRACKING": "2/minute",
        }
    )
    client = app.test_client()
    statuses = [client.get("/api/tickets/SUP-000001?token=x").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
    r = client.get("/api/tickets/SUP-000001?token=x")
    assert r.json["error"]["status"] == 429 and "Retry-After" in r.headers
