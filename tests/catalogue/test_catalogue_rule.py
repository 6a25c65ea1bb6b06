"""The catalogue's rule (workflows/catalogue-rule.md, issue 11 §5), asserted on the committed files.

Without ../shared/data: the national catalogue's labour rows and the 34 provinces are vendored in tests/data/.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from engine.decisions import replay
from engine.definitions.model import raw_steps
from engine.listing import LEVEL_NAMES, field_name
from handlers.forms import provinces
from tests.data import national_catalogue, province_names
from tests.helpers import WORKFLOWS

# The stated set: the nine fields of the former labour, invalids and social affairs sector (GLOSSARY.md).
LABOUR_FIELDS = {"nguoi-co-cong", "viec-lam", "lao-dong-tien-luong", "an-toan-ve-sinh-lao-dong", "giao-duc-nghe-nghiep",
                 "bao-tro-xa-hoi", "tre-em", "phong-chong-te-nan-xa-hoi", "giam-ngheo"}
# The national catalogue's category names of those fields.
CATEGORY = {"Người có công": "nguoi-co-cong", "Việc làm": "viec-lam", "Việc làm (G07-LĐ11)": "viec-lam",
            "Lao động, tiền lương": "lao-dong-tien-luong", "Lao động, tiền lương và bảo hiểm xã hội": "lao-dong-tien-luong",
            "Lao động": "lao-dong-tien-luong", "An toàn, vệ sinh lao động": "an-toan-ve-sinh-lao-dong",
            "An toàn vệ sinh lao động": "an-toan-ve-sinh-lao-dong", "Bảo trợ xã hội": "bao-tro-xa-hoi", "Trẻ em": "tre-em",
            "Phòng, chống tệ nạn xã hội": "phong-chong-te-nan-xa-hoi", "Giáo dục nghề nghiệp": "giao-duc-nghe-nghiep",
            "Giáo dục nghề nghiệp (G07-LĐ06)": "giao-duc-nghe-nghiep", "Giảm nghèo": "giam-ngheo"}


@pytest.fixture(scope="module")
def timeline():  # type: ignore[no-untyped-def]
    return replay(WORKFLOWS, strict=True)


def latest(timeline):  # type: ignore[no-untyped-def]
    """Every procedure ever published, as its last entry (abolished ones included)."""
    return {code: entries[-1] for code, entries in timeline.entries.items()}


def test_fields_only_from_the_stated_set_and_one_province_each(timeline) -> None:  # type: ignore[no-untyped-def]
    agencies = timeline.catalog.agencies
    by_field: dict[str, set[str]] = {}
    for code, procedure in timeline.catalog.procedures.items():
        assert procedure.field in LABOUR_FIELDS, (code, procedure.field)
        by_field.setdefault(procedure.field, set()).add(agencies[procedure.agency].province or "")
    assert all(len(found) == 1 for found in by_field.values()), by_field
    # Other agencies' own fields are gone, and nothing fills a field no provincial decision of the data lists.
    assert not {"cong-chuc-vien-chuc", "thanh-nien", "van-thu-luu-tru", "thi-dua-khen-thuong"} & set(by_field)
    assert not (WORKFLOWS / "procedures" / "cong-chuc-vien-chuc").exists()


def test_field_is_the_national_catalogues(timeline) -> None:  # type: ignore[no-untyped-def]
    national = national_catalogue()
    for code, procedure in timeline.catalog.procedures.items():
        if code in national:
            assert CATEGORY[national[code]["category"]] == procedure.field, code


def test_every_code_is_in_the_national_catalogue_or_abolished_by_a_decision(timeline) -> None:  # type: ignore[no-untyped-def]
    national = national_catalogue()
    last = latest(timeline)
    absent = sorted(code for code in last if code not in national)
    assert "2.000189" in absent  # its name is now carried by 2.002890
    for code in absent:
        entry = last[code]
        assert entry.abolished, f"{code} không có trong danh mục quốc gia 18/7/2026 mà chưa bị bãi bỏ"
        decision = entry.decision
        assert decision.effective is not None and decision.effective <= date(2026, 7, 18), code
        assert decision.number or decision.reconstructed_as_of, code
        assert code in decision.note or any(code in op.codes for op in decision.operations)
    # Nothing in the national catalogue is abolished by the reconciliation, and 2.002890 is named, not published.
    for entry in timeline.abolished_at(None):
        assert entry.code not in national, entry.code
    reconciliation = timeline.decision("2026-07-18-doi-chieu-danh-muc-quoc-gia")
    assert reconciliation is not None and "2.000189 → 2.002890" in reconciliation.note
    assert "2.002890" not in timeline.entries and "2.002890" in national
    # In force today: only codes of the national catalogue.
    assert {e.code for e in timeline.at(None)} <= set(national)


def test_no_other_province_on_a_procedures_forms(timeline) -> None:  # type: ignore[no-untyped-def]
    agencies = timeline.catalog.agencies
    place = provinces(WORKFLOWS / "agencies.yaml")  # what the forms print before the date
    names = province_names()
    assert {"Cao Bằng", "Nghệ An"} <= set(names) and len(names) == 34
    for code, procedure in timeline.catalog.procedures.items():
        own = agencies[procedure.agency].province
        assert own in names and place[procedure.agency] == own, code
        for step in raw_steps(procedure.raw):
            agency = step.get("agency", procedure.agency)
            assert agencies[agency].province == own, (code, step.get("id"), agency)
        text = procedure.source_file and (WORKFLOWS.parent / procedure.source_file).read_text(encoding="utf-8")
        text = text or str(procedure.raw)
        others = [name for name in names if name != own and re.search(rf"\b{re.escape(name)}\b", text)]
        assert others == [], (code, others)
    # Every version a decision makes (before 2025 too) is under an agency of the same province as today's.
    for code, entries in timeline.entries.items():
        assert len({agencies[e.agency].province for e in entries}) == 1, code


def test_pre_2025_state_is_dated_or_marked_reconstructed(timeline) -> None:  # type: ignore[no-untyped-def]
    early = [d for d in timeline.decisions if d.effective is None or d.effective < date(2025, 1, 1)]
    assert early
    for decision in early:
        dated = decision.number and decision.signed and decision.effective
        assert dated or decision.reconstructed_as_of, decision.id
        if not dated:
            assert "dựng lại" in decision.title and decision.raw["reconstructed"]["sources"], decision.id
            assert decision.reconstructed_as_of < date(2025, 3, 1)  # before the merger of 1/3/2025
    before = timeline.at(date(2025, 2, 28))
    assert before and all(e.decision in early for e in before)
    assert all(not e.confirmed for e in before)  # nothing of that time is confirmed by a text of the data


def _table(text: str, title: str) -> dict[str, list[str]]:
    """The rows of the Markdown table under ``## title``: first cell → the other cells."""
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip().strip("*"): [c.strip().strip("*") for c in cells[1:]] for cells in rows[1:]}


def test_counts_in_catalogue_md_equal_the_files(timeline) -> None:  # type: ignore[no-untyped-def]
    """Counted here from the definitions and decisions, independently of the code that writes the index."""
    text = (WORKFLOWS / "CATALOGUE.md").read_text(encoding="utf-8")
    rule = (WORKFLOWS / "catalogue-rule.md").read_text(encoding="utf-8")
    assert "## Quy tắc chọn thủ tục" in rule and rule.split("\n", 1)[1].strip() in text
    now = timeline.at(None)
    total = int(re.search(r"\*\*(\d+) thủ tục\*\*", text).group(1))  # type: ignore[union-attr]
    assert total == len(now) == sum(1 for e in now)
    fields = Counter(field_name(e.field) for e in now)
    assert {k: int(v[0]) for k, v in _table(text, "Theo lĩnh vực").items() if k != "Tổng"} == dict(fields)
    levels = Counter(LEVEL_NAMES[e.level] for e in now)
    assert {k: int(v[0]) for k, v in _table(text, "Theo cấp").items() if k != "Tổng"} == dict(levels)
    confirmed = Counter("đã xác nhận" if e.confirmed else "đang cập nhật" for e in now)
    assert {k: int(v[0]) for k, v in _table(text, "Theo tình trạng xác nhận").items() if k != "Tổng"} == dict(confirmed)
    cross = _table(text, "Theo lĩnh vực, cấp và tình trạng xác nhận")
    assert int(cross["Tổng"][-1]) == total
    for name, count in fields.items():
        assert int(cross[name][-1]) == count, name
    listed = re.findall(r"^\| (\d\.\d{6}) \|", text.split("## Danh sách", 1)[1].split("## Đã bãi bỏ", 1)[0], re.M)
    assert sorted(listed) == sorted(e.code for e in now)
    gone = re.findall(r"^\| (\d\.\d{6}) \|", text.split("## Đã bãi bỏ", 1)[1], re.M) if "## Đã bãi bỏ" in text else []
    assert sorted(gone) == sorted(e.code for e in timeline.abolished_at(None))
    # The rule's table of sources keeps exactly the procedures the decisions publish.
    sources = _table(rule.replace("### ", "## "), "Các quyết định nguồn")
    assert sum(int(cells[2]) for cells in sources.values()) == len(timeline.entries)
