"""POST /api/alerts: Alertmanager payloads fired, repeated, updated and resolved; the secret."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.dbfixtures import fresh_url
from triage.desk import tickets
from triage.desk.channel_models import AlertEpisode, OutboxMessage
from triage.desk.db import open_database
from triage.desk.models import Event, Ticket
from triage.web import create_app

SECRET = "s3cret-for-tests"
AUTH = {"Authorization": f"Bearer {SECRET}"}
FIRING = {
    "version": "4",
    "status": "firing",
    "receiver": "frontline",
    "groupKey": '{}:{alertname="PortalDown"}',
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "PortalDown", "severity": "critical", "class": "outage",
                       "service": "portal", "instance": "web-1:443"},
            "annotations": {"summary": "Portal returns 502", "description": "All probes fail."},
            "startsAt": "2026-11-23T09:00:00.123456789Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=probe_success",
            "fingerprint": "c0ffee0123456789",
        }
    ],
}  # fmt: skip


def payload(status="firing", **alert):
    """The firing payload with the alert's fields replaced."""
    data = copy.deepcopy(FIRING)
    data["status"] = status
    data["alerts"][0].update(status=status, **alert)
    return data


def make_app(url: str, tmp_path, **extra):
    """An app over the database at url with the alerts secret set."""
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "ALERTS_SECRET": SECRET}
    return create_app(
        {**config, "RATELIMIT_ENABLED": False, "INSTANCE_DIR": str(tmp_path), **extra}
    )


@pytest.fixture
def app(db_url, tmp_path):
    """An app over a fresh database (once per backend)."""
    return make_app(db_url, tmp_path)


@pytest.fixture
def lite(request, tmp_path):
    """(client, database) on SQLite only: for checks that do not depend on the backend."""
    url = fresh_url("sqlite", request, tmp_path)
    db = open_database(url)
    yield make_app(url, tmp_path).test_client(), db
    db.dispose()


@pytest.fixture
def client(app):
    """The app's test client."""
    return app.test_client()


@pytest.fixture
def desk(db_url):
    """The same database, opened for checking."""
    db = open_database(db_url)
    yield db
    db.dispose()


def count(db, model) -> int:
    """Rows of a table."""
    with db.read() as s:
        return s.execute(select(func.count()).select_from(model)).scalar()


def post(client, data, headers=AUTH):
    """POST a payload; the response."""
    return client.post("/api/alerts", json=data, headers=headers)


def test_firing_opens_a_ticket_and_replay_changes_nothing(client, desk):
    r = post(client, FIRING)
    assert r.status_code == 200
    assert r.json["outcomes"] == [
        {"fingerprint": "c0ffee0123456789", "status": "firing", "action": "opened",
         "ref": "SUP-000001"}
    ]  # fmt: skip
    with desk.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert (t.channel, t.predicted_class, t.predicted_priority, t.line, t.status) == (
            "alert", "outage", "critical", "L3", "new",
        )  # fmt: skip
        assert t.module == "portal" and "Portal returns 502" in t.description
        assert "All probes fail." in t.description and "instance=web-1:443" in t.description
    events = count(desk, Event)
    again = post(client, FIRING)
    assert again.json["outcomes"][0]["action"] == "replayed"
    assert again.json["outcomes"][0]["ref"] == "SUP-000001"
    assert count(desk, Ticket) == 1 and count(desk, Event) == events
    assert count(desk, OutboxMessage) == 0  # no customer address: no confirmation mail


def test_refiring_updates_the_open_ticket_then_resolved_adds_an_event(client, desk):
    post(client, FIRING)
    later = payload(startsAt="2026-11-23T11:00:00Z")
    assert post(client, later).json["outcomes"][0]["action"] == "updated"
    resolved = payload("resolved", startsAt="2026-11-23T11:00:00Z", endsAt="2026-11-23T11:30:00Z")
    assert post(client, resolved).json["outcomes"][0] == {
        "fingerprint": "c0ffee0123456789", "status": "resolved", "action": "resolved",
        "ref": "SUP-000001",
    }  # fmt: skip
    assert post(client, resolved).json["outcomes"][0]["action"] == "replayed"
    assert count(desk, Ticket) == 1
    with desk.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        notes = [e.message for e in t.events if e.actor == "alertmanager"]
        episodes = s.execute(select(AlertEpisode).order_by(AlertEpisode.id)).scalars().all()
        assert [(e.status, e.ticket_id) for e in episodes] == [
            ("firing", t.id), ("resolved", t.id),
        ]  # fmt: skip
    assert len(notes) == 2 and notes[0].startswith("Alert PortalDown fired again")
    assert notes[1] == "Alert PortalDown resolved at 2026-11-23T11:30:00+00:00."


def test_a_closed_ticket_is_not_reused(client, desk, policy):
    post(client, FIRING)
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    for action in ("open", "resolve", "close"):
        tickets.transition(desk, policy, "SUP-000001", action, "bob", now)
    r = post(client, payload(startsAt="2026-11-24T08:00:00Z"))
    assert r.json["outcomes"][0]["action"] == "opened"
    assert r.json["outcomes"][0]["ref"] == "SUP-000002"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"severity": "warning", "class": "component"}, ("component", "high", "L2")),
        ({"severity": "info"}, ("server", "low", "L2")),
        ({"severity": "page-everyone", "class": "weather"}, ("server", "medium", "L2")),
    ],
)
def test_class_and_priority_from_labels(lite, labels, expected):
    client, desk = lite
    assert post(client, payload(labels={"alertname": "X", **labels})).status_code == 200
    with desk.read() as s:
        t = s.execute(select(Ticket)).scalar_one()
        assert (t.predicted_class, t.predicted_priority, t.line) == expected


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": SECRET},
     {"Authorization": f"Bearer {SECRET}x"}],
)  # fmt: skip
def test_wrong_or_missing_secret_is_401(lite, headers):
    client, desk = lite
    r = post(client, FIRING, headers)
    assert r.status_code == 401 and r.json["error"]["status"] == 401
    assert count(desk, Ticket) == 0 and count(desk, AlertEpisode) == 0


def test_unconfigured_secret_is_503(request, tmp_path):
    app = make_app(fresh_url("sqlite", request, tmp_path), tmp_path, ALERTS_SECRET="")
    assert app.test_client().post("/api/alerts", json=FIRING, headers=AUTH).status_code == 503


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("not json", 400, "body"),
        ("not json", 415, "The body must be JSON"),
        ({"version": "4", "alerts": []}, 422, "alerts"),
        ({"version": "3", "alerts": FIRING["alerts"]}, 422, "version"),
        (payload(startsAt="yesterday"), 422, "alerts[0].startsAt"),
        (payload(status="exploded"), 422, "alerts[0].status"),
        (payload(labels=["a"]), 422, "alerts[0].labels"),
    ],
)
def test_bad_payloads_name_the_field_and_change_nothing(lite, body, status, field):
    client, desk = lite
    if isinstance(body, str):
        kind = "text/plain" if status == 415 else "application/json"
        r = client.post("/api/alerts", data=body, headers=AUTH, content_type=kind)
    else:
        r = post(client, body)
    assert r.status_code == status and r.json["error"]["message"].startswith(field)
    assert count(desk, Ticket) == 0 and count(desk, AlertEpisode) == 0


def test_documented_in_openapi(lite):
    client, _ = lite
    doc = client.get("/api/openapi.json").json
    op = doc["paths"]["/api/alerts"]["post"]
    assert op["security"] == [{"alertsSecret": []}]
    assert {"200", "401", "422", "503"} <= set(op["responses"])
