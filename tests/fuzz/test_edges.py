"""What schemathesis found in the REST API, pinned as plain tests (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import app, client, token  # noqa: F401  (fixtures)

HUGE = str(2**63)


def _error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize("path", ["/api/v1/dossiers/%C2%B9", "/api/v1/dossiers/%C2%B3/events", f"/api/v1/dossiers/{HUGE}",
                                  "/api/v1/dossiers/2147483648"])
def test_a_ref_that_is_no_id_is_not_found(client: Any, token: Any, path: str) -> None:  # noqa: F811
    """'³' is a digit to str.isdigit() but not to int(); 2^63 overflows SQLite, 2^31 PostgreSQL."""
    _error(client.get(path, headers=token("desk")), 404, "not_found")
    _error(client.post(path.removesuffix("/events") + "/return", json={}, headers=token("desk")), 404, "not_found")


@pytest.mark.parametrize("task_id", [HUGE, "2147483648"])
def test_a_task_id_out_of_range_is_not_found(client: Any, token: Any, task_id: str) -> None:  # noqa: F811
    _error(client.post(f"/api/v1/tasks/{task_id}/claim", headers=token("desk")), 404, "not_found")
    _error(client.post(f"/api/v1/tasks/{task_id}/complete", json={}, headers=token("desk")), 404, "not_found")


@pytest.mark.parametrize("query", ["page=" + HUGE, "page=", "page=%C2%B2", "per_page=0", "overdue=null", "status="])
def test_bad_query_parameters_are_refused(client: Any, token: Any, query: str) -> None:  # noqa: F811
    _error(client.get(f"/api/v1/dossiers?{query}", headers=token("desk")), 400, "invalid_parameter")


def test_if_match_of_unicode_digits_is_ignored(client: Any, token: Any) -> None:  # noqa: F811
    response = client.post("/api/v1/tasks/1/complete", json={}, headers={**token("desk"), "If-Match": "²"})
    assert response.status_code < 500, response.text


def test_method_not_allowed_says_what_is(client: Any, token: Any) -> None:  # noqa: F811
    response = client.open("/api/v1/me", method="TRACE", headers=token("desk"))
    _error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_the_document_declares_id_ranges(client: Any) -> None:  # noqa: F811
    claim = client.get("/api/v1/openapi.json").json["paths"]["/tasks/{task_id}/claim"]["post"]
    assert claim["parameters"][0]["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


@pytest.mark.parametrize("path,status", [("/api/v1/procedures?agency=%00", 400), ("/api/v1/dossiers?q=a%00b", 400),
                                         ("/api/v1/dossiers/%00", 404), ("/api/v1/public/dossiers/%00", 404),
                                         ("/api/v1/procedures/%ED%A0%80", 404)])
def test_nul_and_broken_text_in_urls_are_refused(client: Any, token: Any, path: str, status: int) -> None:  # noqa: F811
    """PostgreSQL refuses NUL in text: the query used to reach it and answer 500."""
    response = client.get(path, headers=token("desk"))
    assert response.status_code == status, response.text


def test_nul_in_a_body_is_refused_naming_the_field(client: Any, token: Any) -> None:  # noqa: F811
    body = {"procedure_code": "1.001806", "applicant": {"name": "Trần\x00Văn"}}
    _error(client.post("/api/v1/dossiers", json=body, headers=token("desk")), 400, "invalid_text")
