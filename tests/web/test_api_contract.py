"""The API against its own OpenAPI document: schemathesis cases for every operation, both databases.

Each operation gets a bounded number of positive and negative examples with a fixed seed
(``derandomize``), staff operations with the Bearer token of a created admin; operations on a
ticket also get cases aimed at a ticket that exists. Every response must be no server error,
documented, of the documented media type and valid against its schema; valid requests must
be accepted and schema-violating ones refused. A second test sends every undocumented method
to every path: 405 with an ``Allow`` naming only the documented ones.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.dbfixtures import fresh_url
from tests.web.ask_fixtures import engine_dirs  # noqa: F401 - fixture: tiny real engine
from tests.web.test_api import NOW, TICKET, make_app
from triage.desk.db import open_database
from triage.desk.users import add_user

EXAMPLES = 12  # per operation and mode: the whole run stays well under a minute per database
BUDGET_SECONDS = 60
ALERTS_SECRET = "contract-alerts-secret"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]  # fmt: skip
MODE_CHECKS = {
    GenerationMode.POSITIVE: [*CHECKS, positive_data_acceptance],
    GenerationMode.NEGATIVE: [*CHECKS, negative_data_rejection],
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def contract(request, tmp_path_factory, engine_dirs):  # noqa: F811 - fixture
    """An app with an admin token and one filed ticket; the schema loaded from the app."""
    tmp = tmp_path_factory.mktemp(f"contract-{request.param}")
    server = request.getfixturevalue("pg_server") if request.param == "postgresql" else None
    url = fresh_url(request.param, None, tmp, server=server)
    db = open_database(url)
    token = add_user(db, "root", "admin", NOW)
    db.dispose()
    app = make_app(url, engine_dirs, ALERTS_SECRET=ALERTS_SECRET, SITE_DIR=str(tmp / "no-site"))
    ref = app.test_client().post("/api/tickets", json=TICKET).json["ref"]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    # Valid text holds no NUL (the document says so; tests/web/test_edge.py sends NULs)
    schema.config.generation.update(allow_x00=False, codec="utf-8")
    return schema, token, ref, app


def operations(schema) -> list:
    """Every operation of the document (a broken one fails the test)."""
    return [result.ok() for result in schema.get_all_operations()]


def strategy(op, mode: GenerationMode, ref: str):
    """Cases of one operation; for ticket paths also cases on an existing ticket."""
    plain = op.as_strategy(generation_mode=mode)
    if "{ref}" not in op.path:
        return plain
    return st.one_of(plain, op.as_strategy(generation_mode=mode, path_parameters={"ref": ref}))


def check_operation(op, mode: GenerationMode, ref: str, auth: dict[str, str]) -> None:
    """Run EXAMPLES generated cases of one operation and validate every response."""

    @given(case=strategy(op, mode, ref))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        case.call_and_validate(headers=auth, checks=MODE_CHECKS[mode])

    check()


@pytest.mark.slow
@pytest.mark.postgres
def test_api_matches_its_document(contract):
    schema, token, ref, _app = contract
    ops = operations(schema)
    assert len(ops) >= 13
    started = time.monotonic()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for op in ops:
            secret = ALERTS_SECRET if op.path == "/api/alerts" else token
            check_operation(op, mode, ref, {"Authorization": f"Bearer {secret}"})
    assert time.monotonic() - started < BUDGET_SECONDS * 2  # generous on a loaded machine


@pytest.mark.postgres
def test_undocumented_methods_are_405_with_the_documented_allow(contract):
    _schema, token, ref, app = contract
    client = app.test_client()
    doc = client.get("/api/openapi.json").json
    auth = {"Authorization": f"Bearer {token}"}
    for path, item in doc["paths"].items():
        url = path.replace("{ref}", ref)
        documented = {m.upper() for m in item if m.upper() in METHODS}
        for method in set(METHODS) - documented:
            r = client.open(url, method=method, json={}, headers=auth)
            assert r.status_code == 405, (method, url, r.status_code)
            assert r.is_json and r.json["error"]["status"] == 405
            allowed = {m.strip() for m in r.headers["Allow"].split(",")} - {"HEAD", "OPTIONS"}
            assert allowed == documented, (method, url, r.headers["Allow"])
