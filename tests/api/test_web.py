"""Staff and public pages through Flask's test client: login, CSRF, inbox, intake, dossier, slips, public pages."""

from __future__ import annotations

import re

from tests.helpers import audit_count as _events

from .conftest import PASSWORD, csrf_of, web_login

APPLICANT = {"applicant_name": "Nguyễn Văn An", "applicant_id_number": "004095001234", "channel": "direct"}


def intake(client, csrf, decision="receive", **extra):  # type: ignore[no-untyped-def]
    data = {"csrf_token": csrf, "procedure": "1.001806", "decision": decision, **APPLICANT,
            "other_name_1": "Văn bản đề nghị công nhận", "other_orig_1": "1", "other_copy_1": "0"} | extra
    return client.post("/intake", data=data)


def test_login_logout_and_wrong_password(client):  # type: ignore[no-untyped-def]
    assert client.get("/inbox").status_code == 302
    page = client.get("/login")
    assert "Đăng nhập cán bộ" in page.text
    bad = client.post("/login", data={"username": "desk", "password": "sai", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in bad.text
    csrf = web_login(client, "desk")
    assert "Nguyễn Thị Mai" in client.get("/inbox").text
    client.post("/logout", data={"csrf_token": csrf})
    assert client.get("/inbox").status_code == 302


def test_post_without_csrf_is_rejected_and_changes_nothing(client, services):  # type: ignore[no-untyped-def]
    web_login(client, "desk")
    before = _events(services)
    response = intake(client, "forged")
    assert response.status_code == 400 and "CSRF" in response.text
    assert _events(services) == before
    assert client.post("/login", data={"username": "desk", "password": PASSWORD}).status_code == 400


def test_intake_receive_prints_receipt_with_due_time_and_qr(client, services):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    page = client.get("/intake?q=nguoi khuyet tat")
    assert "1.001806" in page.text
    form = client.get("/intake?procedure=1.001806")
    assert "Tiếp nhận, lập giấy tiếp nhận" in form.text and "đang cập nhật" in form.text
    response = intake(client, csrf)
    assert response.status_code == 302 and "/forms/" in response.location
    slip = client.get(response.location)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in slip.text and "Mẫu 01" in slip.text
    assert "08 giờ 00 phút, ngày 16/03/2026" in slip.text  # 10 working days from Mon 02/03/2026 08:00
    assert "<svg" in slip.text and "/tra-cuu/CB.SYT-260302-" in slip.text
    assert "Văn bản đề nghị công nhận" in slip.text


def test_intake_refusal_and_supplement_slips(client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    refused = client.get(intake(client, csrf, "refuse", reasons="Không thuộc thẩm quyền\nThiếu đơn").location)
    assert "PHIẾU TỪ CHỐI" in refused.text and "Không thuộc thẩm quyền" in refused.text and "Mẫu 03" in refused.text
    supplement = client.get(intake(client, csrf, "supplement", missing="Danh sách lao động").location)
    assert "Mẫu 02" in supplement.text and "Danh sách lao động" in supplement.text
    missing = intake(client, csrf, "refuse", reasons="")
    assert missing.status_code == 400 and "Thiếu lý do từ chối" in missing.text


def test_intake_forbidden_for_other_roles(client):  # type: ignore[no-untyped-def]
    web_login(client, "spec")
    page = client.get("/intake")
    assert page.status_code == 403 and "không được dùng chức năng này" in page.text


def _receive(client, csrf) -> str:  # type: ignore[no-untyped-def]
    slip = client.get(intake(client, csrf).location)
    return re.search(r'data-testid="slip-code">([^<]+)<', slip.text).group(1)


def test_dossier_page_actions_timeline_and_diagram(app, client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    page = client.get(f"/dossiers/{code}")
    assert page.status_code == 200 and "Đã tiếp nhận" in page.text
    assert "Hồ sơ đầy đủ, chính xác" in page.text and "Nhận xử lý" in page.text
    assert "bpmn-navigated-viewer.production.min.js" in page.text and 'data-current="intake"' in page.text
    assert "Tiếp nhận hồ sơ</b> — Nguyễn Thị Mai" in page.text
    xml = client.get(f"/dossiers/{code}/bpmn.xml")
    assert xml.status_code == 200 and b'<bpmn:userTask id="intake"' in xml.data
    task_id = re.search(r'/tasks/(\d+)/complete', page.text).group(1)
    version = re.search(r'name="expected_version" value="(\d+)"', page.text).group(1)
    missing = client.post(f"/tasks/{task_id}/complete", data={"csrf_token": csrf, "dossier": code, "outcome": "done",
                                                              "expected_version": version}, follow_redirects=True)
    assert "Chưa xác nhận các nội dung kiểm tra bắt buộc" in missing.text
    done = client.post(f"/tasks/{task_id}/complete", data={"csrf_token": csrf, "dossier": code, "outcome": "done",
                                                           "checkpoints": ["complete", "scanned_signed"],
                                                           "expected_version": version}, follow_redirects=True)
    assert "Đang xử lý" in done.text and 'data-current="assign"' in done.text
    again = client.post(f"/tasks/{task_id}/complete", data={"csrf_token": csrf, "dossier": code, "outcome": "done",
                                                            "checkpoints": ["complete", "scanned_signed"],
                                                            "expected_version": version}, follow_redirects=True)
    assert "đã thay đổi kể từ khi bạn mở nó" in again.text or "đã được" in again.text
    assert app.static_folder and client.get("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js").status_code == 200


def test_division_steps_on_inbox_and_dossier_pages(app, client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    page = client.get(f"/dossiers/{code}")
    task_id = re.search(r'/tasks/(\d+)/complete', page.text).group(1)
    client.post(f"/tasks/{task_id}/complete", data={"csrf_token": csrf, "dossier": code, "outcome": "done",
                                                    "checkpoints": ["complete", "scanned_signed"]})
    head = app.test_client()
    web_login(head, "head")
    inbox = head.get("/inbox").text
    assert code in inbox and '<small class="division">Phòng Bảo trợ xã hội và Trẻ em</small>' in inbox
    assert "Phòng Bảo trợ xã hội và Trẻ em" in head.get("/inbox").text.split('data-testid="current-user"')[1].split("</a>")[0]
    mine = head.get(f"/dossiers/{code}").text
    assert 'data-testid="claim"' in mine and '<p class="muted division">Phòng Bảo trợ xã hội và Trẻ em</p>' in mine
    assert 'Lãnh đạo phòng<br><small class="division">Phòng Bảo trợ xã hội và Trẻ em</small>' in mine
    # A division head in no division sees the dossier of the agency, but neither the step in the inbox nor its action.
    other = app.test_client()
    other_csrf = web_login(other, "head_nodiv")
    assert code not in other.get("/inbox").text
    theirs = other.get(f"/dossiers/{code}")
    assert theirs.status_code == 200 and 'data-testid="claim"' not in theirs.text
    assign_id = re.search(r'/tasks/(\d+)/claim', mine).group(1)
    refused = other.post(f"/tasks/{assign_id}/claim", data={"csrf_token": other_csrf, "dossier": code}, follow_redirects=True)
    assert "thuộc Phòng Bảo trợ xã hội và Trẻ em" in refused.text


def test_other_agency_gets_404_on_dossier_and_slip(app, client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    slip_url = intake(client, csrf).location
    code = re.search(r'data-testid="slip-code">([^<]+)<', client.get(slip_url).text).group(1)
    other = app.test_client()
    web_login(other, "outsider")
    page = other.get(f"/dossiers/{code}")
    assert page.status_code == 404 and "Không có hồ sơ" in page.text  # as if it did not exist (issue 12)
    assert other.get(slip_url).status_code == 404
    assert other.get(f"/dossiers/{code}/bpmn.xml").status_code == 404


def test_inbox_sorted_with_colours_and_filters(client, clock):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    first = _receive(client, csrf)
    clock.advance(hours=3)
    second = _receive(client, csrf)
    page = client.get("/inbox")
    assert page.text.index(first) < page.text.index(second)
    assert "due-soon" in page.text or "due-overdue" in page.text  # intake steps are due within the day
    clock.advance(days=1)
    assert "Quá hạn" in client.get("/inbox").text
    assert first not in client.get("/inbox?procedure=1.004946").text
    assert first in client.get("/inbox?status=received").text
    assert first not in client.get("/inbox?scope=mine").text


def test_dossier_list_page(client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    assert code in client.get("/dossiers").text
    assert code not in client.get("/dossiers?status=returned").text


def test_public_listing_search_and_procedure_page(client):  # type: ignore[no-untyped-def]
    page = client.get("/cong-khai/thu-tuc?q=tre em")
    assert page.status_code == 200 and "1.004946" in page.text and "đang cập nhật" in page.text
    assert "1.001806" not in page.text
    detail = client.get("/cong-khai/thu-tuc/1.001806")
    assert "10 ngày làm việc" in detail.text and "Phân công thụ lý hồ sơ" in detail.text
    assert client.get("/cong-khai/thu-tuc/9.999999").status_code == 404


def test_public_status_masks_the_applicant(app, client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    public = app.test_client()
    for form in (public.get(f"/tra-cuu?ma={code}"), public.get(f"/tra-cuu/{code}")):  # the receipt's QR code: the form
        assert form.status_code == 200 and f'value="{code}"' in form.text and "N***** V** A*" not in form.text
    page = public.post("/tra-cuu", data={"ma": code, "so": "1234"})  # no phone given: the identity number's last 4
    assert page.status_code == 200 and "N***** V** A*" in page.text and "Đã tiếp nhận" in page.text
    assert "Nguyễn Văn An" not in page.text and "004095001234" not in page.text
    missing = public.post("/tra-cuu", data={"ma": "KHONG-CO", "so": "5678"})
    assert missing.status_code == 404 and "Không tìm thấy hồ sơ với mã và 4 số cuối" in missing.text
    for wrong in ({"ma": code}, {"ma": code, "so": "0000"}, {"ma": code, "so": "\x00"}):  # no digits, wrong ones
        refused = public.post("/tra-cuu", data=wrong)
        expected = 400 if "\x00" in wrong.get("so", "") else 404  # a control character is refused before the view
        assert refused.status_code == expected and "N***** V** A*" not in refused.text and "Đã tiếp nhận" not in refused.text
    assert public.get("/tra-cuu/KHONG-CO").status_code == 200  # the form says nothing about whether a code exists


def test_withdraw_extend_refuse_and_their_slips(app, client, clock):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    extended = client.post(f"/dossiers/{code}/extension", data={"csrf_token": csrf, "new_date": "2026-03-20",
                                                                "new_time": "16:00", "reason": "Cần xác minh thêm"},
                           follow_redirects=True)
    assert "Đã lập phiếu xin lỗi" in extended.text and "16:00 20/03/2026" in extended.text
    apology = re.search(r'href="(/forms/\d+)"[^>]*data-form="apology"', extended.text).group(1)
    slip = client.get(apology).text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in slip and "16 giờ 00 phút, ngày 20/03/2026" in slip
    twice = client.post(f"/dossiers/{code}/extension", data={"csrf_token": csrf, "new_date": "2026-03-25",
                                                             "reason": "lần hai"}, follow_redirects=True)
    assert "không được hẹn lại lần nữa" in twice.text
    stopped = client.post(f"/dossiers/{code}/withdrawal", data={"csrf_token": csrf, "reason": "Công dân xin rút"},
                          follow_redirects=True)
    assert "Dừng xử lý" in stopped.text
    stop_slip = re.search(r'href="(/forms/\d+)"[^>]*data-form="stop_notice"', stopped.text).group(1)
    assert "dừng giải quyết hồ sơ" in client.get(stop_slip).text

    other = _receive(client, csrf)
    page = client.get(f"/dossiers/{other}")
    task_id = re.search(r'/tasks/(\d+)/complete', page.text).group(1)
    client.post(f"/tasks/{task_id}/complete", data={"csrf_token": csrf, "dossier": other, "outcome": "done",
                                                    "checkpoints": ["complete", "scanned_signed"]})
    head = app.test_client()
    head_csrf = web_login(head, "dir")  # only the head of the agency refuses directly
    refused = head.post(f"/dossiers/{other}/refusal", data={"csrf_token": head_csrf, "reasons": "Không đủ điều kiện"},
                        follow_redirects=True)
    assert "Đã từ chối giải quyết" in refused.text and "Đã xử lý xong" in refused.text
    returned = client.post(f"/dossiers/{other}/return", data={"csrf_token": csrf}, follow_redirects=True)
    assert "Đã trả kết quả" in returned.text or "Trả kết quả cho công dân" in returned.text


def test_read_only_roles_see_but_cannot_act(app, client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    code = _receive(client, csrf)
    iso = app.test_client()
    web_login(iso, "iso")
    page = iso.get(f"/dossiers/{code}")
    assert page.status_code == 200 and 'data-testid="no-actions"' in page.text


def test_intake_asks_for_the_case_of_a_procedure_with_several(client):  # type: ignore[no-untyped-def]
    csrf = web_login(client, "desk")
    form = client.get("/intake?procedure=1.013814")
    assert 'name="variant"' in form.text and "Trường hợp" in form.text
    variant = re.search(r'name="variant" value="([^"]+)"', form.text).group(1)
    missing = intake(client, csrf, procedure="1.013814")
    assert missing.status_code == 422 and "nhiều trường hợp" in missing.text
    done = intake(client, csrf, procedure="1.013814", variant=variant)
    assert done.status_code == 302
    page = client.get(done.location.replace("/forms/", "/forms/"))
    code = re.search(r'data-testid="slip-code">([^<]+)<', page.text).group(1)
    assert "Trường hợp:" in client.get(f"/dossiers/{code}").text


def test_listing_puts_the_whole_phrase_first_and_shows_each_case(client):  # type: ignore[no-untyped-def]
    page = client.get("/cong-khai/thu-tuc?q=tro cap uu dai&per_page=100").text
    rows = re.findall(r'<td><a href="/cong-khai/thu-tuc/([0-9.]+)">', page)
    assert len(rows) > 1, "no result"
    first = client.get(f"/cong-khai/thu-tuc/{rows[0]}").text
    assert "trợ cấp ưu đãi" in first.lower()
    detail = client.get("/cong-khai/thu-tuc/1.013814").text
    assert "5 ngày làm việc" in detail and "10 ngày làm việc" in detail
