"""A director downloads Biểu II.06a as Excel and PDF from the report page in Chromium; the files carry the figures."""

from __future__ import annotations

from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from engine import Actor, Commands
from tests.conftest import local
from tests.helpers import APPLICANT

pytestmark = pytest.mark.browser

DESK = Actor("e2e-desk", "one_stop", "cb-so-y-te")


def test_ii06a_downloads_open_with_the_figures(people: Any, server: Any, tmp_path: Any) -> None:
    commands = Commands(server.services)
    server.set_time(local(2026, 1, 6, 9, 0))  # a quiet past period of its own: 05/01/2026 – 09/01/2026
    commands.receive(DESK, "1.001806", APPLICANT, "online")
    commands.receive(DESK, "1.001806", APPLICANT, "direct")
    commands.refuse_intake(DESK, "1.001806", APPLICANT, ["Không thuộc thẩm quyền"])
    page = people("giamdoc")
    page.click("text=Báo cáo")
    page.click("text=Biểu II.06a")
    page.select_option("select[name=kind]", "range")
    page.fill("input[name=from]", "2026-01-05")
    page.fill("input[name=to]", "2026-01-09")
    page.click("[data-testid=period-form] button[type=submit], [data-testid=report-form] button[type=submit]")
    page.wait_for_url("**kind=range**")
    total = page.locator("tr[data-kind=total]")
    assert total.locator("td[data-col=received_total]").inner_text() == "2"
    assert total.locator("td[data-col=refused_intake]").inner_text() == "1"

    with page.expect_download() as xlsx_download:
        page.click("[data-testid=download-xlsx]")
    xlsx = tmp_path / "ii06a.xlsx"
    xlsx_download.value.save_as(xlsx)
    sheet = load_workbook(xlsx).active
    assert sheet["B9"].value == "Tổng cộng"
    assert [sheet.cell(9, c).value for c in range(3, 7)] == [2, 1, 1, 0]  # total, online, direct/postal, carried over
    assert sheet.cell(9, 18).value == 1  # refused at intake

    with page.expect_download() as pdf_download:
        page.click("[data-testid=download-pdf]")
    pdf = tmp_path / "ii06a.pdf"
    pdf_download.value.save_as(pdf)
    reader = PdfReader(pdf)
    text = reader.pages[0].extract_text()
    assert "Từ ngày 05/01/2026 đến ngày 09/01/2026" in text and "Sở Y tế tỉnh Cao Bằng" in text
    assert "Tổng cộng 2 1 1 0" in " ".join(text.split())
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # A4 landscape
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("DejaVu" in f for f in fonts), fonts  # embedded, Vietnamese glyphs


def test_staff_search_prints_the_chosen_slips_as_one_pdf(people: Any, server: Any, tmp_path: Any) -> None:
    commands = Commands(server.services)
    server.set_time(local(2026, 1, 13, 9, 0))
    person = APPLICANT | {"name": "Quách Thị Bảo Ngọc"}
    codes = [commands.receive(DESK, "1.001806", person, channel).code for channel in ("direct", "online", "postal")]
    page = people("giamdoc")
    page.goto(server.url + "/bao-cao/tra-cuu")
    page.fill("[data-testid=search-form] input[name=name]", "quach thi bao ngoc")  # no diacritics
    page.click("[data-testid=search-form] button[type=submit]")
    assert page.locator("[data-testid=search-count]").inner_text().startswith("3 hồ sơ")
    for code in codes[:2]:
        page.check(f"input[name=code][value='{code}']")
    page.select_option("[data-testid=print-slip]", "receipt")
    with page.expect_download() as chosen:
        page.click("[data-testid=print-selected]")
    pdf = tmp_path / "chosen.pdf"
    chosen.value.save_as(pdf)
    pages = [p.extract_text() for p in PdfReader(pdf).pages]
    text = "\n".join(pages)
    assert codes[0] in text and codes[1] in text and codes[2] not in text
    assert not any(codes[0] in t and codes[1] in t for t in pages)  # a page break between dossiers
    newest = next(i for i, t in enumerate(pages) if codes[1] in t)
    assert newest < next(i for i, t in enumerate(pages) if codes[0] in t)  # in the result's order, newest first

    page.select_option("[data-testid=print-slip]", "control_slip")
    with page.expect_download() as every:
        page.click("[data-testid=print-all]")
    pdf = tmp_path / "all.pdf"
    every.value.save_as(pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert all(code in text for code in codes) and text.count("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ") == 3

    page.goto(server.url + "/bao-cao/tra-cuu?name=quach+thi+bao+ngoc&per_page=2")  # pages of 2: the pager by cursor
    rows = "[data-testid=search-results] tbody input[name=code]"
    assert [page.locator(rows).nth(i).get_attribute("value") for i in range(page.locator(rows).count())] == codes[:0:-1]
    page.click("[data-testid=search-pager] >> text=Trang sau »")
    assert page.locator(rows).count() == 1 and page.locator(rows).first.get_attribute("value") == codes[0]
    assert "Trang 2 · 3 mục" in page.locator("[data-testid=search-pager]").inner_text()
    page.click("[data-testid=search-pager] >> text=« Trang trước")
    assert page.locator(rows).count() == 2 and page.locator("[data-testid=search-pager] >> text=« Trang trước").count() == 0
