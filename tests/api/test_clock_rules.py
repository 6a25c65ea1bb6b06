"""The clock rules as staff meet them on the pages and the REST API (SQLite and PostgreSQL).

The dossier is taken to its appraisal step through the engine's commands (as the
other pages would); what is under test is what the specialist, the desk and the
applicant's slips show: a stopped clock while the applicant is waited for, the one
supplement request, the new appointment, the late apology and the closure.
"""

from __future__ import annotations

import re

from engine import Actor, Commands
from engine.closing import close_due
from engine.simulate import Driver
from tests.helpers import APPLICANT, local

from .conftest import web_login
from .test_rest import error

SPEC = Actor("spec", "specialist", "cb-so-y-te", unit="btxh-tre-em")
HEAD = Actor("head", "division_head", "cb-so-y-te", unit="btxh-tre-em")
DESK = Actor("desk", "one_stop", "cb-so-y-te")
DIRECTOR = Actor("dir", "director", "cb-so-y-te")
CLERK = Actor("clerk", "clerk", "cb-so-y-te")
ROLES = {"one_stop": DESK, "specialist": SPEC, "division_head": HEAD, "director": DIRECTOR, "clerk": CLERK}


def appraising(services, code="1.001806"):  # type: ignore[no-untyped-def]
    commands = Commands(services)
    dossier = commands.receive(DESK, code, APPLICANT, "direct", [])
    return Driver(commands, ROLES).run(dossier, until="appraise")


def appraise_task(client, code):  # type: ignore[no-untyped-def]
    page = client.get(f"/dossiers/{code}")
    return int(re.search(r'action="/tasks/(\d+)/complete"', page.text).group(1))


def form_link(html, form, last=True):  # type: ignore[no-untyped-def]
    links = re.findall(rf'href="(/forms/\d+)"[^>]*data-form="{form}"', html)
    return links[-1] if last else links[0]


def test_waiting_for_the_supplement_on_the_pages(client, services, clock):  # type: ignore[no-untyped-def]
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(services)  # due Mon 16/3 08:00
    csrf = web_login(client, "spec")
    task = appraise_task(client, dossier.code)
    clock.set(local(2026, 3, 13, 9, 0))
    asked = client.post(f"/tasks/{task}/complete", data={
        "csrf_token": csrf, "dossier": dossier.code, "outcome": "request_supplement",
        "supplement_items": "Danh sách lao động là người khuyết tật"}, follow_redirects=True)
    assert "Chờ bổ sung hồ sơ" in asked.text
    clock.set(local(2026, 3, 20, 9, 0))  # the old due time has passed while waiting
    page = client.get(f"/dossiers/{dossier.code}").text
    assert 'data-testid="time-left">Tạm dừng: chờ bổ sung<' in page and "Quá hạn" not in page
    assert "Chờ công dân bổ sung đến 09:00 03/04/2026" in page  # 15 working days from the notice
    assert "Xin lỗi và hẹn lại ngày trả kết quả" not in page  # no apology while waiting
    inbox = client.get("/inbox").text
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{dossier.code}(?:(?!</tr>).)*</tr>", inbox, re.S).group(0)
    assert "Tạm dừng: chờ bổ sung" in row and "overdue" not in row
    assert dossier.code not in client.get("/dossiers?overdue=1").text
    assert dossier.code in client.get("/dossiers").text

    # the desk receives the complete supplement: a new, numbered appointment
    client.post("/logout", data={"csrf_token": csrf})
    csrf = web_login(client, "desk")
    received = client.post(f"/dossiers/{dossier.code}/supplement", data={
        "csrf_token": csrf, "documents": "Danh sách lao động"}, follow_redirects=True)
    assert "Đã nhận hồ sơ bổ sung" in received.text
    receipts = re.findall(r'href="(/forms/\d+)"[^>]*data-form="receipt"', received.text)
    assert len(receipts) == 2
    renewed = client.get(receipts[-1]).text
    assert "Hẹn lại ngày trả kết quả" in renewed and "hẹn trả 08 giờ 00 phút, ngày 16/03/2026" in renewed
    assert "09 giờ 00 phút, ngày 03/04/2026" in renewed  # 10 working days from Fri 20/3 09:00
    assert "Hẹn lại ngày trả kết quả" not in client.get(receipts[0]).text


def test_second_supplement_needs_a_recorded_exception_on_the_page(client, services, clock):  # type: ignore[no-untyped-def]
    dossier = appraising(services)
    commands = Commands(services)
    csrf = web_login(client, "spec")
    task = appraise_task(client, dossier.code)
    commands.complete(SPEC, task, "request_supplement", supplement_items=["Giấy phép"])
    commands.receive_supplement(DESK, dossier.code, ["giay_phep"])
    page = client.get(f"/dossiers/{dossier.code}").text
    assert 'data-testid="supplement-exception"' in page
    data = {"csrf_token": csrf, "dossier": dossier.code, "outcome": "request_supplement", "supplement_items": "Bản sao"}
    refused = client.post(f"/tasks/{task}/complete", data=data, follow_redirects=True)
    status = re.compile(r'data-testid="dossier-status">([^<]+)<')
    assert "đầy đủ trong 01 lần" in refused.text and status.search(refused.text).group(1) == "Đang xử lý"
    done = client.post(f"/tasks/{task}/complete", data=data | {"supplement_exception": "Giấy phép hết hạn khi thẩm định"},
                       follow_redirects=True)
    assert status.search(done.text).group(1) == "Chờ bổ sung hồ sơ"
    assert "Yêu cầu bổ sung thêm lần nữa (ngoại lệ, không phù hợp)" in done.text  # the timeline names it
    assert "Giấy phép hết hạn khi thẩm định" in done.text


def test_late_apology_on_the_page_and_its_slip(client, services, clock):  # type: ignore[no-untyped-def]
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(services)  # due Mon 16/3 08:00
    clock.set(local(2026, 3, 17, 10, 0))  # after the due time: still possible, recorded as a nonconformity
    csrf = web_login(client, "desk")
    page = client.post(f"/dossiers/{dossier.code}/extension", data={
        "csrf_token": csrf, "new_date": "2026-03-20", "new_time": "16:00", "reason": "Cần xác minh tại cơ sở"},
        follow_redirects=True)
    assert "Đã lập phiếu xin lỗi" in page.text
    assert "hẹn lại ngày trả: 16:00 20/03/2026 (phiếu lập 10:00 17/03/2026)" in page.text
    assert "Xin lỗi, hẹn lại muộn (không phù hợp)" in page.text
    slip = client.get(form_link(page.text, "apology")).text
    previous = re.search(r'data-testid="slip-previous-due">([^<]+)<', slip).group(1)
    new = re.search(r'data-testid="slip-new-due">([^<]+)<', slip).group(1)
    assert previous == "08 giờ 00 phút, ngày 16/03/2026" and new == "16 giờ 00 phút, ngày 20/03/2026"


def test_rest_supplement_once_and_closure(client, token, services, clock):  # type: ignore[no-untyped-def]
    clock.set(local(2026, 3, 2, 8, 0))
    dossier = appraising(services)
    url = f"/api/v1/dossiers/{dossier.code}/supplement-request"
    first = client.post(url, json={"items": ["Giấy phép"]}, headers=token("spec"))
    assert first.status_code == 200 and first.json["status"] == "awaiting_supplement"
    assert first.json["supplement_wait_until"]
    back = client.post(f"/api/v1/dossiers/{dossier.code}/supplement", json={"documents": ["giay_phep"]}, headers=token("desk"))
    assert back.status_code == 200 and back.json["supplement_wait_until"] is None
    refused = error(client.post(url, json={"items": ["Bản sao"]}, headers=token("spec")), 422, "invalid_command")
    assert "đầy đủ trong 01 lần" in refused["message"]
    second = client.post(url, json={"items": ["Bản sao"], "exception_reason": "Giấy phép hết hạn"}, headers=token("spec"))
    assert second.status_code == 200 and second.json["supplement_count"] == 2

    clock.set(local(2026, 4, 30, 8, 0))  # the waiting period ran out
    assert close_due(services) == [dossier.code]
    closed = client.get(f"/api/v1/dossiers/{dossier.code}", headers=token("desk")).json
    assert closed["status"] == "closed" and closed["status_label"].startswith("Đóng hồ sơ") and closed["closed_at"]
    assert closed["forms"][-1]["form"] == "closure_notice"
    csrf = web_login(client, "desk")
    page = client.get(f"/dossiers/{dossier.code}").text
    assert "Đóng hồ sơ (không bổ sung trong thời hạn)" in page and 'data-testid="closed-at"' in page
    slip = client.get(form_link(page, "closure_notice")).text
    assert "THÔNG BÁO ĐÓNG HỒ SƠ DO KHÔNG BỔ SUNG TRONG THỜI HẠN" in slip and "không phải là văn bản từ chối" in slip
    assert csrf


def test_receipt_of_an_unconfirmed_deadline_gives_no_date(client, services):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    data = {"csrf_token": csrf, "procedure": "9.900012", "decision": "receive", "applicant_name": "Nguyễn Văn An",
            "channel": "direct", "other_name_1": "Văn bản đề nghị", "other_orig_1": "1", "other_copy_1": "0"}
    response = client.post("/intake", data=data)
    assert response.status_code == 302, response.text
    slip = client.get(response.location).text
    due = re.search(r'data-testid="slip-due">([^<]+)<', slip).group(1)
    assert due == "đang cập nhật" and "chưa được xác nhận" in slip
    assert "367/2025" not in slip  # an amending decree no shared source confirms is never printed (LEGAL.md §1)
    assert "3. Thời gian giải quyết hồ sơ theo quy định: đang cập nhật" in slip
    assert not re.search(r"5\. Thời gian trả kết quả giải quyết hồ sơ: <b[^>]*>\d", slip)


def test_refusal_is_proposed_by_the_specialist_and_decided_by_the_leaders(client, services):  # type: ignore[no-untyped-def]
    dossier = appraising(services)
    csrf = web_login(client, "spec")
    page = client.get(f"/dossiers/{dossier.code}").text
    assert "/refusal" not in page  # no shortcut: the specialist cannot end the dossier alone
    task = appraise_task(client, dossier.code)
    data = {"csrf_token": csrf, "dossier": dossier.code, "outcome": "propose_refusal", "checkpoints": ["conditions_checked"]}
    no_reason = client.post(f"/tasks/{task}/complete", data=data, follow_redirects=True)
    assert "phải nêu rõ lý do" in no_reason.text
    client.post(f"/tasks/{task}/complete", data=data | {"note": "Cơ sở sử dụng dưới 30% lao động là người khuyết tật"})
    driver = Driver(Commands(services), ROLES)
    dossier = driver.run(dossier, until="return")  # review (agree), approve (sign), register
    assert dossier.status == "resolved" and dossier.result == "refused"
    page = client.get(f"/dossiers/{dossier.code}").text
    slip = client.get(form_link(page, "refusal_decision")).text
    assert "VĂN BẢN TRẢ LỜI TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in slip and "BỘ PHẬN TIẾP NHẬN" not in slip
    assert "Mẫu 03" not in slip and "Cơ sở sử dụng dưới 30% lao động là người khuyết tật" in slip
    signer = re.search(r'data-testid="slip-signer">(.*?)</td>', slip, re.S).group(1)
    assert "LÃNH ĐẠO CƠ QUAN" in signer and "Phạm Quốc Dũng" in signer  # the director who signed on the route


def test_director_refuses_directly_through_rest(client, token, services):  # type: ignore[no-untyped-def]
    dossier = appraising(services)
    url = f"/api/v1/dossiers/{dossier.code}/refusal"
    for who in ("spec", "head"):
        error(client.post(url, json={"reasons": ["Không đủ điều kiện"]}, headers=token(who)), 403, "forbidden")
    refused = client.post(url, json={"reasons": ["Không đủ điều kiện"]}, headers=token("dir"))
    assert refused.status_code == 200 and refused.json["result"] == "refused"
    assert refused.json["forms"][-1]["form"] == "refusal_decision"


def test_intake_names_the_competent_commune(client, token, services):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")  # a provincial desk: any centre in the province may receive (LEGAL.md §2)
    form = client.get("/intake?procedure=1.004946").text
    options = re.findall(r'<option value="(cb-xa-\d+)"', form)
    assert len(options) == 56 and "UBND phường Thục Phán, tỉnh Cao Bằng" in form
    data = {"csrf_token": csrf, "procedure": "1.004946", "decision": "receive", "applicant_name": "Nguyễn Văn An",
            "channel": "direct"}
    missing = client.post("/intake", data=data)
    assert missing.status_code == 422 and "hãy chọn xã, phường" in missing.text
    done = client.post("/intake", data=data | {"competent_agency": "cb-xa-01279"}, follow_redirects=True)
    code = re.search(r'data-testid="slip-code">([^<]+)<', done.text).group(1)
    assert "UBND phường Nùng Trí Cao, tỉnh Cao Bằng" in client.get(f"/dossiers/{code}").text
    body = {"procedure_code": "1.004946", "applicant": {"name": "Trần Thị B"}, "competent_agency": "cb-xa-01273"}
    r = client.post("/api/v1/dossiers", json=body, headers=token("desk"))
    assert r.status_code == 201 and r.json["agency_id"] == "cb-xa-01273"
    wrong = error(client.post("/api/v1/dossiers", json=body | {"competent_agency": "cb-xa-cu-01267"}, headers=token("desk")),
                  422, "invalid_command")
    assert "không phải đơn vị hành chính có thẩm quyền" in wrong["message"]


def test_intake_names_the_commune_of_a_chains_commune_steps(client, token, services):  # type: ignore[no-untyped-def]
    """2.000286 (run by the provincial social assistance centre) has steps at the commune: the desk names which."""
    csrf = web_login(client, "desk")
    form = client.get("/intake?procedure=2.000286").text
    assert "Xã, phường thực hiện các bước của cấp xã" in form
    assert len(re.findall(r'<option value="(cb-xa-\d+)"', form)) == 56
    data = {"csrf_token": csrf, "procedure": "2.000286", "decision": "receive", "applicant_name": "Nguyễn Văn An",
            "channel": "direct"}
    missing = client.post("/intake", data=data)
    assert missing.status_code == 422 and "có các bước do UBND cấp xã" in missing.text
    done = client.post("/intake", data=data | {"competent_agency": "cb-xa-01279"}, follow_redirects=True)
    assert done.status_code == 200
    body = {"procedure_code": "2.000286", "applicant": {"name": "Trần Thị B"}, "competent_agency": "cb-xa-01273"}
    r = client.post("/api/v1/dossiers", json=body, headers=token("desk"))
    assert r.status_code == 201 and r.json["agency_id"] == "cb-co-so-tro-giup-xa-hoi"
    with services.sessions() as session:
        from sqlalchemy import select

        from engine.storage.models import Dossier
        chosen = dict(session.execute(select(Dossier.code, Dossier.step_units).where(Dossier.procedure_code == "2.000286")).all())
    assert sorted(v["cb-ubnd-xa"] for v in chosen.values()) == ["cb-xa-01273", "cb-xa-01279"]
