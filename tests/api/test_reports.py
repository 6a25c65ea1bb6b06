"""The report pages as a leader reaches them: II.06a with its charts and downloads, and who may see what."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api.conftest import web_login
from tests.helpers import APPLICANT, local


def test_ii06a_page_and_downloads(client, commands, staff, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set(local(2026, 2, 20, 9, 0))
    commands.receive(staff["one_stop"], "1.001806", APPLICANT, "online")
    clock.set(local(2026, 3, 2, 8, 0))
    web_login(client, "dir")
    page = client.get("/bao-cao/ii06a")
    assert page.status_code == 200
    assert "Tháng 3/2026" in page.text and "15/02/2026 – 14/03/2026" in page.text
    assert "Số hồ sơ nhận giải quyết" in page.text and "Từ kỳ trước chuyển qua" in page.text
    assert 'data-col="received_online">1<' in page.text and "<svg" in page.text
    xlsx = client.get("/bao-cao/ii06a.xlsx?kind=month&year=2026&number=3")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(xlsx.data)).active["D9"].value == 1  # online, total line
    pdf = client.get("/bao-cao/ii06a.pdf?kind=range&from=2026-02-01&to=2026-02-28")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Từ ngày 01/02/2026 đến ngày 28/02/2026" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert client.get("/bao-cao/ii06a.doc").status_code == 404


def test_who_sees_which_figures(client) -> None:  # type: ignore[no-untyped-def]
    web_login(client, "desk")
    assert client.get("/bao-cao/ii06a").status_code == 403
    client.get("/logout")
    web_login(client, "dir")
    other = client.get("/bao-cao/ii06a?agency=cb-so-noi-vu")
    assert other.status_code == 403 and "cơ quan mình" in other.text
    bad = client.get("/bao-cao/ii06a?kind=range&from=2026-13-01&to=2026-01-01")
    assert bad.status_code in (400, 422) and "không hợp lệ" in bad.text
    wrong = client.get("/bao-cao/ii06a?kind=week")
    assert wrong.status_code in (400, 422) and "Loại kỳ báo cáo không hợp lệ" in wrong.text


def test_an_analyst_sees_every_agency(client) -> None:  # type: ignore[no-untyped-def]
    web_login(client, "analyst")
    page = client.get("/bao-cao/ii06a?agency=cb-so-noi-vu")
    assert page.status_code == 200 and "Sở Nội vụ tỉnh Cao Bằng" in page.text
    assert "Tất cả cơ quan" in client.get("/bao-cao/ii06a").text


def _walked(commands, staff, clock):  # type: ignore[no-untyped-def]
    """Two dossiers of Sở Y tế: one returned (early), one waiting at its first step since long ago (overdue)."""
    from engine.simulate import Driver

    clock.set(local(2026, 2, 2, 9, 0))
    late = commands.receive(staff["one_stop"], "1.001806", {"name": "Trần Văn Đức", "phone": "0988111222"}, "direct")
    clock.set(local(2026, 2, 25, 9, 0))
    done = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "online")
    Driver(commands, staff).run(done)
    clock.set(local(2026, 3, 2, 8, 0))
    return late, done


def test_ledger_and_control_slip(client, commands, services, staff, clock) -> None:  # type: ignore[no-untyped-def]
    late, done = _walked(commands, staff, clock)
    web_login(client, "desk")
    page = client.get("/bao-cao/so-theo-doi?kind=range&from=2026-02-01&to=2026-02-28")
    assert page.status_code == 200 and "SỔ THEO DÕI HỒ SƠ" in page.text and "Mẫu 07 (Thông tư 03/2025/TT-VPCP)" in page.text
    assert page.text.index(late.code) < page.text.index(done.code) and "Q. 01/2026" in page.text
    slip = client.get(f"/bao-cao/phieu-kiem-soat/{done.code}")
    assert slip.status_code == 200 and "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in slip.text
    assert "Mẫu 06 (Thông tư 03/2025/TT-VPCP)" in slip.text and "Trước hạn" in slip.text
    with services.sessions() as session:
        from sqlalchemy import select

        from engine.storage.models import IssuedForm

        forms = {f.form: f for f in session.execute(select(IssuedForm).where(IssuedForm.dossier_id == done.id)).scalars()}
    assert forms["receipt"].content["ledger_serial"] == 2 and forms["receipt"].content["ledger_book"] == "01/2026"
    assert forms["control_slip"].form_number == "Mẫu 06" and forms["control_slip"].content["rows"]
    printed = client.get(f"/forms/{forms['receipt'].id}")
    assert "Quyển số: 01/2026 Số thứ tự: 2" in printed.text
    assert "PHIẾU KIỂM SOÁT" in client.get(f"/forms/{forms['control_slip'].id}").text
    web_login(client, "outsider")
    assert client.get(f"/bao-cao/phieu-kiem-soat/{done.code}").status_code == 404  # another agency: not found (issue 12)


def test_dashboard_search_indicators_and_public_page(client, commands, staff, clock) -> None:  # type: ignore[no-untyped-def]
    late, done = _walked(commands, staff, clock)
    web_login(client, "dir")
    board = client.get("/bao-cao/dieu-hanh")
    assert board.status_code == 200 and 'data-testid="kpi-overdue">1<' in board.text and late.code in board.text
    found = client.get("/bao-cao/tra-cuu?name=tran van duc")  # no diacritics, any case
    assert found.status_code == 200 and late.code in found.text and done.code not in found.text
    assert done.code in client.get("/bao-cao/tra-cuu?phone=0912345678").text
    assert late.code in client.get("/bao-cao/tra-cuu?code=" + late.code[:10]).text
    sheet = client.get("/bao-cao/tra-cuu.xlsx?status=returned")
    assert load_workbook(io.BytesIO(sheet.data)).active["B3"].value == done.code
    assert client.get("/bao-cao/tra-cuu?status=bogus").status_code in (400, 422)
    kpi = client.get("/bao-cao/chi-so-766?kind=range&from=2026-02-01&to=2026-03-01")
    assert kpi.status_code == 200 and "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn" in kpi.text
    assert "Không tính được" in kpi.text and "100.0%" in kpi.text
    client.get("/logout")
    public = client.get("/thong-ke/cb-so-y-te")
    assert public.status_code == 200 and 'data-testid="pub-resolved">1<' in public.text
    assert client.get("/thong-ke/khong-co").status_code == 404
