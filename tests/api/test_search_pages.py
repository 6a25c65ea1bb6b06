"""Staff search in pages, over real HTTP (the app served on 127.0.0.1), on SQLite and PostgreSQL: newest first,
"Trang sau / Trang trước" by keyset cursor, the count capped as the dossier lists' is, and the Excel export and
"print every result" keeping their own bound and saying so."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from openpyxl import load_workbook

from engine.reports import printing, search
from tests.api.test_print_slips import base_url, signed_in  # noqa: F401 (base_url: a fixture)
from tests.helpers import APPLICANT, local
from tests.reports.mix import desk, procedure_of

NAME = "Khổng Thị Bích Ngọc"


@pytest.fixture
def seven(commands: Any, clock: Any) -> list[str]:
    """Seven dossiers of one applicant at Sở Y tế, newest first (two filed at the same moment: the id breaks the
    tie), and two at Sở Nội vụ that the Sở Y tế director may not see."""
    person = APPLICANT | {"name": NAME, "phone": "0966000777"}
    other = procedure_of(commands, "cb-so-noi-vu")
    codes = []
    clock.set(local(2026, 2, 2, 8, 0))
    for i in range(7):
        if i != 4:
            clock.set(clock.now() + timedelta(hours=5))
        codes.append(commands.receive(desk("cb-so-y-te"), "1.001806", person, "direct").code)
        if i in (2, 5):
            commands.receive(desk("cb-so-noi-vu"), other, person, "direct")
    clock.set(local(2026, 3, 2, 8, 0))
    return list(reversed(codes))


def codes_on(page: requests.Response) -> list[str]:
    assert page.status_code == 200, page.text[:500]
    table = page.text.split('data-testid="search-results"')[1].split("</table>")[0]
    return re.findall(r'name="code" value="([^"]+)"', table)


def link(page: requests.Response, label: str) -> str | None:
    pager = page.text.split('data-testid="search-pager"')[1].split("</div>")[0]
    found = re.search(r'<a href="([^"]+)">[^<]*' + re.escape(label), pager)
    return html.unescape(found.group(1)) if found else None


def count_of(page: requests.Response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page.text.split('data-testid="search-count">')[1].split("</p>")[0])).strip()


@pytest.mark.parametrize("query", ["name=khong thi bich ngoc", "phone=0966000777", "procedure=1.001806"])
def test_pages_forward_and_back_by_cursor(base_url, seven, query) -> None:  # noqa: F811
    http = signed_in(base_url, "dir")
    first = http.get(f"{base_url}/bao-cao/tra-cuu?{query}&per_page=3", timeout=30)
    assert codes_on(first) == seven[:3]
    assert count_of(first).startswith("7 hồ sơ, mới nhất trước, 3 hồ sơ một trang")
    assert link(first, "Trang trước") is None and "Trang 1 · 7 mục" in first.text
    second = http.get(base_url + link(first, "Trang sau"), timeout=30)
    assert codes_on(second) == seven[3:6] and "Trang 2 · 7 mục" in second.text
    third = http.get(base_url + link(second, "Trang sau"), timeout=30)
    assert codes_on(third) == seven[6:] and link(third, "Trang sau") is None
    back = http.get(base_url + link(third, "Trang trước"), timeout=30)
    assert codes_on(back) == seven[3:6]
    home = http.get(base_url + link(back, "Trang trước"), timeout=30)
    assert codes_on(home) == seven[:3] and link(home, "Trang trước") is None and link(home, "Trang sau")
    default = http.get(f"{base_url}/bao-cao/tra-cuu?{query}", timeout=30)  # 50 a page: all seven, no pager links
    assert codes_on(default) == seven and link(default, "Trang sau") is None and link(default, "Trang trước") is None
    assert count_of(default).startswith("7 hồ sơ, mới nhất trước, 50 hồ sơ một trang")  # the page holds them all: not counted again
    assert 'data-testid="search-bounds"' not in default.text and "Xuất Excel</a>" in default.text


def test_count_capped_and_the_bounds_of_excel_and_print_all(base_url, seven, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(search, "COUNT_CAP", 4)  # the page counts up to 4, "hơn 4" beyond
    monkeypatch.setattr(search, "LIMIT", 5)  # Excel: the 5 newest
    monkeypatch.setattr(printing, "MAX_DOSSIERS", 5)  # print every result: the 5 newest
    http = signed_in(base_url, "dir")
    page = http.get(f"{base_url}/bao-cao/tra-cuu?name=KHỔNG&per_page=2", timeout=30)
    assert codes_on(page) == seven[:2] and count_of(page).startswith("hơn 4 hồ sơ (không đếm hết)")
    assert "Trang 1 · hơn 4 mục (không đếm hết)" in page.text
    bounds = page.text.split('data-testid="search-bounds">')[1].split("</p>")[0]
    assert "chỉ gồm 5 hồ sơ mới nhất" in bounds and "Xuất Excel (5 hồ sơ mới nhất)" in page.text
    seen = codes_on(page)
    while (after := link(page, "Trang sau")) is not None:  # the cursor goes past the count's cap
        page = http.get(base_url + after, timeout=30)
        seen += codes_on(page)
    assert seen == seven

    sheet = load_workbook(io.BytesIO(http.get(f"{base_url}/bao-cao/tra-cuu.xlsx?name=KHỔNG", timeout=30).content)).active
    assert [sheet.cell(row, 2).value for row in range(3, sheet.max_row + 1)] == seven[:5]
    assert sheet["C1"].value.startswith("Chỉ gồm 5 hồ sơ mới nhất (tối đa 5 hồ sơ một tệp)")
    printed = http.get(f"{base_url}/bao-cao/tra-cuu/in-phieu", params={"all": "1", "q_name": "KHỔNG", "format": "html"}, timeout=60)
    assert printed.status_code == 200
    assert [code for code in seven if code in printed.text] == seven[:5]

    monkeypatch.setattr(search, "COUNT_CAP", 7)  # counted (page 1 of 2), exactly 7
    monkeypatch.setattr(search, "LIMIT", 500)
    exact = http.get(f"{base_url}/bao-cao/tra-cuu?name=KHỔNG&per_page=5", timeout=30)
    assert count_of(exact).startswith("7 hồ sơ") and 'data-testid="search-bounds"' not in exact.text
    assert load_workbook(io.BytesIO(http.get(f"{base_url}/bao-cao/tra-cuu.xlsx?name=KHỔNG", timeout=30).content)).active["C1"].value == "7 hồ sơ"


def test_what_the_user_may_see_and_bad_paging(base_url, seven) -> None:  # noqa: F811
    outsider = signed_in(base_url, "outsider")  # Sở Nội vụ: its own two only
    theirs = outsider.get(f"{base_url}/bao-cao/tra-cuu?phone=0966000777&per_page=1", timeout=30)
    assert len(codes_on(theirs)) == 1 and count_of(theirs).startswith("2 hồ sơ") and not set(codes_on(theirs)) & set(seven)
    http = signed_in(base_url, "dir")
    url = f"{base_url}/bao-cao/tra-cuu?name=ngoc"
    for bad, words in (("&after=abc", "Con trỏ trang 'after' không hợp lệ"), ("&before=1.x", "Con trỏ trang 'before' không hợp lệ"),
                       ("&after=1.2&before=1.2", "Chỉ dùng một trong 'after' và 'before'"),
                       ("&per_page=mot", "Tham số 'per_page' phải là số nguyên"), ("&page=-1", "Tham số 'page' phải từ 1"),
                       ("&page=%C2%B3", "Tham số 'page' phải là số nguyên"),  # '³' is a digit to str.isdigit(), not to int()
                       ("&page=99999999999", "Tham số 'page' phải từ 1"),
                       ("&page=500", "quá xa để mở theo số trang")):
        answer = http.get(url + bad, timeout=30)
        assert answer.status_code in (400, 422) and words in html.unescape(answer.text), (bad, answer.status_code)
    by_number = http.get(url + "&per_page=3&page=2", timeout=30)  # the first pages also by number, as the lists
    assert codes_on(by_number) == seven[3:6] and link(by_number, "Trang trước") and link(by_number, "Trang sau")
