"""The quality officer's REST operations (both databases): what the workbench shows, as JSON."""

from __future__ import annotations

import json
from xml.etree import ElementTree

from openapi_spec_validator import validate

from engine import dispatch_pending
from engine.simulate import Driver
from tests.helpers import APPLICANT, only_task


def test_quality_api(client, token, services, commands, staff):
    driver = Driver(commands, staff)
    driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    bad = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="approve")
    commands.act_as(staff["admin"], bad.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.complete(staff["admin"], only_task(services, bad.id, "approve").id, "sign")
    bad = driver.run(bad)
    dispatch_pending(services)
    iso = token("iso")
    assert client.get("/api/v1/quality/conformance", headers=token("desk")).status_code == 403
    assert client.get("/api/v1/quality/conformance").status_code == 401
    overview = client.get("/api/v1/quality/conformance", headers=iso).get_json()["items"]
    assert overview[0]["key"] == "1.001806" and overview[0]["rate"] == 50.0
    assert client.get("/api/v1/quality/conformance?from=2026-13-01", headers=iso).get_json()["error"]["code"] == "invalid_command"
    devs = client.get("/api/v1/quality/deviations?kind=wrong_actor", headers=iso).get_json()["items"]
    assert [d["code"] for d in devs] == [bad.code]
    report = client.get(f"/api/v1/quality/dossiers/{bad.code}", headers=iso).get_json()
    assert not report["conforming"] and report["deviations"][0]["kind"] == "wrong_actor" and report["tokens"]["fitness"] == 1.0
    assert client.get("/api/v1/quality/dossiers/NOPE", headers=iso).status_code == 404
    assert client.post(f"/api/v1/quality/dossiers/{bad.id}/check", headers=iso).get_json()["code"] == bad.code

    made = client.post("/api/v1/quality/nonconformities", headers=iso, json={"dossier": bad.code, "deviation": 0})
    assert made.status_code == 201, made.get_json()
    nc = made.get_json()
    assert nc["state"] == "open" and nc["moves"] == ["analyse", "reject"]
    wrong = client.post(f"/api/v1/quality/nonconformities/{nc['id']}/plan", headers=iso, json={})
    assert wrong.status_code == 409 and wrong.get_json()["error"]["code"] == "illegal_transition"
    assert client.post(f"/api/v1/quality/nonconformities/{nc['id']}/analyse", headers=iso,
                       json={"cause": "x", "correction": "y"}).get_json()["state"] == "analysed"
    bad_date = client.post(f"/api/v1/quality/nonconformities/{nc['id']}/plan", headers=iso,
                           json={"corrective_action": "z", "owner": "dir", "due_date": "2026-02-30"})
    assert bad_date.status_code == 422
    assert client.get("/api/v1/quality/nonconformities?state=analysed", headers=iso).get_json()["items"][0]["id"] == nc["id"]

    audit = client.post("/api/v1/quality/audits", headers=iso, json={"title": "Q1", "period_from": "2026-01-01",
                                                                    "period_to": "2026-03-31", "per_procedure": 1})
    assert audit.status_code == 201
    sampled = client.post(f"/api/v1/quality/audits/{audit.get_json()['id']}/sample", headers=iso, json={"seed": 99}).get_json()
    assert sampled["seed"] == 99 and len(sampled["samples"]) == 1
    assert client.get(f"/api/v1/quality/audits/{sampled['id']}", headers=iso).get_json()["samples"] == sampled["samples"]

    assert client.put("/api/v1/quality/targets", headers=iso, json={"metric": "on_time_rate", "target": 95}).status_code == 200
    measures = client.get("/api/v1/quality/kpi?from=2026-03-01&to=2026-03-31", headers=iso).get_json()["items"]
    assert measures[0]["metrics"]["on_time_rate"]["target"] == 95.0

    events = client.get(f"/api/v1/quality/events?dossier={bad.code}&limit=3", headers=iso).get_json()["items"]
    assert len(events) == 3 and events[0]["id"] > events[1]["id"]
    xes = ElementTree.fromstring(client.get("/api/v1/quality/export/xes", headers=iso).data)
    assert len(xes.findall("{http://www.xes-standard.org/}trace")) == 2
    assert json.loads(client.get("/api/v1/quality/export/ocel", headers=iso).data)["events"]
    assert client.get("/api/v1/quality/export/pdf", headers=iso).status_code == 404
    assert client.get("/api/v1/quality/integrity", headers=iso).get_json()["intact"] is True
    validate(client.get("/api/v1/openapi.json").get_json())
