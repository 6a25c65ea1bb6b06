"""Bulk printing of slips from staff search, over real HTTP (the app served on 127.0.0.1), on SQLite and PostgreSQL:
one PDF with a page break between dossiers, only dossiers the user may see, bounded, errors in Vietnamese."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from pypdf import PdfReader
from werkzeug.serving import make_server

from api import create_app
from engine.simulate import Driver
from tests.api.conftest import PASSWORD, add_staff, csrf_of
from tests.helpers import APPLICANT, local
from tests.reports.mix import desk, procedure_of

OTHER = "cb-so-noi-vu"  # the agency of the 'outsider' account (tests/api/conftest.py)


@pytest.fixture
def base_url(services: Any) -> Iterator[str]:
    add_staff(services, services.now())
    app = create_app({"SECRET_KEY": "print-secret"}, services=services)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


def signed_in(base_url: str, uid: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=30)
    answer = http.post(f"{base_url}/login", data={"username": uid, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                       allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text
    return http


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def first_page(pages: list[str], code: str) -> int:
    return next(i for i, text in enumerate(pages) if code in text)


@pytest.fixture
def dossiers(commands: Any, staff: Any, clock: Any) -> dict[str, Any]:
    """Sở Y tế: one returned (receipt and filed control slip), one open, one refused at the desk (no receipt);
    another agency: one open (not Sở Y tế's to print)."""
    clock.set(local(2026, 2, 24, 9, 0))
    done = commands.receive(staff["one_stop"], "1.001806", {"name": "Trần Văn Đức", "phone": "0988111222"}, "direct")
    Driver(commands, staff).run(done)
    clock.set(local(2026, 2, 26, 9, 0))
    open_ = commands.receive(staff["one_stop"], "1.001806", APPLICANT, "online")
    refused = commands.refuse_intake(staff["one_stop"], "1.001806", APPLICANT, ["Không thuộc thẩm quyền"])
    other = commands.receive(desk(OTHER), procedure_of(commands, OTHER), APPLICANT, "direct")
    clock.set(local(2026, 3, 2, 8, 0))
    return {"done": done.code, "open": open_.code, "refused": refused.code, "other": other.code}


def test_print_the_chosen_dossiers_receipts_as_one_pdf(base_url, dossiers) -> None:  # type: ignore[no-untyped-def]
    http = signed_in(base_url, "dir")
    found = http.get(f"{base_url}/bao-cao/tra-cuu?procedure=1.001806", timeout=30)
    assert found.status_code == 200 and 'data-testid="print-form"' in found.text
    assert f'name="code" value="{dossiers["done"]}"' in found.text
    pdf = http.get(f"{base_url}/bao-cao/tra-cuu/in-phieu",
                   params={"code": [dossiers["open"], dossiers["done"]], "slip": "receipt"}, timeout=120)
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["Content-Type"] == "application/pdf" and "attachment" in pdf.headers["Content-Disposition"]
    pages = pages_of(pdf.content)
    assert all("GIẤY TIẾP NHẬN HỒ SƠ" in p.upper() for p in pages[:1])
    # In the order chosen, each dossier on pages of its own (a page break between dossiers).
    first, second = first_page(pages, dossiers["open"]), first_page(pages, dossiers["done"])
    assert first < second
    assert dossiers["done"] not in "".join(pages[:second]) and dossiers["open"] not in "".join(pages[second:])


def test_print_control_slips_and_every_result(base_url, dossiers) -> None:  # type: ignore[no-untyped-def]
    http = signed_in(base_url, "dir")
    # A control slip is drawn for a dossier still open (filed only at closing) and taken as filed for the returned one.
    pdf = http.get(f"{base_url}/bao-cao/tra-cuu/in-phieu",
                   params={"code": [dossiers["done"], dossiers["open"]], "slip": "control_slip"}, timeout=120)
    assert pdf.status_code == 200, pdf.text
    text = "\n".join(pages_of(pdf.content))
    assert text.count("PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ") == 2
    assert dossiers["done"] in text and dossiers["open"] in text
    # Every dossier of the result, with every form issued: the refused one prints its refusal (Mẫu 03).
    every = http.get(f"{base_url}/bao-cao/tra-cuu/in-phieu",
                     params={"all": "1", "q_procedure": "1.001806", "slip": "all"}, timeout=120)
    assert every.status_code == 200, every.text
    pages = pages_of(every.content)
    text = "\n".join(pages)
    for key in ("done", "open", "refused"):
        assert dossiers[key] in text, key
    assert dossiers["other"] not in text
    assert "TỪ CHỐI" in text.upper() and len(pages) >= 4
    # The printable page: the same sheets with page breaks, for the browser's own print.
    page = http.get(f"{base_url}/bao-cao/tra-cuu/in-phieu",
                    params={"code": [dossiers["refused"], dossiers["open"]], "slip": "receipt", "format": "html"}, timeout=60)
    assert page.status_code == 200 and "/static/print-bulk.css" in page.text and "<style" not in page.text
    assert "break-before: page" in http.get(f"{base_url}/static/print-bulk.css", timeout=30).text  # a page per dossier
    assert f'data-code="{dossiers["refused"]}"' in page.text and "chưa có giấy tiếp nhận" in page.text
    assert 'data-testid="slip-code">' + dossiers["open"] in page.text


def test_only_what_the_user_may_see_and_at_most_500(base_url, dossiers) -> None:  # type: ignore[no-untyped-def]
    director = signed_in(base_url, "dir")
    url = f"{base_url}/bao-cao/tra-cuu/in-phieu"
    hidden = director.get(url, params={"code": [dossiers["open"], dossiers["other"]]}, timeout=30)
    # another agency's dossier answers as an unknown one does (issue 12): nothing says it exists
    assert hidden.status_code == 404 and f"Không có hồ sơ {dossiers['other']}" in hidden.text
    assert "%PDF" not in hidden.text
    unknown = director.get(url, params={"code": "KHONG-CO-0001"}, timeout=30)
    assert unknown.status_code == 404 and "Không có hồ sơ KHONG-CO-0001" in unknown.text
    none = director.get(url, timeout=30)
    assert none.status_code in (400, 422) and "Chưa chọn hồ sơ nào" in none.text
    many = director.get(url, params={"code": [f"X-{i}" for i in range(501)], "format": "html"}, timeout=30)
    assert many.status_code in (400, 422) and "tối đa 500 hồ sơ" in many.text
    heavy = director.get(url, params={"code": [f"X-{i}" for i in range(51)]}, timeout=30)
    assert heavy.status_code in (400, 422) and "PDF in tối đa 50 hồ sơ" in heavy.text and "Trang in (HTML)" in heavy.text
    wrong = director.get(url, params={"code": dossiers["open"], "slip": "bogus"}, timeout=30)
    assert wrong.status_code in (400, 422) and "Loại phiếu &#39;bogus&#39; không có" in wrong.text
    outsider = signed_in(base_url, "outsider")
    assert outsider.get(url, params={"code": dossiers["open"]}, timeout=30).status_code == 404
    mine = outsider.get(url, params={"code": dossiers["other"], "format": "html"}, timeout=30)
    assert mine.status_code == 200 and dossiers["other"] in mine.text
    assert requests.get(url, params={"code": dossiers["open"]}, allow_redirects=False, timeout=30).status_code in (302, 401)
