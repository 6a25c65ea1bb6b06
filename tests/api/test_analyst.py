"""The analyst's workbench (/kiem-soat): catalogue filters, versions and diff, decisions, drafts with line-level
validation, dry run and publishing by an audited decision; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy import select

from engine.definitions import compile_route, load_catalog
from engine.definitions.drawn import adopt_drawing
from engine.storage.decisions import DecisionRow
from engine.storage.models import AuditEvent, ProcedureVersion
from tests.helpers import APPLICANT, WORKFLOWS, forget_procedures

from .conftest import web_login

CODE = "9.960001"


@pytest.fixture
def definition() -> dict:
    data = dict(load_catalog(WORKFLOWS).procedures["1.001806"].raw)
    return data | {"code": CODE, "name": "Thủ tục thử của cán bộ kiểm soát"}


@pytest.fixture
def cleanup(services) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    forget_procedures(services, "9.96")


def test_only_analysts_enter(client):  # type: ignore[no-untyped-def]
    assert client.get("/kiem-soat/").status_code == 302  # to the login page
    web_login(client, "desk")
    page = client.get("/kiem-soat/")
    assert page.status_code == 403 and "Cán bộ kiểm soát" not in page.text and "soạn và công bố" in page.text
    assert "Kiểm soát TTHC" not in client.get("/inbox").text


def test_catalogue_filters_versions_and_decisions(client):  # type: ignore[no-untyped-def]
    web_login(client, "analyst")
    assert "Kiểm soát TTHC" in client.get("/inbox").text
    every = client.get("/kiem-soat/").text
    field = client.get("/kiem-soat/?field=bao-tro-xa-hoi&confirmed=yes").text
    count = lambda html: int(html.split('data-testid="catalogue-count">')[1].split(" ")[0])  # noqa: E731
    assert count(every) > count(field) > 0 and "1.001806" in field
    assert count(client.get("/kiem-soat/?on=2020-01-01").text) <= count(every)
    assert "Ngày không hợp lệ" in client.get("/kiem-soat/?on=hom-qua").text
    page = client.get("/kiem-soat/thu-tuc/1.001806")
    assert page.status_code == 200 and 'data-testid="versions"' in page.text
    assert client.get("/kiem-soat/thu-tuc/1.001806/v1.bpmn").text.startswith("<?xml")
    assert client.get("/kiem-soat/thu-tuc/0.000000").status_code == 404
    assert client.get("/kiem-soat/quyet-dinh").status_code == 200


def test_draft_validate_save_dry_run_and_publish(client, services, commands, staff, definition, cleanup):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "analyst")
    broken = yaml.safe_dump(definition | {"deadline": {"working_days": 1}}, allow_unicode=True, sort_keys=False)
    answer = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": CODE, "text": broken, "action": "validate"})
    assert answer.status_code == 422
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if text.startswith("deadline:"))
    assert re.search(rf"dòng ({line}|{line + 1}), cột \d+</a>: tổng thời gian các bước \(10 ngày làm việc\) vượt thời hạn giải quyết 1 ngày làm việc", answer.text), answer.text
    saved = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": CODE, "text": broken, "action": "save"})
    assert saved.status_code == 302
    draft_url = saved.headers["Location"]
    draft_id = int(draft_url.rsplit("/", 1)[1])
    assert "còn 1 lỗi" in client.get(draft_url).text
    # a draft with errors is never published
    refused = client.post(f"/kiem-soat/ban-nhap/{draft_id}/cong-bo", data={
        "csrf_token": csrf, "number": "99/QĐ-UBND", "title": "Thử", "issuer": "Chủ tịch", "signed": "2026-03-02", "effective": "2026-03-02"})
    assert refused.status_code == 302 and "còn lỗi" in client.get(refused.headers["Location"]).text
    good = yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)
    assert client.post(draft_url, data={"csrf_token": csrf, "code": CODE, "text": good, "action": "save"}).status_code == 302
    preview = client.get(f"/kiem-soat/ban-nhap/{draft_id}/cong-bo")
    assert "phiên bản 1" in preview.text and "thủ tục mới" in preview.text
    # no decision, no publication
    missing = client.post(f"/kiem-soat/ban-nhap/{draft_id}/cong-bo", data={
        "csrf_token": csrf, "number": "", "title": "", "issuer": "", "signed": "2026-03-02", "effective": "2026-03-02"})
    assert "Chưa ghi số hiệu quyết định" in client.get(missing.headers["Location"]).text
    with services.sessions() as session:
        assert session.execute(select(ProcedureVersion).where(ProcedureVersion.code == CODE)).first() is None
    done = client.post(f"/kiem-soat/ban-nhap/{draft_id}/cong-bo", data={
        "csrf_token": csrf, "number": "99/QĐ-UBND", "title": "Công bố thủ tục thử", "issuer": "Chủ tịch UBND tỉnh",
        "signed": "2026-03-02", "effective": "2026-03-02"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/kiem-soat/thu-tuc/{CODE}")
    with services.sessions() as session:
        version = session.execute(select(ProcedureVersion).where(ProcedureVersion.code == CODE)).scalar_one()
        assert version.version == 1 and version.decision.startswith("99/QĐ-UBND")
        decision = session.execute(select(DecisionRow).where(DecisionRow.number == "99/QĐ-UBND")).scalar_one()
        assert decision.applied_by == "analyst"
        kinds = [e.action for e in session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        assert "decision.published" in kinds and "definition.drafted" in kinds
    dossier = commands.receive(staff["one_stop"], CODE, APPLICANT, "direct", [])
    # a second version: the dossier in progress is listed by the dry run and stays on its version
    changed = yaml.safe_dump(definition | {"name": "Thủ tục thử, sửa tên"}, allow_unicode=True, sort_keys=False)
    again = client.post("/kiem-soat/ban-nhap", data={"csrf_token": csrf, "code": CODE, "text": changed, "action": "save"})
    second = int(again.headers["Location"].rsplit("/", 1)[1])
    preview = client.get(f"/kiem-soat/ban-nhap/{second}/cong-bo").text
    assert "phiên bản 2" in preview and dossier.code in preview and "giữ phiên bản đã tiếp nhận" in preview
    client.post(f"/kiem-soat/ban-nhap/{second}/cong-bo", data={
        "csrf_token": csrf, "number": "100/QĐ-UBND", "title": "Sửa tên", "issuer": "Chủ tịch UBND tỉnh",
        "signed": "2026-03-02", "effective": "2026-03-02"})
    diff = client.get(f"/kiem-soat/thu-tuc/{CODE}?a=1&b=2").text
    assert "Thủ tục thử, sửa tên" in diff and 'data-testid="changes"' in diff
    with services.sessions() as session:
        from engine.storage.models import Dossier

        pinned = session.execute(select(Dossier).where(Dossier.code == dossier.code)).scalar_one()
        assert session.get(ProcedureVersion, pinned.procedure_version_id).version == 1  # type: ignore[union-attr]


def test_a_redrawn_route_keeps_the_steps_by_id(definition):  # type: ignore[no-untyped-def]
    procedure = load_catalog(WORKFLOWS).procedures["1.001806"]
    xml = compile_route(CODE, procedure.name, procedure.steps, procedure.variants)
    extra = ('<bpmn:userTask id="Activity_0new" name="Lấy ý kiến"/>'
             '<bpmn:sequenceFlow id="f_new1" sourceRef="Activity_0new" targetRef="end"/>')
    drawn = xml.replace('<bpmn:endEvent id="end"', extra + '<bpmn:endEvent id="end"', 1)
    adopted, notes = adopt_drawing(definition, drawn)
    steps = adopted["route"]["steps"]
    assert adopted["route"]["bpmn"] == f"{CODE}.bpmn"
    assert [s["id"] for s in steps][:2] == ["intake", "assign"] and steps[-1]["id"] == "Activity_0new"
    assert steps[-1]["role"] == "specialist" and any("Activity_0new" in n for n in notes)
    appraise = next(s for s in steps if s["id"] == "appraise")
    assert appraise["allowance"] == next(s for s in definition["route"] if s["id"] == "appraise")["allowance"]
