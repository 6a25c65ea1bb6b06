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
