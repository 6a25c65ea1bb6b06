"""The quality officer's workbench in Chromium: the overview, the drill-down to a dossier's deviation
and its evidence, a nonconformity opened from it and analysed, the audit log filtered and exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Actor, Commands, dispatch_pending
from engine.simulate import Driver
from tests.helpers import APPLICANT, DIVISION, only_task

pytestmark = pytest.mark.browser


def test_quality_workbench(people: Any, server: Any) -> None:
    services = server.services
    commands = Commands(services)
    staff = {role: Actor(f"e2e_{role}", role, "cb-so-y-te", unit=DIVISION if role in ("specialist", "division_head") else None)
             for role in ("one_stop", "specialist", "division_head", "director", "clerk")}
    driver = Driver(commands, staff)
    dossier = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="approve")
    admin = Actor("quantri", "administrator", None)
    commands.act_as(admin, dossier.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # recorded first
    commands.complete(admin, only_task(services, dossier.id, "approve").id, "sign")
    dossier = driver.run(dossier)
    dispatch_pending(services)

    page = people("iso")
    page.click("nav >> text=Chất lượng")
    page.wait_for_selector("[data-testid=conformance-overview]")
    assert "1.001806" in page.inner_text("[data-testid=conformance-overview]")
    page.click("[data-testid=conformance-overview] >> text=1.001806")
    page.click(f"[data-testid=drill] >> text={dossier.code}")
    assert "sai lệch" in page.inner_text("[data-testid=verdict]")
    evidence = page.inner_text("[data-testid=dossier-deviations]")
    assert "administrator" in evidence and "step.completed" in evidence

    page.click("nav.tabs >> text=Sai lệch")
    row = page.locator("[data-testid=deviations] tr", has_text=dossier.code).first
    row.locator("text=Ghi nhận không phù hợp").click()
    page.wait_for_selector("[data-testid=nc-state]")
    assert page.inner_text("[data-testid=nc-state]") == "Mới ghi nhận"
    page.fill("[data-testid=move-analyse] textarea[name=cause]", "Quản trị viên ký thay lãnh đạo")
    page.fill("[data-testid=move-analyse] textarea[name=correction]", "Trình lãnh đạo ký lại")
    page.click("[data-testid=move-analyse] button")
    page.wait_for_selector("text=Đã phân tích nguyên nhân")

    page.click("nav.tabs >> text=Nhật ký kiểm toán")
    page.fill("[data-testid=log-filters] input[name=dossier]", dossier.code)
    page.select_option("[data-testid=log-filters] select[name=action]", "step.completed")
    page.click("[data-testid=log-filters] button")
    assert page.locator("[data-testid=log] tbody tr").count() == 7
    with page.expect_download() as download:
        page.click("text=CSV")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("id,chain,seq") and dossier.code in text
