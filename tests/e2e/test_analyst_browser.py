"""The analyst draws a small route in the bpmn-js modeller (served by the app), validates it, publishes it by a
decision, and a dossier is received and runs on it: all through the UI, in Debian's Chromium."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

# MOTCUA_DOCS_SHOTS=1: also write the screenshots docs/authoring.md shows (docs/img/).
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "img" if os.environ.get("MOTCUA_DOCS_SHOTS") else None


def shot(page: Any, name: str) -> None:
    if SHOTS is not None:
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)

CODE = "9.970001"
DEFINITION = f"""code: "{CODE}"
name: Thủ tục vẽ bằng trình soạn sơ đồ
field: bao-tro-xa-hoi
level: province
agency: cb-so-y-te
deadline: {{working_days: 5}}
route:
  - {{id: intake, kind: intake, role: one_stop, allowance: {{working_days: 0.5}}}}
"""

# Draw start -> "Thẩm định hồ sơ" (a user task) -> end with the modeller's own editing API, as the palette would.
DRAW = """() => {
  const modeler = window.motcuaModeler;
  const registry = modeler.get('elementRegistry'), modeling = modeler.get('modeling');
  const start = registry.filter(e => e.type === 'bpmn:StartEvent')[0];
  const task = modeling.appendShape(start, {type: 'bpmn:UserTask'}, {x: start.x + 200, y: start.y + 18});
  modeling.updateProperties(task, {id: 'Activity_thamdinh', name: 'Thẩm định hồ sơ'});
  modeling.appendShape(task, {type: 'bpmn:EndEvent'}, {x: task.x + 250, y: task.y + 40});
  return registry.filter(e => e.type === 'bpmn:UserTask').length;
}"""


def test_analyst_draws_validates_publishes_and_a_dossier_runs(people: Any, server: Any) -> None:
    analyst = people("kiemsoat")
    analyst.click("text=Kiểm soát TTHC")
    analyst.wait_for_selector("[data-testid=catalogue-count]")
    analyst.click("text=Soạn thủ tục mới")
    analyst.wait_for_selector("#modeler[data-rendered='1']")
    analyst.fill("input[name=code]", CODE)
    analyst.fill("#text", DEFINITION)
    assert analyst.evaluate(DRAW) == 1
    shot(analyst, "analyst-modeller.png")
    analyst.click("button[value=validate]")
    analyst.wait_for_selector("[data-testid=problems]")
    assert analyst.locator("[data-testid=valid]").count() == 1, analyst.inner_text("[data-testid=problems]")
    text = analyst.input_value("#text")
    assert "bpmn: 9.970001.bpmn" in text and "Activity_thamdinh" in text  # the route is the drawing now
    assert "Đã bỏ các bước không còn trên sơ đồ: intake" in analyst.inner_text("main")
    analyst.wait_for_selector("#modeler[data-rendered='1']")
    # the analyst gives the new step its real allowance in the YAML, then saves the draft
    analyst.fill("#text", text.replace("allowance: not_counted", "allowance:\n      working_days: 4"))
    analyst.click("button[value=save]")
    analyst.wait_for_selector("[data-testid=to-publish]")
    assert "không có lỗi" in analyst.inner_text(".flash")
    analyst.click("[data-testid=to-publish]")
    assert "phiên bản 1" in analyst.inner_text("[data-testid=dry-run]")
    shot(analyst, "analyst-publish.png")
    analyst.fill("input[name=number]", "77/QĐ-UBND")
    analyst.fill("input[name=title]", "Công bố thủ tục vẽ bằng trình soạn sơ đồ")
    analyst.fill("input[name=issuer]", "Chủ tịch UBND tỉnh Cao Bằng")
    analyst.click("text=Công bố theo quyết định")
    analyst.wait_for_selector("[data-testid=versions]")
    assert "77/QĐ-UBND" in analyst.inner_text("[data-testid=versions]")
    shot(analyst, "analyst-procedure.png")
    analyst.click("text=Quyết định công bố")
    assert "77/QĐ-UBND" in analyst.inner_text("[data-testid=decisions]")

    desk = people("motcua")
    desk.goto(f"{server.url}/intake?procedure={CODE}")
    desk.fill("input[name=applicant_name]", "Lò Văn Páo")
    desk.fill("input[name=applicant_id_number]", "004095001299")
    desk.fill("input[name=applicant_phone]", "0912345699")
    desk.click("[data-testid=receive]")
    desk.wait_for_url("**/forms/*")
    code = desk.inner_text("[data-testid=slip-code]")

    specialist = people("chuyenvien")
    specialist.goto(f"{server.url}/dossiers/{code}")
    assert "Thẩm định hồ sơ" in specialist.inner_text("main")
    box = specialist.locator(".task-action").first
    if box.locator("[data-testid=claim]").count():
        box.locator("[data-testid=claim]").click()
        specialist.wait_for_selector(".flash.success")
    specialist.locator(".task-action").first.locator("button[data-outcome='done']").click()
    specialist.wait_for_load_state()

    desk.goto(f"{server.url}/dossiers/{code}")
    desk.click("[data-testid=return]")
    desk.wait_for_load_state()
    assert "Đã trả kết quả" in desk.inner_text("main")
    from sqlalchemy import select

    from engine.storage.models import Dossier, ProcedureVersion

    with server.services.sessions() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        version = session.get(ProcedureVersion, dossier.procedure_version_id)
        assert dossier.status == "returned" and version.code == CODE and version.decision.startswith("77/QĐ-UBND")
