"""Web pages of issue 8 §2: calendar administration (administrators), reassigning a step, the division's inbox."""

from __future__ import annotations

from sqlalchemy import text

from engine import Actor
from engine.simulate import Driver
from tests.api.conftest import web_login
from tests.helpers import APPLICANT, load, local, only_task

AGENCY = "cb-so-y-te"
PEOPLE = {"one_stop": Actor("desk", "one_stop", AGENCY), "division_head": Actor("head", "division_head", AGENCY, unit="btxh-tre-em"),
          "specialist": Actor("spec", "specialist", AGENCY, unit="btxh-tre-em")}


def test_administrator_announces_and_withdraws_a_day_off(app, client, services, commands):
    dossier = commands.receive(PEOPLE["one_stop"], "1.001806", APPLICANT)
    csrf = web_login(client, "admin")
    page = client.get("/calendar")
    assert page.status_code == 200 and "Ghi điều chỉnh mới" in page.text and "Lịch làm việc" in page.text
    done = client.post("/calendar", data={"csrf_token": csrf, "day": "2026-03-11", "kind": "day_off",
                                          "name": "Nghỉ đột xuất (thử nghiệm)", "document": "TB 12/TB-UBND"},
                       follow_redirects=True)
    assert "1 hồ sơ được tính lại thời hạn" in done.text and dossier.code in done.text
    assert load(services, dossier.code).due_at == local(2026, 3, 17, 8, 0)
    timeline = client.get(f"/dossiers/{dossier.code}").text
    assert "Tính lại thời hạn do điều chỉnh lịch làm việc" in timeline and "TB 12/TB-UBND" in timeline
    bad = client.post("/calendar", data={"csrf_token": csrf, "day": "11/03/2026", "kind": "day_off", "name": "x",
                                         "document": "y"}, follow_redirects=True)
    assert "Ngày điều chỉnh không hợp lệ" in bad.text
    again = client.post("/calendar", data={"csrf_token": csrf, "day": "2026-03-11", "kind": "working_day",
                                           "name": "x", "document": "y"}, follow_redirects=True)
    assert "đã có điều chỉnh" in again.text
    with services.sessions() as session:  # the one entry in force
        entry = session.execute(text("SELECT id FROM calendar_days WHERE removed_at IS NULL")).scalar_one()
    gone = client.post(f"/calendar/{entry}/withdraw", data={"csrf_token": csrf, "reason": "Ghi nhầm"},
                       follow_redirects=True)
    assert "Đã gỡ điều chỉnh ngày 11/03/2026" in gone.text
    assert load(services, dossier.code).due_at == local(2026, 3, 16, 8, 0)


def test_calendar_is_for_administrators_only(app, client):
    web_login(client, "dir")
    assert client.get("/calendar").status_code == 403
    assert "Lịch làm việc" not in client.get("/inbox").text


def test_head_reassigns_from_the_dossier_page_and_sees_the_division(app, client, services, commands):
    dossier = commands.receive(PEOPLE["one_stop"], "1.001806", APPLICANT)
    Driver(commands, PEOPLE).run(dossier, until="assign")
    csrf = web_login(client, "head")
    page = client.get(f"/dossiers/{dossier.code}").text
    assert 'data-testid="assignee"' in page and "Trần Văn Bình — đang xử lý 0 việc" in page
    assign = only_task(services, dossier.id, "assign")
    client.post(f"/tasks/{assign.id}/complete", data={"csrf_token": csrf, "dossier": dossier.code, "assignee": "spec"})
    appraise = only_task(services, dossier.id, "appraise")
    assert appraise.claimed_by == "spec"
    page = client.get(f"/dossiers/{dossier.code}").text
    assert 'data-testid="reassign"' in page and "Phân công lại" in page
    division = client.get("/inbox?scope=division").text
    assert dossier.code in division and "Việc của phòng tôi" in division
    assert dossier.code not in client.get("/inbox?scope=mine").text
    done = client.post(f"/tasks/{appraise.id}/assign", data={"csrf_token": csrf, "dossier": dossier.code,
                                                             "assignee": "desk"}, follow_redirects=True)
    assert "Không phân công được cho Nguyễn Thị Mai" in done.text
    assert "Phân công xử lý" in client.get(f"/dossiers/{dossier.code}").text
