"""REST API: every endpoint and every error code, on SQLite and PostgreSQL (the ``services`` fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.storage.models import AuditEvent, Dossier, IssuedForm
from tests.helpers import TZ, audit_count, local

from .conftest import PASSWORD

APPLICANT = {"name": "Nguyễn Văn An", "id_number": "004095001234", "phone": "0912345678"}
DOCS = [{"id": "don", "name": "Văn bản đề nghị công nhận", "originals": 1, "copies": 0}]
CHECKS = {"intake": ["complete", "scanned_signed"], "appraise": ["conditions_checked"]}
ROLE_USER = {"one_stop": "desk", "division_head": "head", "specialist": "spec", "director": "dir", "clerk": "clerk"}


def receive(client, token, **extra):  # type: ignore[no-untyped-def]
    body = {"procedure_code": "1.001806", "applicant": APPLICANT, "channel": "direct", "documents": DOCS} | extra
    response = client.post("/api/v1/dossiers", json=body, headers=token("desk"))
    assert response.status_code == 201, response.json
    return response.json


def open_task(dossier):  # type: ignore[no-untyped-def]
    return next(t for t in dossier["tasks"] if t["state"] == "open")


def finish(client, token, dossier, outcome=None, user=None, **body):  # type: ignore[no-untyped-def]
    task = open_task(dossier)
    user = user or ROLE_USER[task["role"]]
    payload = {"checkpoints": CHECKS.get(task["step_id"], [])} | ({"outcome": outcome} if outcome else {}) | body
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json=payload, headers=token(user))
    assert response.status_code == 200, response.json
    return response.json


def error(response, status, code):  # type: ignore[no-untyped-def]
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.json["error"]
    assert body["code"] == code
    assert body["message"] and body["message_en"]
    return body


# ---------------------------------------------------------------------- auth

def test_token_from_credentials_and_me(client):  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/auth/token", json={"username": "spec", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer" and len(body["access_token"]) > 30
    assert body["user"] == {"id": "spec", "name": "Trần Văn Bình", "role": "specialist", "role_label": "Chuyên viên",
                            "agency_id": "cb-so-y-te", "division": "btxh-tre-em",
                            "division_name": "Phòng Bảo trợ xã hội và Trẻ em", "email": None}
    assert datetime.fromisoformat(body["expires_at"]).utcoffset() == timedelta(hours=7)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json["id"] == "spec"


def test_token_errors(client):  # type: ignore[no-untyped-def]
    error(client.post("/api/v1/auth/token", json={"username": "spec", "password": "sai"}), 401, "invalid_credentials")
    error(client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"}), 401, "invalid_credentials")
    body = error(client.post("/api/v1/auth/token", json={"username": "spec"}), 422, "validation_error")
    assert "password" in body["message"]
    error(client.post("/api/v1/auth/token", data="not json", content_type="application/json"), 400, "bad_request")
    error(client.post("/api/v1/auth/token", json=["spec"]), 400, "bad_request")


def test_unauthorized_without_or_with_bad_or_expired_token(client, token, clock):  # type: ignore[no-untyped-def]
    response = error(client.get("/api/v1/me"), 401, "unauthorized")
    assert response["message_en"].startswith("Authentication required")
    assert client.get("/api/v1/me").headers["WWW-Authenticate"].startswith("Bearer")
    error(client.get("/api/v1/tasks", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")
    issued = client.post("/api/v1/auth/token", json={"username": "spec", "password": PASSWORD}).json
    headers = {"Authorization": f"Bearer {issued['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(hours=13)
    error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")


# ---------------------------------------------------------------------- procedures

def test_procedures_list_search_pagination(client):  # type: ignore[no-untyped-def]
    page = client.get("/api/v1/procedures?per_page=5").json
    assert page["per_page"] == 5 and page["total"] >= 20 and len(page["items"]) == 5 and page["pages"] >= 4
    second = client.get("/api/v1/procedures?per_page=5&page=2").json
    assert {p["code"] for p in page["items"]}.isdisjoint(p["code"] for p in second["items"])
    found = client.get("/api/v1/procedures?q=nguoi khuyet tat").json
    assert "1.001806" in [p["code"] for p in found["items"]]
    with_marks = client.get("/api/v1/procedures?q=người khuyết tật").json
    assert [p["code"] for p in with_marks["items"]] == [p["code"] for p in found["items"]]
    field = client.get("/api/v1/procedures?field=tre-em").json
    assert field["items"] and all(p["field"] == "tre-em" for p in field["items"])
    error(client.get("/api/v1/procedures?per_page=1000"), 400, "invalid_parameter")
    error(client.get("/api/v1/procedures?page=abc"), 400, "invalid_parameter")


def test_procedure_get_and_not_found(client):  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/procedures/1.001806").json
    assert body["agency_id"] == "cb-so-y-te" and body["deadline"] == {"working_days": 10}
    assert [s["id"] for s in body["steps"]][:3] == ["intake", "assign", "appraise"]
    assert "documents" in body["unconfirmed"]
    error(client.get("/api/v1/procedures/9.999999"), 404, "not_found")


# ---------------------------------------------------------------------- intake

def test_receive_dossier(client, token, services):  # type: ignore[no-untyped-def]
    body = receive(client, token)
    assert body["status"] == "received" and body["code"].startswith("CB.SYT-260302-")
    expected = services.calendar.add(local(2026, 3, 2, 8, 0), 10, "working_days")
    assert datetime.fromisoformat(body["due_at"]) == expected
    assert body["due_at"].endswith("+07:00")
    assert [f["form"] for f in body["forms"]] == ["receipt"] and body["forms"][0]["form_number"] == "Mẫu 01"
    assert open_task(body)["step_id"] == "intake"
    assert body["applicant"]["name"] == "Nguyễn Văn An"


def test_receive_errors(client, token, services):  # type: ignore[no-untyped-def]
    before = audit_count(services)
    body = {"procedure_code": "1.001806", "applicant": APPLICANT}
    forbidden = error(client.post("/api/v1/dossiers", json=body, headers=token("spec")), 403, "forbidden")
    assert "Chuyên viên" in forbidden["message"] or "specialist" in forbidden["message"]
    error(client.post("/api/v1/dossiers", json=body | {"procedure_code": "9.999999"}, headers=token("desk")), 404, "not_found")
    services.settings.allow_unconfirmed = False  # 9.900012's deadline is unconfirmed ("đang cập nhật")
    try:
        unconfirmed = error(client.post("/api/v1/dossiers", json=body | {"procedure_code": "9.900012"},
                                        headers=token("desk")), 422, "invalid_command")
    finally:
        services.settings.allow_unconfirmed = True
    assert "chưa được xác nhận" in unconfirmed["message"]
    invalid = error(client.post("/api/v1/dossiers", json=body | {"channel": "fax"}, headers=token("desk")), 422, "validation_error")
    assert invalid["details"]["errors"][0]["path"] == "/channel"
    error(client.post("/api/v1/dossiers", json={"procedure_code": "1.001806", "applicant": {"name": ""}},
                      headers=token("desk")), 422, "validation_error")
    error(client.post("/api/v1/dossiers", json=body), 401, "unauthorized")
    assert audit_count(services) == before


def test_refuse_at_intake(client, token):  # type: ignore[no-untyped-def]
    body = {"procedure_code": "1.001806", "applicant": APPLICANT, "reasons": ["Không thuộc thẩm quyền"]}
    response = client.post("/api/v1/intake/refusals", json=body, headers=token("desk"))
    assert response.status_code == 201
    assert response.json["status"] == "not_received" and response.json["forms"][0]["form"] == "refusal"
    error(client.post("/api/v1/intake/refusals", json=body | {"reasons": []}, headers=token("desk")), 422, "validation_error")
    error(client.post("/api/v1/intake/refusals", json=body, headers=token("head")), 403, "forbidden")


def test_supplement_at_intake_then_received(client, token, clock, services):  # type: ignore[no-untyped-def]
    body = {"procedure_code": "1.001806", "applicant": APPLICANT, "items": ["Danh sách lao động"], "reason": "Thiếu"}
    response = client.post("/api/v1/intake/supplement-requests", json=body, headers=token("desk"))
    assert response.status_code == 201
    d = response.json
    assert d["status"] == "awaiting_supplement" and d["received_at"] is None and d["due_at"] is None
    assert [f["form"] for f in d["forms"]] == ["supplement_request"]
    clock.advance(days=2)
    done = client.post(f"/api/v1/dossiers/{d['code']}/supplement", json={"documents": [{"id": "ds", "name": "Danh sách"}]},
                       headers=token("desk"))
    assert done.status_code == 200
    # the engine's lifecycle moves awaiting_supplement -> processing (see docs/web.md, "engine notes")
    assert done.json["status"] in ("received", "processing") and done.json["received_at"] == clock.now().isoformat()
    assert open_task(done.json)["step_id"] == "intake"
    assert datetime.fromisoformat(done.json["due_at"]) == services.calendar.add(clock.now(), 10, "working_days")
    assert "receipt" in [f["form"] for f in done.json["forms"]]


# ---------------------------------------------------------------------- dossiers

def test_get_dossier_by_id_or_code_and_access(client, token):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    by_code = client.get(f"/api/v1/dossiers/{d['code']}", headers=token("spec"))
    by_id = client.get(f"/api/v1/dossiers/{d['id']}", headers=token("iso"))
    assert by_code.status_code == by_id.status_code == 200 and by_code.json["id"] == by_id.json["id"]
    assert client.get(f"/api/v1/dossiers/{d['code']}", headers=token("analyst")).status_code == 200
    # another agency's dossier is not found, in the words of one that does not exist (issue 12)
    denied = error(client.get(f"/api/v1/dossiers/{d['id']}", headers=token("outsider")), 404, "not_found")
    assert d["code"] not in denied["message"]
    hidden = error(client.get(f"/api/v1/dossiers/{d['code']}", headers=token("outsider")), 404, "not_found")
    absent = error(client.get("/api/v1/dossiers/KHONG-CO", headers=token("spec")), 404, "not_found")
    assert hidden["message"].replace(d["code"], "KHONG-CO") == absent["message"]


def test_list_dossiers_filters_and_pagination(client, token, clock):  # type: ignore[no-untyped-def]
    codes = [receive(client, token)["code"] for _ in range(3)]
    client.post("/api/v1/intake/refusals", json={"procedure_code": "1.001806", "applicant": APPLICANT, "reasons": ["x"]},
                headers=token("desk"))
    page = client.get("/api/v1/dossiers?per_page=2", headers=token("head")).json
    assert page["total"] == 4 and page["pages"] == 2 and len(page["items"]) == 2
    assert page["total_exact"] is True and page["prev"] is None and page["next"]
    # Keyset paging: the next page from the cursor, then back.
    second = client.get(f"/api/v1/dossiers?per_page=2&after={page['next']}", headers=token("head")).json
    assert len(second["items"]) == 2 and second["next"] is None and second["prev"]
    assert not {i["code"] for i in second["items"]} & {i["code"] for i in page["items"]}
    back = client.get(f"/api/v1/dossiers?per_page=2&before={second['prev']}", headers=token("head")).json
    assert [i["code"] for i in back["items"]] == [i["code"] for i in page["items"]]
    error(client.get("/api/v1/dossiers?after=xyz", headers=token("head")), 422, "invalid_command")
    received = client.get("/api/v1/dossiers?status=received", headers=token("head")).json
    assert sorted(i["code"] for i in received["items"]) == sorted(codes)
    assert client.get(f"/api/v1/dossiers?q={codes[0][-4:]}", headers=token("head")).json["total"] == 1
    assert client.get("/api/v1/dossiers?procedure=1.004946", headers=token("head")).json["total"] == 0
    assert client.get("/api/v1/dossiers", headers=token("outsider")).json["total"] == 0
    assert client.get("/api/v1/dossiers?overdue=true", headers=token("head")).json["total"] == 0
    clock.advance(days=30)
    assert client.get("/api/v1/dossiers?overdue=true", headers=token("head")).json["total"] == 3
    error(client.get("/api/v1/dossiers?status=bogus", headers=token("head")), 400, "invalid_parameter")


def test_dossier_events_timeline(client, token):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    events = client.get(f"/api/v1/dossiers/{d['code']}/events?per_page=1", headers=token("iso")).json
    assert events["total"] >= 2 and len(events["items"]) == 1
    first = events["items"][0]
    assert first["action"] == "dossier.received" and first["actor"] == "desk" and first["actor_name"] == "Nguyễn Thị Mai"
    error(client.get(f"/api/v1/dossiers/{d['code']}/events", headers=token("outsider")), 404, "not_found")


# ---------------------------------------------------------------------- tasks

def test_inbox_scopes_sorting_and_filters(client, token, clock):  # type: ignore[no-untyped-def]
    a = receive(client, token)
    clock.advance(hours=1)
    b = receive(client, token)
    inbox = client.get("/api/v1/tasks", headers=token("desk")).json
    assert [i["code"] for i in inbox["items"]] == [a["code"], b["code"]]  # most urgent first
    assert inbox["items"][0]["time_left"]["text"].startswith("Còn")
    task = open_task(b)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=token("desk")).json["claimed_by"] == "desk"
    mine = client.get("/api/v1/tasks?scope=mine", headers=token("desk")).json
    unit = client.get("/api/v1/tasks?scope=unit", headers=token("desk")).json
    assert [i["code"] for i in mine["items"]] == [b["code"]] and [i["code"] for i in unit["items"]] == [a["code"]]
    assert client.get("/api/v1/tasks", headers=token("spec")).json["total"] == 0
    assert client.get("/api/v1/tasks", headers=token("desk_noivu")).json["total"] == 0
    assert client.get("/api/v1/tasks?procedure=1.004946", headers=token("desk")).json["total"] == 0
    assert client.get("/api/v1/tasks?status=received&per_page=1", headers=token("desk")).json["pages"] == 2
    error(client.get("/api/v1/tasks?scope=everyone", headers=token("desk")), 422, "invalid_command")


def test_claim_errors(client, token):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    task = open_task(d)
    error(client.post(f"/api/v1/tasks/{task['id']}/claim", headers=token("spec")), 403, "forbidden")
    error(client.post(f"/api/v1/tasks/{task['id']}/claim", headers=token("desk_noivu")), 404, "not_found")
    error(client.post("/api/v1/tasks/999999/claim", headers=token("desk")), 404, "not_found")
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=token("desk")).status_code == 200
    d2 = finish(client, token, d)
    head_task = open_task(d2)
    assert client.post(f"/api/v1/tasks/{head_task['id']}/claim", headers=token("head")).status_code == 200
    taken = error(client.post(f"/api/v1/tasks/{head_task['id']}/claim", headers=token("head2")), 409, "conflict")
    assert "head" in taken["message"]


def test_division_steps_forbidden_to_other_divisions(client, token, services):  # type: ignore[no-untyped-def]
    """1.013937 (Sở Nội vụ): its division head steps belong to Văn phòng Sở, not to Phòng XDCQ và CCHC."""
    body = {"procedure_code": "1.013937", "applicant": APPLICANT, "channel": "direct"}
    d = client.post("/api/v1/dossiers", json=body, headers=token("desk_noivu")).json
    intake = open_task(d)
    done = client.post(f"/api/v1/tasks/{intake['id']}/complete", json={"checkpoints": ["complete", "scanned"]},
                       headers=token("desk_noivu")).json
    assign = open_task(done)
    assert (assign["step_id"], assign["division"]) == ("assign", "van-phong")
    before = audit_count(services)
    refused = error(client.post(f"/api/v1/tasks/{assign['id']}/claim", headers=token("head_xd")), 403, "forbidden")
    assert "thuộc Văn phòng Sở" in refused["message"] and refused["details"] == {"division": "van-phong"}
    error(client.post(f"/api/v1/tasks/{assign['id']}/claim", headers=token("head")), 404, "not_found")  # other agency: not found (issue 12)
    for uid in ("head_xd", "head"):
        assert client.get("/api/v1/tasks", headers=token(uid)).json["total"] == 0
    other = error(client.post(f"/api/v1/tasks/{assign['id']}/complete", json={}, headers=token("head_xd")), 403, "forbidden")
    assert "Phân công chuyên viên thụ lý hồ sơ" in other["message"] and "Văn phòng Sở" in other["message"]
    assert other["details"] == {"division": "van-phong"}
    assert audit_count(services) == before
    assert client.get(f"/api/v1/dossiers/{d['code']}", headers=token("head_xd")).json["tasks"][1]["claimed_by"] is None
    inbox = client.get("/api/v1/tasks", headers=token("head_vp")).json
    assert [(i["step_id"], i["division"], i["division_name"]) for i in inbox["items"]] == [("assign", "van-phong", "Văn phòng Sở")]
    claimed = client.post(f"/api/v1/tasks/{assign['id']}/claim", headers=token("head_vp")).json
    assert (claimed["claimed_by"], claimed["division"]) == ("head_vp", "van-phong")


def test_division_head_in_no_division_cannot_take_a_division_step(client, token):  # type: ignore[no-untyped-def]
    d = finish(client, token, receive(client, token))
    assign = open_task(d)
    assert assign["division"] == "btxh-tre-em"
    refused = error(client.post(f"/api/v1/tasks/{assign['id']}/claim", headers=token("head_nodiv")), 403, "forbidden")
    assert "Phòng Bảo trợ xã hội và Trẻ em" in refused["message"]
    assert client.get("/api/v1/tasks", headers=token("head_nodiv")).json["total"] == 0
    item = client.get("/api/v1/tasks", headers=token("head")).json["items"][0]
    assert (item["code"], item["division_name"]) == (d["code"], "Phòng Bảo trợ xã hội và Trẻ em")
    tasks = client.get(f"/api/v1/dossiers/{d['code']}", headers=token("head")).json["tasks"]
    assert [(t["step_id"], t["division_name"]) for t in tasks] == [("intake", None), ("assign", "Phòng Bảo trợ xã hội và Trẻ em")]
    me = client.get("/api/v1/me", headers=token("head_nodiv")).json
    assert (me["division"], me["division_name"]) == (None, None)


def test_complete_errors(client, token, services):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    task = open_task(d)
    url = f"/api/v1/tasks/{task['id']}/complete"
    before = audit_count(services)
    missing = error(client.post(url, json={}, headers=token("desk")), 422, "invalid_command")
    assert "Hồ sơ đầy đủ" in missing["message"] and missing["details"]["missing"] == ["complete", "scanned_signed"]
    error(client.post(url, json={"outcome": "nope", "checkpoints": CHECKS["intake"]}, headers=token("desk")), 422, "invalid_command")
    error(client.post(url, json={"checkpoints": CHECKS["intake"]}, headers=token("spec")), 403, "forbidden")
    stale = error(client.post(url, json={"checkpoints": CHECKS["intake"], "expected_version": d["version"] + 5},
                              headers=token("desk")), 409, "conflict")
    assert "tải lại" in stale["message"]
    error(client.post(url, json={"checkpoints": CHECKS["intake"]}, headers={**token("desk"), "If-Match": '"99"'}),
          409, "conflict")
    error(client.post(url, json={"checkpoints": "x"}, headers=token("desk")), 422, "validation_error")
    assert audit_count(services) == before
    ok = client.post(url, json={"checkpoints": CHECKS["intake"], "expected_version": d["version"]}, headers=token("desk"))
    assert ok.status_code == 200 and ok.json["status"] == "processing"
    again = error(client.post(url, json={"checkpoints": CHECKS["intake"]}, headers=token("desk")), 409, "conflict")
    assert "Nguyễn Thị Mai" in again["message"] or "desk" in again["message"]


def test_two_users_complete_the_same_step_one_gets_409(client, token):  # type: ignore[no-untyped-def]
    d = finish(client, token, receive(client, token))
    task = open_task(d)
    assert task["step_id"] == "assign"
    body = {"expected_version": d["version"]}
    first = client.post(f"/api/v1/tasks/{task['id']}/complete", json=body, headers=token("head"))
    second = client.post(f"/api/v1/tasks/{task['id']}/complete", json=body, headers=token("head2"))
    assert first.status_code == 200
    error(second, 409, "conflict")


# ---------------------------------------------------------------------- the whole route, and the dossier-level actions

def test_full_route_with_supplement_and_return(client, token, clock, services):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    d = finish(client, token, d)  # intake
    d = finish(client, token, d)  # assign
    clock.advance(days=1)
    d = finish(client, token, d, "request_supplement", supplement_items=["Giấy xác nhận khuyết tật"])
    assert d["status"] == "awaiting_supplement"
    forms = client.get(f"/api/v1/dossiers/{d['code']}", headers=token("spec")).json["forms"]
    assert "supplement_request" in [f["form"] for f in forms]
    error(client.post(f"/api/v1/tasks/{open_task_any(d)['id']}/complete", json={"checkpoints": CHECKS["appraise"]},
                      headers=token("spec")), 422, "invalid_command")
    clock.advance(days=3)
    d = client.post(f"/api/v1/dossiers/{d['code']}/supplement", json={}, headers=token("desk")).json
    assert d["status"] == "processing"
    assert datetime.fromisoformat(d["due_at"]) == services.calendar.add(clock.now(), 10, "working_days")
    for outcome in ("propose_approval", "agree", "sign", None):
        d = finish(client, token, d, outcome)
    assert d["status"] == "resolved" and open_task(d)["kind"] == "return"
    d = client.post(f"/api/v1/dossiers/{d['code']}/return", json={"note": "Trả trực tiếp"}, headers=token("desk")).json
    assert d["status"] == "returned" and d["timeliness"] in ("early", "on_time")
    public = client.get(f"/api/v1/public/dossiers/{d['code']}?digits=5678").json
    assert public["status"] == "returned" and public["status_label"] == "Đã trả kết quả"


def open_task_any(dossier):  # type: ignore[no-untyped-def]
    return next(t for t in dossier["tasks"] if t["state"] in ("open", "waiting"))


def test_request_supplement_refuse_withdraw(client, token):  # type: ignore[no-untyped-def]
    d = finish(client, token, receive(client, token))
    url = f"/api/v1/dossiers/{d['code']}"
    error(client.post(url + "/supplement-request", json={"items": ["x"]}, headers=token("clerk")), 403, "forbidden")
    r = client.post(url + "/supplement-request", json={"items": ["Bản sao hợp đồng"], "reason": "Thiếu"}, headers=token("spec"))
    assert r.status_code == 200 and r.json["status"] == "awaiting_supplement"
    error(client.post(url + "/supplement-request", json={"items": ["y"]}, headers=token("spec")), 409, "illegal_transition")
    error(client.post(url + "/refusal", json={"reasons": ["x"]}, headers=token("desk")), 403, "forbidden")
    error(client.post(url + "/refusal", json={"reasons": ["x"]}, headers=token("head")), 403, "forbidden")
    refused = client.post(url + "/refusal", json={"reasons": ["Không đủ điều kiện"]}, headers=token("dir"))
    assert refused.status_code == 200 and refused.json["status"] == "resolved" and refused.json["result"] == "refused"
    other = receive(client, token)
    w = client.post(f"/api/v1/dossiers/{other['id']}/withdrawal", json={"reason": "Công dân xin rút"}, headers=token("desk"))
    assert w.status_code == 200 and w.json["status"] == "stopped" and "stop_notice" in [f["form"] for f in w.json["forms"]]
    error(client.post(f"/api/v1/dossiers/{other['code']}/withdrawal", json={"reason": "lại"}, headers=token("desk")),
          409, "illegal_transition")
    error(client.post(f"/api/v1/dossiers/{other['code']}/withdrawal", json={"reason": "x"}, headers=token("outsider")),
          403, "forbidden")
    error(client.post("/api/v1/dossiers/KHONG-CO/withdrawal", json={"reason": "x"}, headers=token("desk")), 404, "not_found")


def test_extend_with_apology(client, token, services):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    new_due = (datetime.fromisoformat(d["due_at"]) + timedelta(days=3)).isoformat()
    url = f"/api/v1/dossiers/{d['code']}/extension"
    error(client.post(url, json={"new_due_at": "ngày mai", "reason": "x"}, headers=token("spec")), 422, "invalid_command")
    error(client.post(url, json={"new_due_at": "2026-03-20T10:00:00", "reason": "x"}, headers=token("spec")), 422, "invalid_command")
    r = client.post(url, json={"new_due_at": new_due, "reason": "Cần xác minh thêm"}, headers=token("spec"))
    assert r.status_code == 200 and r.json["extended_at"] and r.json["due_at"] == new_due
    assert "apology" in [f["form"] for f in r.json["forms"]]
    once = error(client.post(url, json={"new_due_at": new_due, "reason": "lần hai"}, headers=token("spec")), 422, "invalid_command")
    assert "một lần" in once["message"]
    error(client.post(url, json={"new_due_at": new_due, "reason": "x"}, headers=token("clerk")), 403, "forbidden")


def test_return_before_result_is_illegal(client, token):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    body = error(client.post(f"/api/v1/dossiers/{d['code']}/return", json={}, headers=token("desk")), 409, "illegal_transition")
    assert "Đã tiếp nhận" in body["message"]


# ---------------------------------------------------------------------- public, routing, OpenAPI

def test_public_status_masks_personal_data(client, token):  # type: ignore[no-untyped-def]
    d = receive(client, token)
    body = client.get(f"/api/v1/public/dossiers/{d['code']}?digits=5678").json  # the phone's last 4 digits
    assert body["applicant_name"] == "N***** V** A*" and body["applicant_id_number"] == "*********234"
    text = str(body)
    assert "Nguyễn" not in text and "0912345678" not in text and "004095001234" not in text
    assert body["status_label"] == "Đã tiếp nhận" and body["due_at"] == d["due_at"]
    missing = error(client.get("/api/v1/public/dossiers/KHONG-CO?digits=5678"), 404, "not_found")
    for wrong in ("", "?digits=1234", "?digits=567", "?digits=1234%205678"):  # the code alone, or wrong digits
        assert error(client.get(f"/api/v1/public/dossiers/{d['code']}{wrong}"), 404, "not_found")["message"] == missing["message"]


def test_unknown_path_and_method_are_json(client):  # type: ignore[no-untyped-def]
    error(client.get("/api/v1/khong-co"), 404, "not_found")
    error(client.delete("/api/v1/procedures"), 405, "method_not_allowed")


def test_openapi_document_validates_and_matches_the_routes(client, app):  # type: ignore[no-untyped-def]
    from openapi_spec_validator import validate

    from api.rest import schemas
    from api.rest.openapi import OPERATIONS, _flask_rule

    doc = client.get("/api/v1/openapi.json").json
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    rules = {(r.rule, m) for r in app.url_map.iter_rules() for m in r.methods or ()}
    for op in OPERATIONS:
        flask_path = "/api/v1" + _flask_rule(op.path)  # {task_id} -> <int:task_id>, {ref} -> <ref>, ...
        assert (flask_path, op.method.upper()) in rules, op.path
        entry = doc["paths"][op.path][op.method]
        if op.body:
            assert entry["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/" + op.body)
            assert doc["components"]["schemas"][op.body] == schemas.REQUESTS[op.body]
    used = {op.body for op in OPERATIONS if op.body}
    assert used == set(schemas.REQUESTS)
    paths = set(doc["paths"])
    for expected in ("/auth/token", "/procedures", "/procedures/{code}", "/dossiers", "/dossiers/{ref}", "/tasks",
                     "/tasks/{task_id}/claim", "/tasks/{task_id}/complete", "/dossiers/{ref}/supplement-request",
                     "/dossiers/{ref}/supplement", "/dossiers/{ref}/refusal", "/dossiers/{ref}/withdrawal",
                     "/dossiers/{ref}/extension", "/dossiers/{ref}/return", "/public/dossiers/{code}"):
        assert expected in paths
    assert "409" in doc["paths"]["/tasks/{task_id}/complete"]["post"]["responses"]


@pytest.mark.parametrize("name", ["ReceiveDossier", "CompleteTask", "Extension"])
def test_request_schemas_are_valid_json_schema(name):  # type: ignore[no-untyped-def]
    from jsonschema import Draft202012Validator

    from api.rest.schemas import REQUESTS

    Draft202012Validator.check_schema(REQUESTS[name])


def test_every_action_is_attributed_in_the_audit(client, token, services):  # type: ignore[no-untyped-def]
    d = finish(client, token, receive(client, token))
    with services.sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == d["code"])).scalar_one()
        actors = set(session.execute(select(AuditEvent.actor).where(AuditEvent.dossier_id == dossier.id)).scalars())
        forms = session.execute(select(func.count()).select_from(IssuedForm).where(IssuedForm.dossier_id == dossier.id)).scalar_one()
    assert actors == {"desk"} and forms == 1
    assert datetime.fromisoformat(d["received_at"]).tzinfo is not None
    assert TZ.key == "Asia/Ho_Chi_Minh"


def test_procedure_with_several_cases_needs_a_variant(client, token):  # type: ignore[no-untyped-def]
    procedure = client.get("/api/v1/procedures/1.013814").json
    variants = [v["id"] for v in procedure["variants"]]
    assert len(variants) >= 2
    body = {"procedure_code": "1.013814", "applicant": APPLICANT}
    missing = error(client.post("/api/v1/dossiers", json=body, headers=token("desk")), 422, "invalid_command")
    assert missing["details"]["variants"] == variants
    error(client.post("/api/v1/dossiers", json=body | {"variant": "khong-co"}, headers=token("desk")), 422, "invalid_command")
    ok = client.post("/api/v1/dossiers", json=body | {"variant": variants[0]}, headers=token("desk"))
    assert ok.status_code == 201 and ok.json["variant"] == variants[0]
    assert open_task(ok.json)["step_id"].endswith("intake")
