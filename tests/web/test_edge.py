"""Every input checked at the edge: NUL, lone surrogates, deep JSON, wrong media types, methods.

Each test is a reproduction of issue 11 section 4, run on SQLite and PostgreSQL: the request
is refused with a 4xx (JSON under /api/, the form's message on pages) and nothing is written.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.web.ask_fixtures import engine_dirs  # noqa: F401 - fixture: tiny real engine
from tests.web.test_api import NOW, TICKET, make_app
from triage.desk import tickets
from triage.desk.channel_models import AlertEpisode
from triage.desk.db import Database, open_database
from triage.desk.intake import Classified, Intake
from triage.desk.models import Event, Ticket
from triage.desk.users import add_user
from triage.engine.policy import load_policy

POLICY = load_policy(Path(__file__).parents[2] / "policy.yml")
SECRET = "edge-alerts-secret"
PASSWORD = "correct horse battery"
NUL = "bad\x00text"
SURROGATE = '"bad \\ud800 text"'  # a JSON string escape: a lone surrogate once decoded


@dataclass(frozen=True)
class Desk:
    """The test's database and the admin's API token."""

    db: Database
    token: str


@pytest.fixture
def desk(db_url):
    """The database under the app, opened; a staff user and an admin token exist."""
    db = open_database(db_url)
    token = add_user(db, "ann", "admin", NOW, password=PASSWORD)
    yield Desk(db, token)
    db.dispose()


@pytest.fixture
def app(db_url, desk, engine_dirs, tmp_path):  # noqa: F811 - fixture
    """An app on a fresh database of each backend with the tiny engine; CSRF off."""
    return make_app(
        db_url,
        engine_dirs,
        ALERTS_SECRET=SECRET,
        WTF_CSRF_ENABLED=False,
        SITE_DIR=str(tmp_path / "no-site"),
    )


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


def count(desk: Desk, model) -> int:
    """Rows of a table."""
    with desk.db.reader() as s:
        return s.scalar(select(func.count()).select_from(model))


def filed(desk: Desk) -> str:
    """A ticket filed through the desk; its ref."""
    return file_one(desk).ref


def file_one(desk: Desk):
    """A ticket filed through the desk: ref and token."""
    intake = Intake(**TICKET)
    return tickets.file_ticket(desk.db, POLICY, intake, Classified("access", "medium", "L1"), NOW)


def bad(template: str) -> str:
    """A JSON text with the lone-surrogate string in place of BAD."""
    return template.replace("BAD", SURROGATE)


def raw_json(client, path: str, text: str, **kw):
    """POST a raw JSON text (escapes kept as written)."""
    return client.post(path, data=text, content_type="application/json", **kw)


def assert_json_4xx(r, *codes: int) -> None:
    """A JSON error of one of the codes."""
    assert r.status_code in codes, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json and r.json["error"]["status"] == r.status_code


def alert(**fields) -> dict:
    """An Alertmanager payload with one firing alert."""
    one = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "severity": "warning"},
        "annotations": {"summary": "disk is full"},
        "startsAt": "2026-11-23T09:00:00Z",
        "fingerprint": "fp-edge-1",
        **fields,
    }
    return {"version": "4", "status": "firing", "alerts": [one]}


ALERT_AUTH = {"Authorization": f"Bearer {SECRET}"}


# --- NUL bytes: 500 on PostgreSQL before -------------------------------------------------


@pytest.mark.parametrize("field", ["description", "module", "contact", "steps", "lang"])
def test_nul_in_a_ticket_field_is_refused(client, desk, field):
    r = client.post("/api/tickets", json={**TICKET, field: NUL})
    assert_json_4xx(r, 422)
    assert "NUL" in r.json["error"]["message"]
    assert count(desk, Ticket) == 0


def test_nul_in_a_json_key_and_a_nested_value_is_refused(client, desk):
    r = client.post("/api/tickets", json={**TICKET, "x\x00": 1})
    assert_json_4xx(r, 422)
    r = client.post("/api/tickets", json={**TICKET, "extra": [{"a": NUL}]})
    assert_json_4xx(r, 422)
    assert count(desk, Ticket) == 0


def test_nul_in_the_tracking_path_or_token(client, desk):
    assert_json_4xx(client.get("/api/tickets/SUP%00-1?token=ab"), 400, 404)
    assert_json_4xx(client.get("/api/tickets/SUP-1?token=a%00b"), 400, 404)


def test_nul_on_the_status_page(client, desk):
    r = client.get("/t/SUP%00x")
    assert r.status_code in (400, 404)
    ticket = file_one(desk)
    events = count(desk, Event)
    r = client.post(f"/t/{ticket.ref}", data={"token": ticket.token, "message": NUL})
    assert r.status_code == 422 and "NUL" in r.get_data(as_text=True)
    assert count(desk, Event) == events


def test_nul_in_ask_is_the_forms_message(client, desk):
    r = client.post("/ask", data={"question": NUL})
    assert r.status_code == 422
    assert "NUL" in r.get_data(as_text=True)
    r = client.post("/ask/session", json={"question": NUL})
    assert r.status_code == 422
    r = client.post("/ask/session", data={"question": NUL})
    assert r.status_code == 422
    form = {**TICKET, "description": NUL, "priority": "medium"}
    r = client.post("/ask/ticket", data=form)
    assert r.status_code == 422 and "NUL" in r.get_data(as_text=True)
    assert count(desk, Ticket) == 0


def test_nul_in_feedback(client, desk):
    body = {"article": NUL, "lang": "en", "helpful": True}
    assert_json_4xx(client.post("/api/feedback", json=body), 422)
    r = client.post("/api/feedback", data={**body, "helpful": "yes"})
    assert_json_4xx(r, 422)


def test_nul_in_staff_comment_api_and_console(client, desk):
    ref = filed(desk)
    events = count(desk, Event)
    auth = {"Authorization": f"Bearer {desk.token}"}
    r = client.post(f"/api/staff/tickets/{ref}/comments", json={"message": NUL}, headers=auth)
    assert_json_4xx(r, 422)
    login = client.post("/staff/login", data={"name": "ann", "password": PASSWORD})
    assert login.status_code == 302
    r = client.post(f"/staff/t/{ref}/note", data={"note-message": NUL})
    assert r.status_code == 400 and "NUL" in r.get_data(as_text=True)
    assert count(desk, Event) == events


def test_nul_in_login_name_and_password(client, desk):
    r = client.post("/staff/login", data={"name": "ann\x00", "password": PASSWORD})
    assert r.status_code == 400
    r = client.post("/staff/login", data={"name": "ann", "password": "x\x00y"})
    assert r.status_code == 400


def test_nul_in_alert_labels(client, desk):
    r = client.post("/api/alerts", json=alert(labels={"alertname": NUL}), headers=ALERT_AUTH)
    assert_json_4xx(r, 422)
    r = client.post("/api/alerts", json=alert(labels={NUL: "x"}), headers=ALERT_AUTH)
    assert_json_4xx(r, 422)
    assert count(desk, Ticket) == 0 and count(desk, AlertEpisode) == 0


# --- lone surrogates: 500 on both databases before -------------------------------------


def test_lone_surrogate_in_tickets_and_triage(client, desk):
    r = raw_json(client, "/api/tickets", bad('{"description": BAD, "contact": "a@b.c"}'))
    assert_json_4xx(r, 422)
    assert "surrogate" in r.json["error"]["message"]
    r = raw_json(client, "/api/triage", bad('{"question": BAD}'))
    assert_json_4xx(r, 422)
    assert count(desk, Ticket) == 0


def test_lone_surrogate_in_comment_and_alert_labels(client, desk):
    ref = filed(desk)
    events = count(desk, Event)
    auth = {"Authorization": f"Bearer {desk.token}"}
    path = f"/api/staff/tickets/{ref}/comments"
    assert_json_4xx(raw_json(client, path, bad('{"message": BAD}'), headers=auth), 422)
    text = bad(
        '{"alerts": [{"status": "firing", "startsAt": "2026-11-23T09:00:00Z", '
        '"labels": {"alertname": BAD}}]}'
    )
    assert_json_4xx(raw_json(client, "/api/alerts", text, headers=ALERT_AUTH), 422)
    assert count(desk, Event) == events and count(desk, Ticket) == 1


def test_surrogate_from_a_form_is_the_forms_message(client, desk):
    # a form body percent-encodes UTF-8; werkzeug decodes invalid bytes with replacement, so a
    # lone surrogate can only come as JSON. The desk refuses one all the same (last defence).
    bad = Intake(**{**TICKET, "description": "x\ud800"})
    with pytest.raises(tickets.InvalidField):
        tickets.file_ticket(desk.db, POLICY, bad, Classified("access", "medium", "L1"), NOW)
    assert count(desk, Ticket) == 0


# --- deep nesting, times ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tickets", "/api/triage", "/api/alerts", "/api/feedback"])
def test_deeply_nested_json_is_400(client, path):
    text = "[" * 50_000 + "]" * 50_000
    assert_json_4xx(raw_json(client, path, text, headers=ALERT_AUTH), 400)
    text = '{"description": ' + "[" * 50_000 + "]" * 50_000 + "}"
    assert_json_4xx(raw_json(client, path, text, headers=ALERT_AUTH), 400)


def test_alert_times_at_the_edges(client, desk):
    r = client.post(
        "/api/alerts", json=alert(startsAt="9999-12-31T23:59:59-23:59"), headers=ALERT_AUTH
    )
    assert_json_4xx(r, 422)
    assert "startsAt" in r.json["error"]["message"]
    late = alert(endsAt="0001-01-01T00:00:00+01:00")  # the year 0 in UTC
    r = client.post("/api/alerts", json=late, headers=ALERT_AUTH)
    assert_json_4xx(r, 422)
    r = client.post("/api/alerts", json=alert(startsAt="0001-01-01T00:00:00Z"), headers=ALERT_AUTH)
    assert r.status_code == 200, r.json
    assert r.json["outcomes"][0]["action"] == "opened"
    r = client.post("/api/alerts", json=alert(startsAt="9999-12-31T23:59:59Z"), headers=ALERT_AUTH)
    assert r.status_code == 200, r.json


@pytest.mark.parametrize(
    "change",
    [
        {"labels": {"alertname": "x", "severity": 1}},
        {"labels": ["alertname"]},
        {"annotations": {"summary": {"a": 1}}},
        {"fingerprint": 123},
        {"generatorURL": ["http://x"]},
        {"startsAt": 1700000000},
        {"endsAt": True},
        {"status": 1},
    ],
)
def test_alerts_refuse_wrong_types(client, desk, change):
    r = client.post("/api/alerts", json=alert(**change), headers=ALERT_AUTH)
    assert_json_4xx(r, 422)
    assert count(desk, Ticket) == 0


@pytest.mark.parametrize(
    "top", [{"version": 4}, {"status": ["firing"]}, {"receiver": 1}, {"groupKey": {}}]
)
def test_alert_payload_fields_of_wrong_type(client, desk, top):
    r = client.post("/api/alerts", json={**alert(), **top}, headers=ALERT_AUTH)
    assert_json_4xx(r, 422)
    assert count(desk, Ticket) == 0


# --- media type, methods, size ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/tickets", "/api/triage", "/api/alerts"])
def test_a_form_post_to_the_json_api_is_415(client, desk, path):
    r = client.post(path, data=TICKET, headers=ALERT_AUTH)  # what a cross-site <form> sends
    assert_json_4xx(r, 415)
    r = client.post(path, data='{"description": "x"}', content_type="text/plain")
    assert_json_4xx(r, 415)
    assert count(desk, Ticket) == 0


def test_json_with_charset_is_accepted(client):
    r = client.post(
        "/api/tickets",
        data='{"description": "The portal is down", "contact": "a@b.c"}',
        content_type="application/json; charset=utf-8",
    )
    assert r.status_code == 201, r.json


@pytest.mark.parametrize(
    "path", ["/api/tickets", "/api/triage", "/api/alerts", "/api/staff/tickets/SUP-1/comments"]
)
def test_get_on_a_post_only_path_is_405_with_allow(client, path):
    r = client.get(path)
    assert_json_4xx(r, 405)
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert "POST" in allow and "GET" not in allow
    r = client.put(path, json={})
    assert_json_4xx(r, 405)
    assert "GET" not in r.headers["Allow"]


def test_post_on_a_get_only_path_is_405(client):
    r = client.post("/api/openapi.json", json={})
    assert_json_4xx(r, 405)
    assert "GET" in r.headers["Allow"]


def test_unknown_api_path_is_still_404(client):
    assert_json_4xx(client.get("/api/nothing-here"), 404)


def test_chunked_body_over_the_limit_is_413(client, desk):
    big = io.BytesIO(b'{"description": "' + b"x" * (10 * 1024 * 1024) + b'"}')
    r = client.post(
        "/api/tickets",
        input_stream=big,
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn and werkzeug set it
    )
    assert_json_4xx(r, 413)
    assert count(desk, Ticket) == 0


def test_the_documents_limits_are_the_desks():
    """Every maxLength of a request text in openapi.yml is the one table's limit."""
    from triage.desk.validation import LIMITS
    from triage.web.api import openapi_document

    doc = openapi_document()
    found: dict[str, int] = {}
    bodies = [
        op["requestBody"]["content"]["application/json"]["schema"]
        for item in doc["paths"].values()
        for op in item.values()
        if "requestBody" in op
    ]
    schemas = [doc["components"]["schemas"][b["$ref"].rsplit("/", 1)[1]] if "$ref" in b else b
               for b in bodies]  # fmt: skip
    for schema in schemas:
        for name, prop in schema.get("properties", {}).items():
            if "maxLength" in prop:
                key = "description" if name == "question" and prop["maxLength"] > 5000 else name
                assert prop["maxLength"] == LIMITS[key], (name, prop["maxLength"])
                found[key] = prop["maxLength"]
    assert {"description", "question", "contact", "module", "message", "reason"} <= set(found)


def test_json_answers_are_never_sniffed_or_framed(client):
    for r in (client.get("/api/openapi.json"), client.get("/api/tickets"), client.get("/api/x")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
