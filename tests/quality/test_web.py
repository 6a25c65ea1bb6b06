"""The quality officer's workbench through HTTP (Flask's client, both databases): every page, the
forms' round trips, the exports, and who may not enter."""

from __future__ import annotations

import csv
import io
import json
import re
from xml.etree import ElementTree

from engine import dispatch_pending
from engine.simulate import Driver
from tests.api.conftest import web_login
from tests.helpers import APPLICANT, local, only_task


def _world(services, commands, staff):  # type: ignore[no-untyped-def]
    driver = Driver(commands, staff)
    good = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT))
    bad = driver.run(commands.receive(staff["one_stop"], "1.001806", APPLICANT), until="approve")
    commands.act_as(staff["admin"], bad.code, "Lãnh đạo vắng, quản trị viên làm thay (kịch bản sai lệch)")  # separation of duties: recorded first
    commands.complete(staff["admin"], only_task(services, bad.id, "approve").id, "sign")
    bad = driver.run(bad)
    assert dispatch_pending(services) == 2
    return good, bad


def test_workbench_pages(client, services, commands, staff, clock):
    good, bad = _world(services, commands, staff)
    csrf = web_login(client, "iso")
    assert "Chất lượng" in client.get("/inbox").text
    page = client.get("/chat-luong/")
    assert page.status_code == 200 and 'data-testid="rate-1.001806">50.0%' in page.text
    assert "co-quan" in page.text and "cb-so-y-te" in client.get("/chat-luong/?theo=co-quan").text
    drill = client.get("/chat-luong/ho-so?procedure=1.001806")
    assert good.code in drill.text and bad.code in drill.text
    assert good.code not in client.get("/chat-luong/ho-so?kind=wrong_actor").text
    dossier = client.get(f"/chat-luong/ho-so/{bad.code}")
    assert "1 sai lệch" in dossier.text and "administrator" in dossier.text
    deviations = client.get("/chat-luong/sai-lech?kind=wrong_actor")
    assert bad.code in deviations.text

    # A nonconformity from the deviation, through its lifecycle.
    form = re.search(r'name="dossier_id" value="(\d+)"><input type="hidden" name="index" value="(\d+)"', deviations.text)
    opened = client.post("/chat-luong/khong-phu-hop", data={"csrf_token": csrf, "dossier_id": form[1], "index": form[2]})
    assert opened.status_code == 302
    url = opened.headers["Location"]
    assert "Mới ghi nhận" in client.get(url).text
    bad_move = client.post(url + "/implement", data={"csrf_token": csrf}, follow_redirects=True)
    assert "không thể" in bad_move.text
    client.post(url + "/analyse", data={"csrf_token": csrf, "cause": "Quản trị viên ký thay", "correction": "Trình lại"})
    missing = client.post(url + "/plan", data={"csrf_token": csrf, "corrective_action": "Thu hồi quyền"}, follow_redirects=True)
    assert "Thiếu: người chịu trách nhiệm, hạn hoàn thành" in missing.text
    client.post(url + "/plan", data={"csrf_token": csrf, "corrective_action": "Thu hồi quyền", "owner": "dir",
                                     "due_date": "2026-03-03"})
    assert "Đang thực hiện khắc phục" in client.get(url).text
    assert client.post(url + "/plan", data={}).status_code == 400  # no CSRF token

    # The owner sees it overdue on their inbox, and reports it done.
    clock.set(local(2026, 3, 5, 9, 0))
    client.post("/logout", data={"csrf_token": csrf})
    owner_csrf = web_login(client, "dir")
    inbox = client.get("/inbox").text
    assert 'data-testid="overdue-corrective"' in inbox and "Thu hồi quyền" in inbox
    assert client.get("/chat-luong/").status_code == 403
    assert client.post(url + "/implement", data={"csrf_token": owner_csrf, "reason": "Đã thu hồi"}).status_code == 302
    assert 'data-testid="overdue-corrective"' not in client.get("/inbox").text
    client.post("/logout", data={"csrf_token": owner_csrf})
    csrf = web_login(client, "iso")
    client.post(url + "/verify_effective", data={"csrf_token": csrf, "verification": "Đã kiểm tra"})
    assert "Đã đóng" in client.get(url).text

    # A hand-recorded one.
    made = client.post("/chat-luong/khong-phu-hop", data={"csrf_token": csrf, "title": "Phản ánh: thái độ tại quầy",
                                                        "source": "complaint", "severity": "minor"})
    assert made.status_code == 302 and "Phản ánh, kiến nghị" in client.get(made.headers["Location"]).text

    # Internal audit: plan, sample with a seed, the checklist pre-filled.
    planned = client.post("/chat-luong/danh-gia-noi-bo", data={"csrf_token": csrf, "title": "Quý I/2026", "period_from": "2026-01-01",
                                                             "period_to": "2026-03-31", "per_procedure": "5"})
    audit = planned.headers["Location"]
    assert "Hạt giống phải là số" in client.post(audit + "/chon-mau", data={"csrf_token": csrf, "seed": "abc"}, follow_redirects=True).text
    sampled = client.post(audit + "/chon-mau", data={"csrf_token": csrf, "seed": "42"}, follow_redirects=True).text
    assert 'data-testid="seed">42<' in sampled and sampled.count('data-testid="sample"') == 2 and "Sai lệch" in sampled

    # KPIs with a target.
    assert "Mục tiêu phải là một số" in client.post("/chat-luong/chi-tieu", data={"csrf_token": csrf, "metric": "on_time_rate",
                                                                              "target": "x"}, follow_redirects=True).text
    client.post("/chat-luong/chi-tieu", data={"csrf_token": csrf, "metric": "conformance_rate", "target": "90"})
    kpis = client.get("/chat-luong/chi-tieu?from=2026-03-01&to=2026-03-31").text
    assert "mục tiêu 90.0%" in kpis and 'data-testid="missed"' in kpis

    # The audit log, filtered, and its exports.
    log = client.get(f"/chat-luong/nhat-ky?dossier={bad.code}&action=step.completed").text
    assert log.count("<tr id=\"e") == 7
    rows = list(csv.DictReader(io.StringIO(client.get(f"/chat-luong/nhat-ky.csv?dossier={bad.code}").text)))
    assert rows and {r["chain"] for r in rows} == {bad.code}
    xes = ElementTree.fromstring(client.get("/chat-luong/nhat-ky.xes").data)
    ns = {"x": "http://www.xes-standard.org/"}
    assert len(xes.findall("x:trace", ns)) == 2
    assert len(xes.findall("x:trace/x:event", ns)) == 14
    ocel = json.loads(client.get("/chat-luong/nhat-ky.ocel").data)
    assert {t["name"] for t in ocel["objectTypes"]} == {"dossier", "task", "person", "agency"}
    assert any(o["id"] == f"dossier:{bad.code}" for o in ocel["objects"]) and ocel["events"]
    assert client.get("/chat-luong/nhat-ky.pdf").status_code == 404
    assert client.get("/chat-luong/nhat-ky?from=not-a-date").status_code == 200

    # Integrity of the record.
    integrity = client.get("/chat-luong/toan-ven?chay=1").text
    assert 'data-testid="integrity-result"><span class="badge ok">Toàn vẹn' in integrity


def test_workbench_refuses_others(client, services):
    assert client.get("/chat-luong/").status_code == 302  # sign in first
    web_login(client, "desk")
    for url in ("/chat-luong/", "/chat-luong/nhat-ky", "/chat-luong/nhat-ky.csv", "/chat-luong/khong-phu-hop"):
        assert client.get(url).status_code == 403, url
