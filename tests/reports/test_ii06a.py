"""Biểu II.06a on a small hand-made month: each edge by name, and the three files it is exported as."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from api.cli import cli
from engine.reports import exports, ii06a, service
from engine.reports.periods import current, period
from engine.simulate import Driver
from tests.helpers import AGENCY, APPLICANT, TZ, local

MARCH = period("month", 2026, 3)  # 15/02/2026 – 14/03/2026 (the Government Office's cut-off)


@pytest.fixture
def month(commands, services, staff, clock):  # type: ignore[no-untyped-def]
    """A: received 10/02, untouched (carried over, overdue). B: online at 17:30 on 14/03, the period's last day.
    C: received 02/03 and returned 03/03 (early). D: refused at intake on 05/03."""
    desk = staff["one_stop"]
    clock.set(local(2026, 2, 10, 9, 0))
    commands.receive(desk, "1.001806", APPLICANT, "direct")
    clock.set(local(2026, 3, 2, 8, 0))
    c = commands.receive(desk, "1.001806", APPLICANT, "postal")
    clock.set(local(2026, 3, 3, 9, 0))
    Driver(commands, staff).run(c)
    clock.set(local(2026, 3, 5, 9, 0))
    commands.refuse_intake(desk, "1.001806", APPLICANT, ["Không thuộc thẩm quyền"])
    clock.set(local(2026, 3, 14, 17, 30))
    commands.receive(desk, "1.001806", APPLICANT, "online")
    return services


def test_periods_close_on_the_14th() -> None:
    assert (MARCH.start, MARCH.end) == (date(2026, 2, 15), date(2026, 3, 14))
    assert (period("quarter", 2026, 1).start, period("quarter", 2026, 1).end) == (date(2025, 12, 15), date(2026, 3, 14))
    assert (period("half", 2026, 2).start, period("half", 2026, 2).end) == (date(2026, 6, 15), date(2026, 12, 14))
    assert (period("year", 2026).start, period("year", 2026).end) == (date(2025, 12, 15), date(2026, 12, 14))
    assert current("month", date(2026, 3, 15)).label == "Tháng 4/2026"
    assert period("month", 2026, 2, cutoff=False).end == date(2026, 2, 28)


def test_the_edges_of_a_month(month) -> None:  # type: ignore[no-untyped-def]
    with month.sessions() as session:
        conn = session.connection()
        march = ii06a.compute(conn, MARCH, TZ).total.figures
        april = ii06a.compute(conn, period("month", 2026, 4), TZ).total.figures
        other = ii06a.compute(conn, MARCH, TZ, "cb-so-noi-vu").total.figures
    assert {k: v for k, v in march.items() if v} == {
        "received_total": 3, "received_online": 1, "received_direct": 1, "carried_over": 1,
        "resolved_total": 1, "early": 1, "in_progress_total": 2, "within_time": 1, "overdue": 1, "refused_intake": 1,
    }
    assert april["carried_over"] == 2 and april["received_total"] == 2 and april["in_progress_total"] == 2
    assert not any(other.values())


def test_exports_carry_the_figures(month) -> None:  # type: ignore[no-untyped-def]
    report, rows, name = service.ii06a_report(month, AGENCY, start=MARCH.start, end=MARCH.end)
    assert name == "Sở Y tế tỉnh Cao Bằng" and [r.kind for r in rows][:3] == ["total", "level", "field"]
    assert rows[-1].label.startswith("1.001806 – ")

    book = load_workbook(io.BytesIO(exports.to_xlsx(report, rows, name)))
    sheet = book.active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A6:A7", "B6:B7", "C6:F6", "G6:J6", "K6:M6"} <= merged
    assert sheet["C6"].value == "Số hồ sơ nhận giải quyết" and sheet["D7"].value == "Trực tuyến"
    total = [c.value for c in sheet[9]]
    assert total[1] == "Tổng cộng" and total[2:13] == [3, 1, 1, 1, 1, 1, 0, 0, 2, 1, 1]

    text = PdfReader(io.BytesIO(exports.to_pdf(report, rows, name))).pages[0].extract_text()
    assert "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT" in text and "Tổng cộng" in text and "Sở Y tế tỉnh Cao Bằng" in text

    lines = list(csv.reader(io.StringIO(exports.to_csv(report, rows, name).decode("utf-8-sig"))))
    assert lines[6][:6] == ["", "Tổng cộng", "3", "1", "1", "1"]


def test_cli_writes_each_format(month, database, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", database.url.render_as_string(hide_password=False))
    runner = CliRunner()
    out = tmp_path / "march.xlsx"
    result = runner.invoke(cli, ["report", "ii06a", "--from", "2026-02-15", "--to", "2026-03-14", "--agency", AGENCY,
                                 "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active["C9"].value == 3
    pdf = tmp_path / "q1.pdf"
    result = runner.invoke(cli, ["report", "ii06a", "--period", "quarter", "--year", "2026", "--format", "pdf", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert "Quý 1/2026" in PdfReader(pdf).pages[0].extract_text()
    bad = runner.invoke(cli, ["report", "ii06a", "--from", "2026-03-14", "--to", "2026-02-15", "--format", "csv", "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code != 0 and "ngày kết thúc 15/02/2026 trước ngày bắt đầu 14/03/2026" in bad.output


def test_rebuilding_from_the_audit_log_gives_the_same_figures(month) -> None:  # type: ignore[no-untyped-def]
    from engine.reports.facts import rebuild

    with month.sessions() as session:
        conn = session.connection()
        before = [ii06a.compute(conn, p, TZ).rows for p in (MARCH, period("month", 2026, 4))]
        assert rebuild(conn, TZ) == 4
        after = [ii06a.compute(conn, p, TZ).rows for p in (MARCH, period("month", 2026, 4))]
        session.rollback()
    assert after == before and before[0]
