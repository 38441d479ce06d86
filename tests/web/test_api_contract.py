"""The API against its own OpenAPI document: schemathesis cases for every operation.

Each operation gets a few positive and a few negative examples (bounded: the run stays short);
operations on a ticket also get cases aimed at a ticket that exists. Every response must match
the document (status documented, JSON body valid against its schema, no server error), and
schema-violating requests must be refused.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.web.ask_fixtures import engine_dirs  # noqa: F401 - fixture: tiny real engine
from tests.web.test_api import NOW, TICKET, make_app
from triage.desk.db import open_database, upgrade
from triage.desk.users import add_user

EXAMPLES = 3
ALERTS_SECRET = "contract-alerts-secret"


@pytest.fixture(scope="module")
def contract(tmp_path_factory, engine_dirs):  # noqa: F811 - fixture
    """An app with an admin token and one filed ticket; the schema loaded from the app."""
    url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'desk.db'}"
    upgrade(url)
    db = open_database(url)
    token = add_user(db, "root", "admin", NOW)
    db.dispose()
    app = make_app(url, engine_dirs, ALERTS_SECRET=ALERTS_SECRET)
    ref = app.test_client().post("/api/tickets", json=TICKET).json["ref"]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return schema, token, ref


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
        case.call_and_validate(headers=auth)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_matches_its_document(contract, mode):
    schema, token, ref = contract
    ops = operations(schema)
    assert len(ops) >= 13
    for op in ops:
        secret = ALERTS_SECRET if op.path == "/api/alerts" else token
        check_operation(op, mode, ref, {"Authorization": f"Bearer {secret}"})
