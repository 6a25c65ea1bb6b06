"""Issue 12 at the edge, through the app (SQLite and PostgreSQL): bad text, ids and pages, one schema for
the forms and the API, idempotency keys, and 'not found' for another agency. The surrogate case and the
concurrent idempotent requests go through a real HTTP server."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from html import unescape
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from api.rest.openapi import document
from engine.storage.accounts import User
from engine.storage.models import AuditEvent, Dossier
from tests.helpers import APPLICANT

from .conftest import csrf_of, web_login

HUGE = str(2**63)
BODY = {"procedure_code": "1.001806", "applicant": APPLICANT, "documents": ["don"]}


def _dossiers(services: Any) -> int:
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(Dossier)).scalar_one())


def _events(services: Any) -> int:
    with services.sessions() as session:
        return int(session.execute(select(func.count()).select_from(AuditEvent)).scalar_one())


@pytest.fixture
def live(app: Flask) -> Iterator[tuple[str, int]]:
    """The app served over real HTTP on a free port (threaded, as gunicorn's threads would be)."""
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_port
    server.shutdown()
    thread.join(10)


def _http(live: tuple[str, int], method: str, path: str, body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, str]]:
    conn = http.client.HTTPConnection(*live, timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(raw) if "json" in kind else raw.decode(), dict(response.getheaders())
    finally:
        conn.close()


# ---------------------------------------------------------------------- the reported bug, over HTTP

def test_a_lone_surrogate_is_refused_over_http_and_every_page_still_answers(live, token, services):  # type: ignore[no-untyped-def]
    """'Tr\\ud800n' used to be stored on SQLite with a 500 'nothing was saved'; then lists and lookups failed."""
    auth = token("desk")
    status, first, _ = _http(live, "POST", "/api/v1/dossiers", json.dumps(BODY).encode(), auth)
    assert status == 201, first
    before = (_dossiers(services), _events(services))
    raw = json.dumps({**BODY, "applicant": {"name": "Tr\ud800n"}}).encode()  # ASCII JSON holding the escape \ud800
    assert b"\\ud800" in raw
    status, error, _ = _http(live, "POST", "/api/v1/dossiers", raw, auth)
    assert status == 400 and error["error"]["code"] == "invalid_text", error
    assert "applicant.name" in error["error"]["message"] and "không có gì được ghi" in error["error"]["message"]
    assert (_dossiers(services), _events(services)) == before
    for path in ("/api/v1/dossiers", f"/api/v1/dossiers/{first['code']}", f"/api/v1/public/dossiers/{first['code']}?digits={APPLICANT['phone'][-4:]}",
                 "/cong-khai"):
        status, _, _ = _http(live, "GET", path, None, auth)
        assert status == 200, path


@pytest.mark.parametrize("path", ["/cong-khai/thu-tuc/%00", "/tra-cuu/%00", "/tra-cuu/a%00b", "/api/v1/public/dossiers/%00",
                                  "/api/v1/procedures/%00", "/cong-khai/thu-tuc/%ED%A0%80%00"])
def test_nul_in_an_unauthenticated_path_is_not_found(client, path):  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/tra-cuu?ma=%00", "/cong-khai?q=a%00", "/cong-khai?field=%1b"])
def test_nul_in_a_public_query_is_a_bad_request(client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400 and "ký tự điều khiển" in response.text


@pytest.mark.parametrize("path", ["/static/app.js?x=%00", "/healthz?x=%00", "/static/app.css?v=%ED%A0%80"])
def test_nul_in_a_query_of_static_files_and_health_is_no_error(client, path):  # type: ignore[no-untyped-def]
    """They read no parameter: the query is ignored, as any other (it answered 500: no handler for the 400 there)."""
    assert client.get(path).status_code == 200


def test_nul_in_staff_paths_and_forms(client, services):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    assert client.get("/dossiers/%00").status_code == 404
    assert client.get("/dossiers/CB%00/bpmn.xml").status_code == 404
    before = _events(services)
    response = client.post("/intake", data={"csrf_token": csrf, "procedure": "1.001806\x00", "decision": "receive",
                                            "applicant_name": "An"})
    assert response.status_code == 400 and "procedure" in response.text
    assert _events(services) == before


# ---------------------------------------------------------------------- ids and pages

@pytest.mark.parametrize("path", [f"/tasks/{HUGE}/claim", "/tasks/2147483648/claim", "/tasks/%C2%B3/claim",
                                  "/tasks/-1/claim", "/tasks/0/claim"])
def test_a_task_id_out_of_range_on_a_form_is_not_found(client, path):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    assert client.post(path, data={"csrf_token": csrf}).status_code == 404


@pytest.mark.parametrize("path", [f"/forms/{HUGE}", "/forms/2147483648", "/forms/%C2%B9", f"/dossiers/{HUGE}",
                                  "/dossiers/%C2%B3", "/dossiers/-1", "/kiem-soat/ban-nhap/2147483648"])
def test_an_id_out_of_range_in_a_page_is_not_found(client, path):  # type: ignore[no-untyped-def]
    web_login(client, "analyst")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("query", ["page=" + str(10**30), "page=-1", "page=0", "page=%C2%B3", "page=abc"])
@pytest.mark.parametrize("page", ["/inbox", "/dossiers", "/notifications", "/cong-khai"])
def test_a_page_number_out_of_range_is_a_bad_request(client, page, query):  # type: ignore[no-untyped-def]
    web_login(client, "desk")
    response = client.get(f"{page}?{query}")
    assert response.status_code == 400 and "page" in response.text, response.text[:300]


@pytest.mark.parametrize("query", ["page=" + str(10**30), "page=2147483648", "per_page=101", "page=-5", "per_page=%C2%B2"])
def test_a_page_out_of_range_in_the_api_is_a_bad_request(client, token, query):  # type: ignore[no-untyped-def]
    for path in ("/api/v1/dossiers", "/api/v1/tasks", "/api/v1/procedures"):
        response = client.get(f"{path}?{query}", headers=token("desk"))
        assert response.status_code == 400 and response.json["error"]["code"] == "invalid_parameter", (path, response.json)


# ---------------------------------------------------------------------- one schema for the form and the API

def _intake_form(client: Any, csrf: str, **fields: str) -> Any:
    data = {"csrf_token": csrf, "procedure": "1.001806", "decision": "receive", "applicant_name": "Nguyễn Văn An",
            "channel": "direct", "other_name_1": "Đơn đề nghị", "other_orig_1": "1"} | fields
    return client.post("/intake", data=data)


@pytest.mark.parametrize("field,value,words", [
    ("applicant_name", "A" * 201, "'applicant.name' dài quá 200"),
    ("applicant_phone", "0" * 41, "'applicant.phone' dài quá 40"),
    ("other_orig_1", "1000", "lớn hơn 99"),
    ("note", "x" * 501, "'note' dài quá 500"),
    ("applicant_name", "Trần\tVăn", "U+0009"),
])
def test_the_intake_form_takes_nothing_the_api_would_refuse(client, services, field, value, words):  # type: ignore[no-untyped-def]
    """The staff form used to store a 2 MB applicant name: it now builds its command through the API's schema."""
    csrf = web_login(client, "desk")
    before = _events(services)
    response = _intake_form(client, csrf, **{field: value})
    assert response.status_code == 400 and words in unescape(response.text), re.findall(r"flash.*", response.text)
    assert _events(services) == before


def test_the_forms_on_a_dossier_take_the_api_limits_too(client, token, services):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    created = client.post("/api/v1/dossiers", json=BODY, headers=token("desk")).json
    task = created["tasks"][0]["id"]
    before = _events(services)
    long_note = client.post(f"/tasks/{task}/complete", data={"csrf_token": csrf, "dossier": created["code"],
                                                              "note": "x" * 501}, follow_redirects=True)
    assert "'note' dài quá 500" in unescape(long_note.text)
    assert _events(services) == before


# ---------------------------------------------------------------------- idempotency keys

def test_the_same_key_and_body_replays_the_first_answer(client, token, services, clock):  # type: ignore[no-untyped-def]
    headers = {**token("desk"), "Idempotency-Key": "c0ffee-1"}
    first = client.post("/api/v1/dossiers", json=BODY, headers=headers)
    again = client.post("/api/v1/dossiers", json=BODY, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert _dossiers(services) == 1
    other = client.post("/api/v1/dossiers", json={**BODY, "note": "khác"}, headers=headers)
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency_conflict"
    assert _dossiers(services) == 1
    # keys are the user's own: another officer's same key is another request
    assert client.post("/api/v1/dossiers", json=BODY, headers={**token("desk_noivu"), "Idempotency-Key": "c0ffee-1"}).status_code == 201
    # a refusal is an answer too, replayed as it was
    bad = {**BODY, "variant": "khong-co"}
    refused = [client.post("/api/v1/intake/refusals", json={**bad, "reasons": ["x"]},
                           headers={**token("desk"), "Idempotency-Key": "r-1"}) for _ in range(2)]
    assert [r.status_code for r in refused] == [422, 422] and refused[0].json == refused[1].json
    # after 24 hours the key is free again
    clock.advance(hours=25)
    later = client.post("/api/v1/dossiers", json=BODY, headers=headers)
    assert later.status_code == 201 and later.json["code"] != first.json["code"]
    assert _dossiers(services) == 3


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 201])
def test_a_malformed_key_is_a_bad_request(client, token, services, key):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/dossiers", json=BODY, headers={**token("desk"), "Idempotency-Key": key.encode().decode("latin-1")})
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_parameter"
    assert _dossiers(services) == 0


def test_concurrent_requests_with_one_key_create_one_dossier(live, token, services):  # type: ignore[no-untyped-def]
    headers = {**token("desk"), "Idempotency-Key": "dup-1"}
    body = json.dumps(BODY).encode()
    start = threading.Barrier(8, timeout=30)
    answers: list[tuple[int, Any]] = []

    def send() -> None:
        start.wait()
        status, payload, _ = _http(live, "POST", "/api/v1/dossiers", body, headers)
        answers.append((status, payload))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 8 and {s for s, _ in answers} <= {201, 409}, answers
    created = [p for s, p in answers if s == 201]
    assert created and all(p == created[0] for p in created)
    assert _dossiers(services) == 1
    status, replay, _ = _http(live, "POST", "/api/v1/dossiers", body, headers)
    assert status == 201 and replay == created[0]


def test_a_double_submit_of_the_intake_form_receives_one_dossier(client, services):  # type: ignore[no-untyped-def]
    web_login(client, "desk")
    page = client.get("/intake?procedure=1.001806").text
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    csrf = csrf_of(page)
    first = _intake_form(client, csrf, once=once)
    second = _intake_form(client, csrf, once=once)
    assert first.status_code == second.status_code == 302 and second.location == first.location
    assert _dossiers(services) == 1
    assert "không tạo hồ sơ thứ hai" in client.get("/inbox").text  # the flash of the second submit
    fresh = re.search(r'name="once" value="([^"]+)"', client.get("/intake?procedure=1.001806").text).group(1)
    assert fresh != once and _intake_form(client, csrf, once=fresh).status_code == 302
    assert _dossiers(services) == 2
    # a form refused (nothing saved) may be corrected and sent again with its token
    retry = client.get("/intake?procedure=1.001806").text
    token3 = re.search(r'name="once" value="([^"]+)"', retry).group(1)
    assert _intake_form(client, csrf, once=token3, applicant_name="A" * 201).status_code == 400
    assert _intake_form(client, csrf, once=token3).status_code == 302
    assert _dossiers(services) == 3
    # an edited token of the column's full length (with the prefix it was 211 characters: 500 on PostgreSQL)
    assert _intake_form(client, csrf, once="k" * 200).status_code == 302 and _dossiers(services) == 4


# ---------------------------------------------------------------------- permission first, over the API

def test_another_agencys_task_is_not_found_whatever_its_state(client, token):  # type: ignore[no-untyped-def]
    created = client.post("/api/v1/dossiers", json=BODY, headers=token("desk")).json
    task = created["tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=token("desk")).status_code == 200
    for attempt in (lambda: client.post(f"/api/v1/tasks/{task}/claim", headers=token("desk_noivu")),
                    lambda: client.post(f"/api/v1/tasks/{task}/complete", json={"expected_version": 1},
                                        headers=token("desk_noivu"))):
        response = attempt()
        assert response.status_code == 404, response.json
        text = json.dumps(response.json, ensure_ascii=False)
        assert created["code"] not in text and "desk" not in text.replace("desk_noivu", "")
    missing = client.post(f"/api/v1/tasks/{task + 1000}/claim", headers=token("desk_noivu")).json
    assert missing["error"]["message"] == f"Không có việc #{task + 1000}."
    by_id = client.post(f"/api/v1/dossiers/{created['id']}/return", json={}, headers=token("desk_noivu"))
    assert by_id.status_code == 404 and created["code"] not in by_id.text  # the id is not turned into its code
    for path in (f"/api/v1/dossiers/{created['id']}", f"/api/v1/dossiers/{created['id']}/events"):
        hidden = client.get(path, headers=token("desk_noivu"))
        assert hidden.status_code == 404 and created["code"] not in hidden.text


# ---------------------------------------------------------------------- the document

def test_every_operation_declares_its_errors_in_one_place() -> None:
    doc = document()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            declared = set(op["responses"])
            assert {"400", "413", "429"} <= declared, (method, path, declared)
            if op["security"]:
                assert {"401", "403"} <= declared, (method, path)
            if "{" in path:
                assert "404" in declared, (method, path)
    creating = doc["paths"]["/dossiers"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in creating["parameters"])
    assert {"409", "422"} <= set(creating["responses"])





@pytest.mark.parametrize("who,path,field", [
    ("admin", "/quan-tri/tai-khoan", "name"), ("admin", "/quan-tri/tai-khoan", "user_id"),
    ("analyst", "/kiem-soat/ban-nhap", "yaml"), ("desk", "/doi-mat-khau", "new_password"),
])
@pytest.mark.parametrize("bad", ["a\x00b", "a\x1bb", "a\x7fb"])  # (a form cannot carry a surrogate: werkzeug decodes bad UTF-8 as U+FFFD)
def test_every_web_form_refuses_bad_text_before_its_view(client, services, who, path, field, bad):  # type: ignore[no-untyped-def]
    """Staff, analyst, administrator and account forms: one check of the posted form (api.params), 400, nothing saved."""
    csrf = web_login(client, who)
    before = _events(services)
    with services.sessions() as session:
        users = session.execute(select(func.count()).select_from(User)).scalar_one()
    response = client.post(path, data={"csrf_token": csrf, "user_id": "moi", "name": "Người mới", field: bad})
    assert response.status_code == 400 and field in unescape(response.text), response.text[:500]
    assert _events(services) == before
    with services.sessions() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == users
