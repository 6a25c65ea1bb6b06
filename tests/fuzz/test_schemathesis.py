"""Schemathesis against the REST API's OpenAPI document, on SQLite and PostgreSQL.

Every operation of ``/api/v1/openapi.json`` is called with generated requests (valid ones and
schema-violating ones) as a real signed-in user, and every answer is checked: no 5xx, the status
code is one the document declares, the body matches the declared schema, invalid data is rejected.
Bounded (a few examples per operation) so ``make test`` stays fast; a deeper run is
``MOTCUA_FUZZ_EXAMPLES=500 pytest tests/fuzz``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from api.rest.openapi import document
from engine import Services
from engine.storage.accounts import ApiToken, token_digest
from tests.api.conftest import app  # noqa: F401, F811  (the app over each test database, with its staff)
from tests.helpers import APPLICANT

EXAMPLES = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "10"))
USER = "desk"  # a one-stop officer: may receive dossiers, so the writing endpoints go past 403

schema = schemathesis.openapi.from_dict(document())
schema.config.update(base_url="http://localhost/api/v1")
schema.config.phases.update(phases=["examples", "fuzzing"])
# A body can match the schema and still be refused by the engine: 422 invalid_command (an unknown variant,
# a missing checkpoint, a date in the past) and 409 (the dossier's status) are answers, not faults.
schema.config.checks.positive_data_acceptance.expected_statuses = ["2xx", "401", "403", "404", "409", "422"]
SEEDED = "CB.SYT-260302-0001"  # the first dossier of the test clock's day: the ref the document gives as example
TOKEN = secrets.token_urlsafe(32)  # known before the run: the examples phase builds its requests at collection


@schema.auth()
class Bearer:
    """The current test's token (its own database's user), set where the document asks for bearerAuth."""

    def get(self, case: Any, context: Any) -> str:
        return f"Bearer {TOKEN}"

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture
def signed_in(app: Flask, services: Services) -> Iterator[tuple[Flask, list[int]]]:  # noqa: F811
    """The app of this test's database, ``TOKEN`` a token of ``USER`` there, and one dossier received.

    Afterwards: the run got past authentication (some answer is not 401), else it proved nothing.
    """
    app.config["SERVER_NAME"] = None
    with services.sessions() as session:
        now = services.now()
        session.add(ApiToken(token_hash=token_digest(TOKEN), user_id=USER, created_at=now, expires_at=now + timedelta(days=1)))
        session.commit()
    seed = app.test_client().post("/api/v1/dossiers", headers={"Authorization": f"Bearer {TOKEN}"}, json={
        "procedure_code": "1.001806", "applicant": APPLICANT, "documents": ["don"]})
    assert seed.status_code == 201 and seed.json["code"] == SEEDED, seed.json  # the document's example ref
    statuses: list[int] = []
    yield app, statuses
    assert statuses and set(statuses) != {401}, f"every request was refused as unauthenticated: {statuses}"


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case: Any, signed_in: tuple[Flask, list[int]]) -> None:
    flask_app, statuses = signed_in
    case.operation.app = case.operation.schema.app = flask_app  # the checks' own probes go there too
    statuses.append(case.call_and_validate().status_code)
