"""Build the 131-procedure catalogue and its decisions from ../shared/data (reproducible; maintainer's tool).

    .venv/bin/python tools/build_catalogue.py          # write files
    .venv/bin/python tools/build_catalogue.py --check  # exit 1 if the committed files differ

A maintainer's tool: it reads ``../shared/data`` (the maintainer's copy of the
public sources, beside the checkout; see tools/README.md) and exits 2 without
it. Nothing ``make run`` or ``make test`` does needs it or that data: they use
the committed output in workflows/, and tests/data/ for the records the tests
compare against. Its ``--check`` runs as a test only where ../shared/data exists.

What it writes (and only what it wrote before: every generated file starts
with MARKER; hand-written definitions, such as the transcribed approved
internal processes of Cao Bằng, are read, never touched):

* ``workflows/procedures/<field>/<code>.yaml`` for the procedures the approved
  internal processes do not cover: Nghệ An Sở Nội vụ (QĐ 3783/QĐ-UBND,
  labour fields), Nghệ An Sở GD&ĐT (QĐ 3771/QĐ-UBND, vocational education),
  2.001955 from its national-portal record, and Cao Bằng procedures of the
  national labour/social catalogue, until the catalogue holds TOTAL procedures;
* ``workflows/decisions/*.yaml``: the catalogue before 2025, the 2025 merger
  of the labour departments (transfers of competence), the end of the
  district level on 1/7/2025, and the 2025 provincial decisions;
* ``workflows/CATALOGUE.md``, the generated index.

Facts the data does not give are never filled in: such a definition lists
them in ``unconfirmed`` and runs on the field's default route.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.decisions import catalogue_index, identity_definition, replay  # noqa: E402
from engine.decisions import schema_json as decision_schema_json  # noqa: E402
from engine.definitions.catalog import load_catalog  # noqa: E402
from engine.definitions.defaults import PLACEHOLDER_DEADLINE, default_route  # noqa: E402
from engine.definitions.importers.dvcqg import convert  # noqa: E402
from engine.definitions.source import load_yaml  # noqa: E402
from engine.listing import field_name  # noqa: E402

DATA = REPO.parent / "shared" / "data"
WORKFLOWS = REPO / "workflows"
TOTAL = 131
MARKER = "# Sinh tự động bởi tools/build_catalogue.py từ ../shared/data; sửa tay sẽ bị ghi đè."
SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/procedure.schema.json"
DECISION_SCHEMA_LINE = "# yaml-language-server: $schema=../schema/decision.schema.json"
ALL_UNCONFIRMED = ["deadline", "route", "documents", "fees", "channels", "legal_basis", "online"]

# Field of the national catalogue → (slug, successor agency in Cao Bằng) (LEGAL.md §11).
FIELDS = {
    "Người có công": ("nguoi-co-cong", "cb-so-noi-vu"),
    "Việc làm": ("viec-lam", "cb-so-noi-vu"),
    "Việc làm (G07-LĐ11)": ("viec-lam", "cb-so-noi-vu"),
    "Lao động, tiền lương": ("lao-dong-tien-luong", "cb-so-noi-vu"),
    "Lao động, tiền lương và bảo hiểm xã hội": ("lao-dong-tien-luong", "cb-so-noi-vu"),
    "Lao động - Tiền lương-BHXH": ("lao-dong-tien-luong", "cb-so-noi-vu"),
    "Lao động": ("lao-dong-tien-luong", "cb-so-noi-vu"),
    "An toàn, vệ sinh lao động": ("an-toan-ve-sinh-lao-dong", "cb-so-noi-vu"),
    "An toàn vệ sinh lao động": ("an-toan-ve-sinh-lao-dong", "cb-so-noi-vu"),
    "Bảo trợ xã hội": ("bao-tro-xa-hoi", "cb-so-y-te"),
    "Trẻ em": ("tre-em", "cb-so-y-te"),
    "Phòng, chống tệ nạn xã hội": ("phong-chong-te-nan-xa-hoi", "cb-so-y-te"),
    "Giáo dục nghề nghiệp": ("giao-duc-nghe-nghiep", "cb-so-gd-dt"),
    "Giáo dục nghề nghiệp (G07-LĐ06)": ("giao-duc-nghe-nghiep", "cb-so-gd-dt"),
    "Giảm nghèo": ("giam-ngheo", "cb-so-nn-mt"),
}
LABOUR_FIELDS = {slug for slug, _ in FIELDS.values()}
SUCCESSOR_MINISTRIES = {"Bộ Nội vụ", "Bộ Y tế", "Bộ Giáo dục và Đào tạo", "Bộ Nông nghiệp và Môi trường"}
# Cao Bằng successors by field, for the 2025 transfers (LEGAL.md §11).
CB_SUCCESSORS = {
    "cb-so-noi-vu": ["nguoi-co-cong", "viec-lam", "lao-dong-tien-luong", "an-toan-ve-sinh-lao-dong"],
    "cb-so-y-te": ["bao-tro-xa-hoi", "tre-em", "phong-chong-te-nan-xa-hoi"],
    "cb-so-gd-dt": ["giao-duc-nghe-nghiep"],
    "cb-so-nn-mt": ["giam-ngheo"],
}
NA_SUCCESSORS = {
    "na-so-noi-vu": ["nguoi-co-cong", "viec-lam", "lao-dong-tien-luong", "an-toan-ve-sinh-lao-dong"],
    "na-so-gd-dt": ["giao-duc-nghe-nghiep"],
}
# Codes treated as published before 2025 (a convention, see that decision's note): 1.x below
# 1.013000 and 2.x below 2.002000. Later codes are left out of the catalogue before 2025.
BASELINE_BELOW = {"1": "1.013000", "2": "2.002000"}


def is_old(code: str) -> bool:
    return code < BASELINE_BELOW.get(code[0], "0")
NGHE_AN_3783 = {"decision": "3783/QĐ-UBND", "date": "2025-11-20", "issuer": "Chủ tịch UBND tỉnh Nghệ An"}
NGHE_AN_3771 = {"decision": "3771/QĐ-UBND", "date": "2025-11-19", "issuer": "Chủ tịch UBND tỉnh Nghệ An"}


@dataclass
class Planned:
    code: str
    data: dict[str, Any]
    comments: list[str]
    group: str  # na-3783 | na-3771 | cb-national
    baseline_agency: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return WORKFLOWS / "procedures" / self.data["field"] / f"{self.code}.yaml"


def clean(text: str) -> str:
    return " ".join((text or "").split())


def clean_name(text: str) -> str:
    """A procedure name as listed: one line, without the trailing full stop some sources add."""
    return clean(text).rstrip(".").strip()


def national_names() -> dict[str, dict[str, Any]]:
    out = {}
    with (DATA / "dvcqg" / "catalog_2026-07-18.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            out[row["code"]] = row
    return out


def fix_code(code: str) -> str:
    """The source prints 1.01499 for 1.014199 (data/README.md)."""
    return "1.014199" if code == "1.01499" else code


def decision_rows(path: Path, start: str, stop: str | None) -> list[tuple[str, str, str]]:
    """(code, name, channels text) rows of a decision's annex table between two headings."""
    text = path.read_text(encoding="utf-8")
    begin = text.index(start)
    end = text.index(stop, begin) if stop else len(text)
    tokens = [t.strip() for t in re.split(r"\n\|\n", text[begin:end])]
    rows = []
    for i, token in enumerate(tokens):
        if re.fullmatch(r"\d\.\d{5,6}", token):
            rows.append((fix_code(token), clean(tokens[i + 1]), clean(tokens[i + 2])))
    return rows


def channels_of(text: str) -> tuple[list[str], str | None]:
    channels = [c for c, word in (("direct", "trực tiếp"), ("postal", "bưu chính"), ("online", "trực tuyến")) if word in text]
    mode = "full" if "toàn trình" in text else ("partial" if "một phần" in text else None)
    return channels, mode


def owned_definitions() -> dict[str, dict[str, Any]]:
    """Definitions written by hand (the transcribed approved processes): code → data."""
    out = {}
    for path in sorted((WORKFLOWS / "procedures").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if MARKER in text:
            continue
        data = load_yaml(text, str(path))
        if isinstance(data, dict) and "code" in data:
            out[str(data["code"])] = data | {"_path": path}
    return out


def internal_process_codes() -> dict[str, str]:
    """Codes with an approved internal process → the approving decision's number."""
    out = {}
    for path in sorted((DATA / "internal_processes").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        number = re.search(r"(\d+/QĐ-UBND)", doc["source"]["document"]).group(1)  # type: ignore[union-attr]
        for procedure in doc["procedures"]:
            out[procedure["ma_tthc"]] = number
    return out


def generic(code: str, name: str, slug: str, level: str, agency: str, *, channels: list[str] | None = None,
            online: str | None = None, published_by: dict[str, Any] | None = None) -> dict[str, Any]:
    """A definition of what the data gives: identity (and channels where a decision lists them)."""
    deadline = dict(PLACEHOLDER_DEADLINE[level])
    unconfirmed = list(ALL_UNCONFIRMED)
    data: dict[str, Any] = {"code": code, "name": name, "field": slug, "level": level, "agency": agency}
    if channels:
        data["channels"] = channels
        unconfirmed.remove("channels")
    if online:
        data["online"] = {"mode": online}
        unconfirmed.remove("online")
    data["deadline"] = deadline
    if published_by:
        data["published_by"] = dict(published_by)
    data["unconfirmed"] = unconfirmed
    data["route"] = default_route(level, deadline, field_name(slug))
    return data


def plan(names: dict[str, dict[str, Any]], owned: dict[str, dict[str, Any]], internal: dict[str, str]) -> list[Planned]:
    taken = set(owned)  # an approved process that cannot be transcribed (1.014319: no times) is listed like the others
    planned: list[Planned] = []

    # 2.001955: its national-portal record, the only labour record among the details.
    record = json.loads((DATA / "dvcqg" / "details" / "2.001955.json").read_text(encoding="utf-8"))
    data, unmapped = convert(record, {"province": "na-so-noi-vu", "commune": "na-ubnd-xa", "central": "tw-bo-nganh"})
    data["notes"] = (
        "Thời hạn, hình thức nộp, phí, thành phần hồ sơ, căn cứ pháp lý, kết quả và quyết định công bố lấy từ bản ghi "
        "chi tiết thủ tục của Cổng Dịch vụ công quốc gia (dvcqg/details/2.001955.json). Danh mục tại Nghệ An: "
        "QĐ 3783/QĐ-UBND ngày 20/11/2025 (Sở Nội vụ). Quy trình nội bộ chưa có trong dữ liệu: quy trình mặc định."
    )
    comments = ["# Nguồn: dvcqg/details/2.001955.json (chuyển bằng engine/definitions/importers/dvcqg.py); "
                "danh mục Nghệ An: QĐ 3783/QĐ-UBND ngày 20/11/2025.",
                "# Chưa chuyển được từ bản ghi:"] + [f"#   - {u}" for u in unmapped]
    planned.append(Planned("2.001955", data, comments, "na-3783"))
    taken.add("2.001955")

    # Nghệ An Sở Nội vụ (the successor of its labour department), QĐ 3783/QĐ-UBND: the whole list.
    text_3783 = DATA / "legal_texts" / "128b34e0abc1c504.md"
    molisa = {fix_code(r["ma_tthc"]): r for r in csv.DictReader((DATA / "molisa_successor_procedures_2025.csv").open(encoding="utf-8"))}
    sections = [("**I. Lĩnh vực Lao động -", "**II. Lĩnh vực Việc làm", "lao-dong-tien-luong"),
                ("**II. Lĩnh vực Việc làm", "**Lĩnh vực Người có công", "viec-lam"),
                ("**Lĩnh vực Người có công", "**Lĩnh vực lưu trữ", "nguoi-co-cong"),
                ("**Lĩnh vực lưu trữ", "**Lĩnh vực Thi đua khen", "van-thu-luu-tru"),
                ("**Lĩnh vực Thi đua khen", "**Lĩnh vực Công tác thanh", "thi-dua-khen-thuong"),
                ("**Lĩnh vực Công tác thanh", "**B. TTHC thuộc thẩm quyền", "thanh-nien"),
                ("**C.**", "Quyết định 3783/QĐ-UBND năm 2025", None)]
    by_national_field = {"Công chức, viên chức": "cong-chuc-vien-chuc", "Lao động": "lao-dong-tien-luong",
                         "Văn thư và Lưu trữ nhà nước": "van-thu-luu-tru"}
    for start, stop, section_slug in sections:
        for code, name, how in decision_rows(text_3783, start, stop):
            if code in taken:
                continue
            slug = section_slug or by_national_field.get(molisa.get(code, {}).get("dvcqg_linh_vuc", ""), "cong-chuc-vien-chuc")
            channels, mode = channels_of(how)
            national = names.get(code, {}).get("name")
            data = generic(code, clean_name(national or name), slug, "province", "na-so-noi-vu", channels=channels, online=mode, published_by=NGHE_AN_3783)
            comments = ["# Nguồn: QĐ 3783/QĐ-UBND ngày 20/11/2025 của Chủ tịch UBND tỉnh Nghệ An (legal_texts/128b34e0abc1c504.md), "
                        "danh mục TTHC không phụ thuộc địa giới hành chính, Sở Nội vụ: mã, tên, cách thức nộp.",
                        f"# Tên trong quyết định: {name}" if national and clean_name(national) != clean_name(name) else "# Tên: danh mục TTHC quốc gia."]
            if section_slug is None:
                comments.append("# Mục C của danh mục: thủ tục dùng chung cho các cấp; ghi cấp tỉnh.")
            planned.append(Planned(code, data, comments, "na-3783"))
            taken.add(code)

    # Nghệ An Sở GD&ĐT, QĐ 3771/QĐ-UBND: vocational education, provincial (A.II) and commune (B.VII) lists.
    text_3771 = DATA / "legal_texts" / "dc1e1584661e6162.md"
    for start, stop, level, agency in (("**Lĩnh vực Giáo dục nghề nghiệp**", "**Lĩnh vực giáo dục trung học**", "province", "na-so-gd-dt"),
                                       ("**Lĩnh vực giáo dục nghề nghiệp**", "Quyết định 3771/QĐ-UBND năm 2025 về", "commune", "na-ubnd-xa")):
        for code, name, how in decision_rows(text_3771, start, stop):
            if code in taken:
                continue
            channels, mode = channels_of(how)
            national = names.get(code, {}).get("name")
            data = generic(code, clean_name(national or name), "giao-duc-nghe-nghiep", level, agency, channels=channels, online=mode, published_by=NGHE_AN_3771)
            comments = ["# Nguồn: QĐ 3771/QĐ-UBND ngày 19/11/2025 của Chủ tịch UBND tỉnh Nghệ An (legal_texts/dc1e1584661e6162.md), "
                        f"danh mục TTHC lĩnh vực giáo dục nghề nghiệp {'cấp tỉnh' if level == 'province' else 'cấp xã'}: mã, tên, cách thức nộp.",
                        f"# Tên trong quyết định: {name}"]
            planned.append(Planned(code, data, comments, "na-3771"))
            taken.add(code)

    # Cao Bằng: the national labour/social catalogue, until TOTAL.
    need = TOTAL - len(taken)
    rows = list(csv.DictReader((DATA / "labour_social_catalog_dvcqg_2026-07-18.csv").open(encoding="utf-8")))
    candidates = []
    for row in rows:
        code = row["ma_tthc"]
        if code in taken or row["linh_vuc"] not in FIELDS or row["type"] != "STANDARD" or row["co_quan_ban_hanh"] not in SUCCESSOR_MINISTRIES:
            continue
        executing = row["co_quan_thuc_hien"]
        slug, successor = FIELDS[row["linh_vuc"]]
        if re.search(r"\bSở\b|Trung tâm Dịch vụ việc làm", executing):
            level, agency = "province", successor
        elif re.search(r"cấp tỉnh|tỉnh và thành phố", executing):
            level, agency = "province", "cb-ubnd-tinh"
        elif re.search(r"cấp xã|Phòng Văn hóa", executing):
            level, agency = "commune", "cb-ubnd-xa"
        else:
            continue  # central bodies, social insurance, medical councils, or no agency given
        order = list(FIELDS.values()).index((slug, successor))
        candidates.append((not is_old(code), order, code, row, slug, level, agency))
    candidates.sort(key=lambda c: c[:3])
    print(f"ứng viên danh mục quốc gia: {sum(1 for c in candidates if not c[0])} mã cũ, {sum(1 for c in candidates if c[0])} mã mới; cần {need}")
    for _late, _order, code, row, slug, level, agency in candidates[:max(need, 0)]:
        baseline = "cb-so-ldtbxh" if agency == CB_SUCCESSORS_BY_FIELD.get(slug) else agency
        data = identity_definition({"code": code, "name": clean_name(row["ten_tthc"]), "field": slug, "level": level}, agency)
        comments = ["# Nguồn: danh mục TTHC quốc gia ngày 18/7/2026 (labour_social_catalog_dvcqg_2026-07-18.csv): "
                    "mã, tên, lĩnh vực, cơ quan thực hiện.",
                    f"# Cơ quan thực hiện theo danh mục: {clean(row['co_quan_thuc_hien']) or '(trống)'}; "
                    f"cơ quan ban hành: {row['co_quan_ban_hanh']}; trạng thái {row['state']}.",
                    f"# Cơ quan giải quyết tại Cao Bằng suy ra theo lĩnh vực (LEGAL.md §11): {agency}. "
                    "Văn bản công bố của tỉnh chưa có trong dữ liệu."]
        if not is_old(code):
            comments.append("# Mã mới (không thuộc danh mục trước 2025): công bố trong danh mục theo danh mục TTHC quốc gia ngày 18/7/2026.")
        planned.append(Planned(code, data, comments, "cb-national" if is_old(code) else "cb-national-new", baseline_agency=baseline))
        taken.add(code)
    if len(taken) < TOTAL:
        raise SystemExit(f"chỉ chọn được {len(taken)} thủ tục, cần {TOTAL}")
    return planned


CB_SUCCESSORS_BY_FIELD = {f: agency for agency, fields in CB_SUCCESSORS.items() for f in fields}
NA_SUCCESSORS_BY_FIELD = {f: agency for agency, fields in NA_SUCCESSORS.items() for f in fields}


def render_procedure(item: Planned) -> str:
    body = yaml.safe_dump(item.data, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join([SCHEMA_LINE, MARKER, *item.comments]) + "\n" + body


def render_decision(data: dict[str, Any], comments: list[str] = ()) -> str:  # type: ignore[assignment]
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join([DECISION_SCHEMA_LINE, MARKER, *comments]) + "\n" + body


def ops(codes: list[str], **extra: Any) -> dict[str, Any]:
    return {"op": "publish", "codes": sorted(codes)} | extra


def decisions(planned: list[Planned], owned: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The decision files: name → text."""
    out: dict[str, str] = {}
    # Every procedure of the catalogue with its field, level, current agency.
    current: dict[str, dict[str, Any]] = {p.code: p.data for p in planned} | {c: d for c, d in owned.items()}

    def baseline_ops(province: str, old: str, successors: dict[str, str]) -> list[dict[str, Any]]:
        groups: dict[str, list[str]] = {}
        for code, data in sorted(current.items()):
            if not data["agency"].startswith(province) or not is_old(code) or data["field"] not in LABOUR_FIELDS:
                continue
            before = old if successors.get(data["field"]) == data["agency"] else data["agency"]
            groups.setdefault(before, []).append(code)
        return [ops(codes, baseline={"agency": agency}) for agency, codes in sorted(groups.items())]

    common_note = (
        "Văn bản công bố danh mục thủ tục trước năm 2025 không có trong dữ liệu (../shared/data): quyết định này chỉ ghi "
        "lại rằng các thủ tục đã có trước khi sắp xếp bộ máy năm 2025, thuộc Sở Lao động - Thương binh và Xã hội "
        "(cấp xã: UBND cấp xã). Mã, tên, lĩnh vực, cấp lấy theo danh mục hiện hành; thời hạn, quy trình và mọi thông tin "
        "khác của phiên bản trước 2025 chưa xác nhận (đang cập nhật). Theo quy ước của danh mục này (không phải dữ kiện "
        "nguồn), các mã từ 1.013000 (dãy 1.x) và từ 2.002000 (dãy 2.x) trở đi không đưa vào danh mục trước 2025 vì dữ liệu "
        "không cho biết ngày công bố của từng thủ tục. "
        "Cấp thực hiện trước 01/7/2025 (huyện hay xã) của các thủ tục cấp xã không có trong dữ liệu."
    )
    for province, old, successors, title in (
        ("cb-", "cb-so-ldtbxh", CB_SUCCESSORS_BY_FIELD, "Cao Bằng"),
        ("na-", "na-so-ldtbxh", NA_SUCCESSORS_BY_FIELD, "Nghệ An"),
    ):
        key = "cao-bang" if province == "cb-" else "nghe-an"
        out[f"0000-{key}-danh-muc-truoc-2025"] = render_decision({
            "number": None,
            "title": f"Danh mục thủ tục hành chính của Sở Lao động - Thương binh và Xã hội tỉnh {title} trước năm 2025",
            "issuer": f"Chủ tịch UBND tỉnh {title} (văn bản chưa có trong dữ liệu)",
            "signed": None, "effective": None, "note": common_note,
            "operations": baseline_ops(province, old, successors),
        })
        moves = []
        for new, fields in (CB_SUCCESSORS if province == "cb-" else NA_SUCCESSORS).items():
            if any(d["agency"] == new and d["field"] in fields and is_old(c) for c, d in current.items()):
                moves.append({"op": "transfer", "from": old, "to": new, "fields": fields, "dossiers": "move"})
        out[f"2025-03-01-{key}-hop-nhat-so-ldtbxh"] = render_decision({
            "number": None,
            "title": f"Chuyển thẩm quyền giải quyết thủ tục của Sở Lao động - Thương binh và Xã hội tỉnh {title} sang các cơ quan kế thừa "
                     "(sắp xếp bộ máy năm 2025)",
            "issuer": f"UBND tỉnh {title}",
            "signed": None, "effective": "2025-03-01",
            "legal_basis": [
                "Nghị định số 25/2025/NĐ-CP ngày 21/02/2025 quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bộ Nội vụ (hiệu lực từ 01/3/2025)",
                "Công văn 05/CV-BCĐTKNQ18 năm 2025: giữ tên Sở Nội vụ sau khi hợp nhất Sở Lao động - Thương binh và Xã hội và Sở Nội vụ",
                "Nghị định số 45/2025/NĐ-CP ngày 28/02/2025 quy định tổ chức các cơ quan chuyên môn thuộc UBND cấp tỉnh, cấp huyện",
            ],
            "note": (
                "Văn bản của tỉnh hợp nhất Sở Lao động - Thương binh và Xã hội vào Sở Nội vụ không có trong dữ liệu; ngày hiệu lực dùng ở đây "
                "là ngày hiệu lực của Nghị định 25/2025/NĐ-CP (01/3/2025). Phân công lĩnh vực theo LEGAL.md §11: lao động, tiền lương, "
                "việc làm, an toàn lao động, người có công sang Sở Nội vụ; bảo trợ xã hội, trẻ em, phòng chống tệ nạn xã hội sang Sở Y tế; "
                "giáo dục nghề nghiệp sang Sở Giáo dục và Đào tạo; giảm nghèo sang Sở Nông nghiệp và Môi trường. Hồ sơ đang giải quyết "
                "chuyển sang cơ quan kế thừa, giữ nguyên thời điểm tiếp nhận và hạn trả (mặc định; văn bản gốc có thể quy định khác)."
            ),
            "operations": moves,
        })
    out["2025-07-01-ket-thuc-cap-huyen"] = render_decision({
        "number": None,
        "title": "Kết thúc hoạt động của chính quyền cấp huyện; chuyển hồ sơ đang giải quyết của cấp huyện về UBND cấp xã",
        "issuer": "Quốc hội; UBND tỉnh Cao Bằng, UBND tỉnh Nghệ An",
        "signed": None, "effective": "2025-07-01",
        "legal_basis": [
            "Nghị quyết số 202/2025/QH15 về sắp xếp đơn vị hành chính cấp tỉnh (hiệu lực từ 01/7/2025)",
            "Luật Tổ chức chính quyền địa phương ngày 16/6/2025 (chính quyền địa phương hai cấp)",
        ],
        "note": (
            "Cấp huyện kết thúc hoạt động từ 01/7/2025 (LEGAL.md §11). Dữ liệu không cho biết thủ tục nào của danh mục này do cấp huyện "
            "giải quyết trước ngày đó, nên không thủ tục nào đổi cơ quan ở đây; quyết định chuyển các hồ sơ còn đang giải quyết của "
            "UBND cấp huyện sang UBND cấp xã. Văn bản cụ thể của từng tỉnh không có trong dữ liệu."
        ),
        "operations": [
            {"op": "transfer", "from": "cb-ubnd-huyen", "to": "cb-ubnd-xa", "dossiers": "move"},
            {"op": "transfer", "from": "na-ubnd-huyen", "to": "na-ubnd-xa", "dossiers": "move"},
        ],
    })
    na_3771 = [p.code for p in planned if p.group == "na-3771"]
    out["2025-11-19-3771-QD-UBND-nghe-an"] = render_decision({
        "number": "3771/QĐ-UBND",
        "title": "Danh mục thủ tục hành chính lĩnh vực Giáo dục và Đào tạo thực hiện không phụ thuộc vào địa giới hành chính "
                 "trong phạm vi cấp tỉnh trên địa bàn tỉnh Nghệ An",
        "issuer": "Chủ tịch UBND tỉnh Nghệ An", "signed": "2025-11-19", "effective": "2025-11-19",
        "legal_basis": ["Nghị định số 118/2025/NĐ-CP ngày 09/6/2025", "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025"],
        "note": "Quyết định có hiệu lực kể từ ngày ký (Điều 4). Danh mục có 82 thủ tục; ở đây chỉ các thủ tục lĩnh vực giáo dục nghề "
                "nghiệp (kế thừa từ Sở Lao động - Thương binh và Xã hội). Mã 2.001959 có ở cả danh mục cấp tỉnh và cấp xã (cơ sở tư thục): "
                "định nghĩa giữ cấp tỉnh.",
        "operations": [ops(na_3771)],
    })
    na_3783 = [p.code for p in planned if p.group == "na-3783"]
    out["2025-11-20-3783-QD-UBND-nghe-an"] = render_decision({
        "number": "3783/QĐ-UBND",
        "title": "Danh mục thủ tục hành chính thực hiện không phụ thuộc vào địa giới hành chính trong phạm vi cấp tỉnh thuộc phạm vi "
                 "chức năng quản lý của Sở Nội vụ trên địa bàn tỉnh Nghệ An",
        "issuer": "Chủ tịch UBND tỉnh Nghệ An", "signed": "2025-11-20", "effective": "2025-11-20",
        "legal_basis": ["Nghị định số 118/2025/NĐ-CP ngày 09/6/2025", "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025"],
        "note": "Quyết định có hiệu lực kể từ ngày ký (Điều 4). Danh mục có 55 thủ tục; ở đây chỉ các lĩnh vực kế thừa từ Sở Lao động - "
                "Thương binh và Xã hội (lao động - tiền lương, việc làm, người có công). Nguồn in mã 1.01499; mã đúng là 1.014199.",
        "operations": [ops(na_3783)],
    })
    cb_new = [p.code for p in planned if p.group == "cb-national-new"]
    if cb_new:
        out["2026-07-18-cao-bang-danh-muc-quoc-gia"] = render_decision({
            "number": None,
            "title": "Thủ tục hành chính mới thuộc các lĩnh vực kế thừa từ Sở Lao động - Thương binh và Xã hội, có trong danh mục "
                     "thủ tục hành chính quốc gia ngày 18/7/2026 (áp dụng tại tỉnh Cao Bằng)",
            "issuer": "Các bộ công bố thủ tục (Bộ Nội vụ, Bộ Y tế, Bộ Giáo dục và Đào tạo, Bộ Nông nghiệp và Môi trường); "
                      "văn bản công bố của tỉnh Cao Bằng chưa có trong dữ liệu",
            "signed": None, "effective": "2026-07-18",
            "legal_basis": ["Danh mục thủ tục hành chính trên Cổng Dịch vụ công quốc gia ngày 18/7/2026 "
                            "(labour_social_catalog_dvcqg_2026-07-18.csv)"],
            "note": (
                "Không phải một quyết định có trong dữ liệu: danh mục quốc gia ngày 18/7/2026 chứng tỏ các thủ tục này có hiệu lực "
                "chậm nhất từ ngày đó. Ngày hiệu lực thật (sớm hơn) và văn bản công bố của tỉnh chưa có; khi có, thay quyết định "
                "này bằng quyết định thật. Mã, tên, lĩnh vực, cơ quan thực hiện theo danh mục quốc gia; mọi thông tin khác đang cập nhật."
            ),
            "operations": [ops(cb_new)],
        })
    for number, key, date_, title in (
        ("2022/QĐ-UBND", "2025-11-27-2022-QD-UBND-cao-bang", "2025-11-27",
         "Phê duyệt quy trình nội bộ giải quyết thủ tục hành chính lĩnh vực Bảo trợ xã hội, Trẻ em, Phòng, chống tệ nạn xã hội "
         "thuộc phạm vi quản lý của Sở Y tế tỉnh Cao Bằng"),
        ("2028/QĐ-UBND", "2025-11-28-2028-QD-UBND-cao-bang", "2025-11-28",
         "Phê duyệt quy trình nội bộ giải quyết thủ tục hành chính thuộc phạm vi quản lý của Sở Nội vụ tỉnh Cao Bằng"),
    ):
        codes = [c for c, d in owned.items() if (d.get("published_by") or {}).get("decision") == number]
        if not codes:
            continue
        out[key] = render_decision({
            "number": number, "title": title, "issuer": "Chủ tịch UBND tỉnh Cao Bằng", "signed": date_, "effective": date_,
            "note": "Quyết định có hiệu lực kể từ ngày ký. Định nghĩa các thủ tục chép từ quy trình nội bộ được phê duyệt "
                    "(internal_processes/, legal_texts/).",
            "operations": [ops(codes)],
        })
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Công cụ của người bảo trì: đọc ../shared/data đặt cạnh thư mục mã nguồn; make run và make test không cần. "
               "/ Maintainer's tool: reads ../shared/data beside the checkout; make run and make test do not need it.")
    parser.add_argument("--check", action="store_true", help="exit 1 if any generated file is out of date")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"không thấy {DATA}: công cụ này cần dữ liệu của người bảo trì (../shared/data) đặt cạnh thư mục mã nguồn / "
              f"{DATA} not found: this tool needs ../shared/data beside the checkout", file=sys.stderr)
        return 2
    names = national_names()
    owned = owned_definitions()
    internal = internal_process_codes()
    planned = plan(names, owned, internal)
    files: dict[Path, str] = {item.path: render_procedure(item) for item in planned}
    for name, text in decisions(planned, owned).items():
        files[WORKFLOWS / "decisions" / f"{name}.yaml"] = text
    files[WORKFLOWS / "schema" / "decision.schema.json"] = decision_schema_json()
    stale = [p for folder in ("procedures", "decisions") for p in (WORKFLOWS / folder).rglob("*.yaml")
             if p not in files and MARKER in p.read_text(encoding="utf-8")]
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in changed + stale:
            print(f"cần sinh lại: {p.relative_to(REPO)}")
    else:
        for p in stale:
            p.unlink()
        for p in changed:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text := files[p], encoding="utf-8")
            del text
    # The index, from the files as they now are (skipped in --check when files are stale).
    if not args.check or not (changed or stale):
        timeline = replay(WORKFLOWS, catalog=load_catalog(WORKFLOWS))
        index = catalogue_index(timeline)
        target = WORKFLOWS / "CATALOGUE.md"
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != index:
                print("cần sinh lại: workflows/CATALOGUE.md")
                changed.append(target)
        else:
            target.write_text(index, encoding="utf-8")
        print(f"{len(owned)} định nghĩa viết tay, {len(planned)} định nghĩa sinh tự động, "
              f"{len(timeline.at(None))} thủ tục trong danh mục; {len(timeline.errors)} lỗi.")
        for problem in timeline.errors:
            print(problem)
    return 1 if args.check and (changed or stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
