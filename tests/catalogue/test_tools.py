"""The analyst's tools: the national-portal importer, diff, the public listing and its search, the CLI."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from api.cli import cli
from engine.decisions import replay
from engine.definitions import load_catalog
from engine.definitions.diff import diff_catalogues, diff_definitions
from engine.definitions.importers.dvcqg import convert, import_path
from engine.listing import UPDATING, fold, listing, search
from tests.data import portal_record, write_portal_records
from tests.helpers import WORKFLOWS

AGENCIES = {"province": "cb-ubnd-tinh", "commune": "cb-ubnd-xa", "central": "tw-bo-nganh"}


# ---------------------------------------------------------------- importer


def test_importer_converts_all_402_records(tmp_path: Path, portal_details: Path) -> None:
    catalog = load_catalog(WORKFLOWS)
    out = tmp_path / "procedures"
    results = import_path(portal_details, AGENCIES, catalog.context(), out)
    assert len(results) == 402
    assert [str(p) for r in results for p in r.errors] == []
    assert all(r.target is not None and r.target.is_file() for r in results)
    # What `motcua validate DIR` does: every produced file validates (warnings allowed).
    produced = load_catalog(WORKFLOWS, [out])
    assert not produced.errors, "\n".join(map(str, produced.errors[:10]))
    assert len(produced.procedures) == 402
    # Nothing silently dropped: what was not mapped is listed in the file itself.
    sample = next(r for r in results if r.code == "1.000808")
    text = sample.target.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "150 USD" in text and "Chưa chuyển được" in text


def test_importer_maps_the_labour_record_exactly() -> None:
    record = portal_record("2.001955")
    data, unmapped = convert(record, AGENCIES)
    assert (data["code"], data["name"], data["field"], data["level"]) == (
        "2.001955", "Đăng ký nội quy lao động của doanh nghiệp", "lao-dong-tien-luong", "province")
    assert data["channels"] == ["direct", "postal", "online"] and data["online"] == {"mode": "full"}
    assert data["deadline"] == {"working_days": 7} and "channel_times" not in data
    # The portal says 0 with no currency: not "không thu", an amount still to be confirmed.
    assert data["fees"] == [{"name": "Lệ phí", "amount": None, "note": "nguồn ghi 0 (không có đơn vị tiền tệ): mức phí đang cập nhật"}]
    assert [(d["id"], d["originals"], d["copies"]) for d in data["documents"]] == [
        ("d01", 1, 0), ("d02", 1, 0), ("d03", 1, 0), ("d04", 1, 0)]
    assert data["documents"][0]["name"] == "Nội quy lao động"
    assert len(data["legal_basis"]) == 6 and data["legal_basis"][0].startswith("145/2020/NĐ-CP: ")
    assert data["published_by"] == {"decision": "628/QĐ-BNV", "date": "2025-06-20", "issuer": "Bộ Nội vụ"}
    assert data["unconfirmed"] == ["route", "fees"]
    assert any("nhiều cấp" in u for u in unmapped) and any("yêu cầu, điều kiện" in u for u in unmapped)


def test_importer_lists_times_it_cannot_map() -> None:
    record = portal_record("2.001955")  # a copy of its own
    methods = record["data"]["executionMethods"]
    methods[0]["processingTime"], methods[0]["processingTimeUnit"] = "Theo mô tả", "OTHER"
    methods[1]["processingTime"], methods[1]["processingTimeUnit"] = 5, "WORKING_DAY"
    data, unmapped = convert(record, AGENCIES)
    assert data["deadline"] == {"working_days": 7}
    assert data["channel_times"] == {"direct": {"working_days": 7}, "postal": {"working_days": 5}}
    assert any("Theo mô tả" in u for u in unmapped)
    for method in methods:
        method["processingTime"], method["processingTimeUnit"] = 2, "MONTH"
    data, unmapped = convert(record, AGENCIES)  # the one case's own time is the time the source gives
    assert data["deadline"] == {"working_days": 7} and "deadline" not in data["unconfirmed"]
    assert sum("MONTH" in u for u in unmapped) == 3
    record["data"]["cases"] = []
    data, unmapped = convert(record, AGENCIES)
    assert "deadline" in data["unconfirmed"] and data["deadline"]["note"].startswith("Giá trị tạm")


def test_cli_import(tmp_path: Path) -> None:
    source = write_portal_records(tmp_path / "details", ["2.001955"]) / "2.001955.json"
    result = CliRunner().invoke(cli, ["import", "dvcqg", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "out" / "lao-dong-tien-luong" / "2.001955.yaml"
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["deadline"] == {"working_days": 7}
    assert "chưa chuyển được" in result.output


# ---------------------------------------------------------------- diff


def test_diff_definitions_names_every_kind_of_change() -> None:
    a = yaml.safe_load((WORKFLOWS / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml").read_text(encoding="utf-8"))
    b = copy.deepcopy(a)
    b["deadline"] = {"working_days": 9}
    appraise = next(s for s in b["route"] if s["id"] == "appraise")
    appraise["allowance"] = {"working_days": 6}
    appraise["role"] = "division_head"
    b["route"] = [s for s in b["route"] if s["id"] != "register"]
    b["documents"] = [{"id": "don", "name": "Đơn đề nghị", "originals": 1, "copies": 0}]
    b["fees"] = [{"name": "Lệ phí", "amount": 50000}]
    b["channels"] = ["direct", "online"]
    b["online"] = {"mode": "partial", "legacy_level": 3}
    b["legal_basis"] = ["Nghị định 28/2012/NĐ-CP"]
    lines = diff_definitions(a, b)
    expected = [
        "Thời hạn giải quyết: 10 ngày làm việc → 9 ngày làm việc",
        "Bỏ bước 'register' (Vào sổ văn bản, đóng dấu, chuyển kết quả cho TTPVHCC, Văn thư (clerk), 0,5 ngày làm việc)",
        "Bước 'appraise' (Thụ lý giải quyết; Trình lãnh đạo Phòng): thời gian 7 ngày làm việc → 6 ngày làm việc",
        "Bước 'appraise': vai trò Chuyên viên (specialist) → Lãnh đạo phòng (division_head)",
        "Thêm giấy tờ: Đơn đề nghị (1 bản chính, 0 bản sao)",
        "Thêm phí, lệ phí: Lệ phí (50.000 đồng)",
        "Thêm hình thức nộp: direct",
        "Thêm hình thức nộp: online",
        "Dịch vụ công trực tuyến: — → partial",
        "Mức độ (cũ): — → 3",
        "Thêm căn cứ pháp lý: Nghị định 28/2012/NĐ-CP",
    ]
    for line in expected:
        assert line in lines, (line, lines)
    assert diff_definitions(a, copy.deepcopy(a)) == []


def test_diff_of_the_catalogue_between_two_dates() -> None:
    timeline = replay(WORKFLOWS)
    before = {e.code: e.definition for e in timeline.at(date(2024, 6, 30))}
    after = {e.code: e.definition for e in timeline.at(date(2026, 1, 1))}
    result = diff_catalogues(before, after)
    assert "1.014199" in result.added and not result.removed
    assert "Cơ quan giải quyết: cb-so-ldtbxh → cb-so-y-te" in result.changed["1.001806"]
    assert "Cơ quan giải quyết: na-so-ldtbxh → na-so-noi-vu" in result.changed["1.010803"]


def test_cli_diff_two_versions_and_two_files(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["diff", "1.001806@2024-06-30", "1.001806@2026-01-01"])
    assert result.exit_code == 0, result.output
    assert "Cơ quan giải quyết: cb-so-ldtbxh → cb-so-y-te" in result.output
    assert "Đã xác nhận từ nguồn: deadline, route" in result.output
    source = WORKFLOWS / "procedures" / "bao-tro-xa-hoi" / "1.001806.yaml"
    changed = tmp_path / "1.001806.yaml"
    changed.write_text(source.read_text(encoding="utf-8").replace("{working_days: 10}", "{working_days: 12}"), encoding="utf-8")
    result = runner.invoke(cli, ["diff", str(source), str(changed)])
    assert "Thời hạn giải quyết: 10 ngày làm việc → 12 ngày làm việc" in result.output


# ---------------------------------------------------------------- listing and search


@pytest.fixture(scope="module")
def items():  # type: ignore[no-untyped-def]
    timeline = replay(WORKFLOWS)
    return listing(timeline.at(date(2026, 1, 1)), timeline.catalog.agencies)


def test_fold_strips_vietnamese_diacritics() -> None:
    assert fold("Trợ cấp THỜ CÚNG liệt sĩ") == "tro cap tho cung liet si"
    assert fold("Đăng ký  nội quy   lao động") == "dang ky noi quy lao dong"


@pytest.mark.parametrize("query", ["tro cap tho cung", "TRỢ CẤP THỜ CÚNG", "thờ cúng liệt sĩ", "Tro Cap Tho Cung", "1.010803"])
def test_search_ignores_diacritics_and_case(items, query: str) -> None:  # type: ignore[no-untyped-def]
    found = search(items, query)
    assert found[0].code == "1.010803"
    assert "trợ cấp thờ cúng" in found[0].name
    if query != "1.010803":
        assert all("tho cung" in fold(i.name) for i in found)


def test_listing_says_updating_for_what_the_source_does_not_give(items) -> None:  # type: ignore[no-untyped-def]
    by_code = {i.code: i for i in items}
    labour = by_code["2.001955"]
    assert labour.deadline == "7 ngày làm việc" and labour.fees == "đang cập nhật"  # 0 with no currency (e0e242b)
    assert labour.channels == ["Trực tiếp", "Bưu chính công ích", "Trực tuyến"] and labour.online == "Toàn trình"
    assert labour.published_by == "3783/QĐ-UBND" and not labour.confirmed  # its internal process is not known
    worship = by_code["1.010803"]
    assert worship.deadline == worship.fees == worship.documents == worship.legal_basis == UPDATING
    assert worship.agency_name == "Sở Nội vụ tỉnh Nghệ An"
    approved = by_code["1.001806"]
    assert approved.confirmed and approved.deadline == "10 ngày làm việc" and approved.published_by == "2022/QĐ-UBND"


def test_cli_listing_search() -> None:
    result = CliRunner().invoke(cli, ["listing", "tro cap tho cung", "--at", "2026-01-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["code"] == "1.010803"


# ---------------------------------------------------------------- publish and catalogue through the CLI


def test_cli_publishes_the_real_decisions_and_prints_the_catalogue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    runner = CliRunner()
    dry = runner.invoke(cli, ["publish", "--dry-run", str(WORKFLOWS / "decisions" / "0000-cao-bang-danh-muc-truoc-2025.yaml")])
    assert dry.exit_code == 0, dry.output
    assert "sẽ áp dụng" in dry.output and "thêm mới: 1.001806" in dry.output
    assert json.loads(runner.invoke(cli, ["catalogue", "--at", "2024-06-30", "--db", "--json"]).stdout) == []
    result = runner.invoke(cli, ["publish"])
    assert result.exit_code == 0, result.output
    assert "đã áp dụng" in result.output
    again = runner.invoke(cli, ["publish"])
    assert "đã áp dụng trước đây" in again.output
    timeline = replay(WORKFLOWS)
    for day in ("2024-06-30", "2026-01-01"):
        shown = runner.invoke(cli, ["catalogue", "--at", day, "--db", "--json"])
        assert shown.exit_code == 0, shown.output
        rows = json.loads(shown.stdout)
        expected = timeline.at(date.fromisoformat(day))
        assert sorted((r["code"], r["agency"]) for r in rows) == sorted((e.code, e.agency) for e in expected)
    text = runner.invoke(cli, ["catalogue", "--at", "2024-06-30"]).output
    assert "cb-so-ldtbxh" in text and "cb-so-y-te" not in text
    text = runner.invoke(cli, ["catalogue", "--at", "2026-01-01"]).output
    assert "cb-so-y-te" in text and "cb-so-ldtbxh" not in text
