"""Build the catalogue of the labour, invalids and social affairs fields from ../shared/data, by a stated rule.

    .venv/bin/python tools/build_catalogue.py          # write files
    .venv/bin/python tools/build_catalogue.py --check  # exit 1 if the committed files differ

A maintainer's tool: it reads ``../shared/data`` (the maintainer's copy of the
public sources, beside the checkout; see tools/README.md) and exits 2 without
it. Nothing ``make run`` or ``make test`` does needs it or that data: they use
the committed output in workflows/, and tests/data/ for the records the tests
compare against. Its ``--check`` runs as a test only where ../shared/data exists.

The rule (written out, with its counts, in ``workflows/catalogue-rule.md``, the
head of ``workflows/CATALOGUE.md``):

1. Sources: the provincial decisions in the data that list procedures by code
   (``PROVINCIAL``): Cao Bằng 2022/QĐ-UBND and 2028/QĐ-UBND, Nghệ An
   3783/QĐ-UBND and 3771/QĐ-UBND (its vocational-education lists), at the level
   each list gives (province or commune).
2. Fields: a procedure's field is its category in the national catalogue of
   18/7/2026 (or the decision's heading for a code that catalogue lacks); only
   the nine fields of the former labour, invalids and social affairs sector
   (``LABOUR_FIELDS``) are kept: other agencies' own fields go.
3. One province per field: the province whose decisions list the most
   procedures of that field. A field no decision lists has no procedure.
4. Codes the national catalogue of 18/7/2026 no longer holds are published by
   their provincial decision and abolished by a reconstructed decision dated
   18/7/2026, which names a possible successor (same field, name a prefix of
   the old one) for the analyst to confirm, never publishing it.
5. Before 2025: a reconstructed state as of 28/02/2025 (the day before the
   merger of the labour departments), under the former departments, holding the
   codes numbered before 1.013000 / 2.002000 (a convention: the data dates no
   procedure's first publication).

The count comes out of the rule; it is not a target. What it writes (and only
what it wrote before: every generated file starts with MARKER; hand-written
definitions, the transcribed approved internal processes of Cao Bằng, are
read, never touched):

* ``workflows/procedures/<field>/<code>.yaml`` for the chosen procedures the
  approved internal processes do not cover (2.001955 from its national-portal
  record; the others: code, name, channels from the decision's list);
* ``workflows/decisions/*.yaml``: the reconstructed state before 2025, the 2025
  merger of the labour departments (transfers of competence), the end of the
  district level on 1/7/2025, the provincial decisions, the reconciliation with
  the national catalogue;
* ``workflows/catalogue-rule.md`` and ``workflows/CATALOGUE.md``, the generated index.

Facts the data does not give are never filled in: such a definition lists
them in ``unconfirmed`` and runs on the field's default route.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.decisions import catalogue_index, replay  # noqa: E402
from engine.decisions import schema_json as decision_schema_json  # noqa: E402
from engine.decisions.catalogue import RULE_FILE  # noqa: E402
from engine.definitions.catalog import load_catalog  # noqa: E402
from engine.definitions.defaults import PLACEHOLDER_DEADLINE, default_route  # noqa: E402
from engine.definitions.importers.dvcqg import convert  # noqa: E402
from engine.definitions.source import load_yaml  # noqa: E402
from engine.listing import field_name  # noqa: E402

DATA = REPO.parent / "shared" / "data"
WORKFLOWS = REPO / "workflows"
NATIONAL_DATE = "2026-07-18"
REFERENCE_2023 = 131  # the count one province reported in 2023: a reference for the size of the job, not a quota
MARKER = "# Sinh tự động bởi tools/build_catalogue.py từ ../shared/data; sửa tay sẽ bị ghi đè."
SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/procedure.schema.json"
DECISION_SCHEMA_LINE = "# yaml-language-server: $schema=../schema/decision.schema.json"
ALL_UNCONFIRMED = ["deadline", "route", "documents", "fees", "channels", "legal_basis", "online"]

# The nine fields of the former labour, invalids and social affairs sector (GLOSSARY.md), in listing order.
LABOUR_FIELDS = ["nguoi-co-cong", "viec-lam", "lao-dong-tien-luong", "an-toan-ve-sinh-lao-dong", "giao-duc-nghe-nghiep",
                 "bao-tro-xa-hoi", "tre-em", "phong-chong-te-nan-xa-hoi", "giam-ngheo"]
# A category of the national catalogue (or a decision's heading) → field; None: another agency's own field.
FIELDS: dict[str, str | None] = {
    "Người có công": "nguoi-co-cong",
    "Việc làm": "viec-lam",
    "Việc làm (G07-LĐ11)": "viec-lam",
    "Lao động, tiền lương": "lao-dong-tien-luong",
    "Lao động, tiền lương và bảo hiểm xã hội": "lao-dong-tien-luong",
    "Lao động - Tiền lương-BHXH": "lao-dong-tien-luong",
    "Lao động": "lao-dong-tien-luong",
    "An toàn, vệ sinh lao động": "an-toan-ve-sinh-lao-dong",
    "An toàn vệ sinh lao động": "an-toan-ve-sinh-lao-dong",
    "Bảo trợ xã hội": "bao-tro-xa-hoi",
    "Trẻ em": "tre-em",
    "Phòng, chống tệ nạn xã hội": "phong-chong-te-nan-xa-hoi",
    "Giáo dục nghề nghiệp": "giao-duc-nghe-nghiep",
    "Giáo dục nghề nghiệp (G07-LĐ06)": "giao-duc-nghe-nghiep",
    "Giảm nghèo": "giam-ngheo",
    "Công chức, viên chức": None,
    "Văn thư và Lưu trữ nhà nước": None,
    "Lưu trữ": None,
    "Thi đua, khen thưởng": None,
    "Công tác thanh niên": None,
}
assert {v for v in FIELDS.values() if v} == set(LABOUR_FIELDS)

PROVINCES = {"cb": "Cao Bằng", "na": "Nghệ An"}
OLD_DEPARTMENT = {"cb": "cb-so-ldtbxh", "na": "na-so-ldtbxh"}
# The successor of the provincial labour department by field (LEGAL.md §11), per province.
SUCCESSOR = {
    "cb": {"nguoi-co-cong": "cb-so-noi-vu", "viec-lam": "cb-so-noi-vu", "lao-dong-tien-luong": "cb-so-noi-vu",
           "an-toan-ve-sinh-lao-dong": "cb-so-noi-vu", "bao-tro-xa-hoi": "cb-so-y-te", "tre-em": "cb-so-y-te",
           "phong-chong-te-nan-xa-hoi": "cb-so-y-te", "giao-duc-nghe-nghiep": "cb-so-gd-dt", "giam-ngheo": "cb-so-nn-mt"},
    "na": {"nguoi-co-cong": "na-so-noi-vu", "viec-lam": "na-so-noi-vu", "lao-dong-tien-luong": "na-so-noi-vu",
           "an-toan-ve-sinh-lao-dong": "na-so-noi-vu", "giao-duc-nghe-nghiep": "na-so-gd-dt"},
}
# Codes treated as published before 2025 (a convention, see that decision's note): 1.x below
# 1.013000 and 2.x below 2.002000. Later codes are left out of the state before 2025.
BASELINE_BELOW = {"1": "1.013000", "2": "2.002000"}
BASELINE_AS_OF = "2025-02-28"


def is_old(code: str) -> bool:
    return code < BASELINE_BELOW.get(code[0], "0")


@dataclass(frozen=True)
class Source:
    """A provincial decision of the data that lists procedures by code."""

    key: str  # decision file stem
    province: str  # cb | na
    number: str
    date: str
    title: str
    text: str  # legal_texts/<file>
    note: str


PROVINCIAL = {
    "2022/QĐ-UBND": Source(
        "2025-11-27-2022-QD-UBND-cao-bang", "cb", "2022/QĐ-UBND", "2025-11-27",
        "Công bố danh mục và phê duyệt quy trình nội bộ giải quyết thủ tục hành chính lĩnh vực Bảo trợ xã hội, Trẻ em, "
        "Phòng, chống tệ nạn xã hội thuộc thẩm quyền giải quyết của Sở Y tế, UBND cấp xã tỉnh Cao Bằng",
        "8bb6ac57ee7b4c5d.md",
        "Quyết định có hiệu lực kể từ ngày ký. Định nghĩa các thủ tục chép tay từ quy trình nội bộ được phê duyệt "
        "(internal_processes/, legal_texts/8bb6ac57ee7b4c5d.md)."),
    "2028/QĐ-UBND": Source(
        "2025-11-28-2028-QD-UBND-cao-bang", "cb", "2028/QĐ-UBND", "2025-11-28",
        "Phê duyệt quy trình nội bộ giải quyết thủ tục hành chính thuộc phạm vi quản lý của Sở Nội vụ tỉnh Cao Bằng",
        "77dca8a7aeea79a1.md", ""),
    "3783/QĐ-UBND": Source(
        "2025-11-20-3783-QD-UBND-nghe-an", "na", "3783/QĐ-UBND", "2025-11-20",
        "Danh mục thủ tục hành chính thực hiện không phụ thuộc vào địa giới hành chính trong phạm vi cấp tỉnh thuộc phạm vi "
        "chức năng quản lý của Sở Nội vụ trên địa bàn tỉnh Nghệ An",
        "128b34e0abc1c504.md",
        "Quyết định có hiệu lực kể từ ngày ký (Điều 4). Danh mục có 55 thủ tục; ở đây chỉ các thủ tục thuộc lĩnh vực của "
        "ngành lao động - thương binh và xã hội theo quy tắc của danh mục (workflows/catalogue-rule.md). Nguồn in mã 1.01499; "
        "mã đúng là 1.014199."),
    "3771/QĐ-UBND": Source(
        "2025-11-19-3771-QD-UBND-nghe-an", "na", "3771/QĐ-UBND", "2025-11-19",
        "Danh mục thủ tục hành chính lĩnh vực Giáo dục và Đào tạo thực hiện không phụ thuộc vào địa giới hành chính "
        "trong phạm vi cấp tỉnh trên địa bàn tỉnh Nghệ An",
        "dc1e1584661e6162.md",
        "Quyết định có hiệu lực kể từ ngày ký (Điều 4). Danh mục có 82 thủ tục; ở đây chỉ các thủ tục lĩnh vực giáo dục nghề "
        "nghiệp (kế thừa từ Sở Lao động - Thương binh và Xã hội). Mã 2.001959 có ở cả danh mục cấp tỉnh và cấp xã (cơ sở tư "
        "thục): định nghĩa giữ cấp tỉnh."),
}


@dataclass
class Listed:
    """One row of a provincial decision's list."""

    code: str
    name: str  # as the decision writes it
    how: str  # channels text ('' where the list gives none)
    level: str
    agency: str
    heading: str  # the decision's field heading
    source: Source
    category: str | None = None  # the national catalogue's (None: not in it)
    slug: str | None = None  # the field; None: another agency's own field


@dataclass
class Planned:
    code: str
    data: dict[str, Any]
    comments: list[str]
    group: str  # the source decision's number
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return WORKFLOWS / "procedures" / self.data["field"] / f"{self.code}.yaml"


def clean(text: str) -> str:
    return " ".join((text or "").split())


def clean_name(text: str) -> str:
    """A procedure name as listed: one line, without the trailing full stop some sources add."""
    return clean(text).rstrip(".").strip()


def national_catalogue() -> dict[str, dict[str, Any]]:
    out = {}
    with (DATA / "dvcqg" / f"catalog_{NATIONAL_DATE}.jsonl").open(encoding="utf-8") as handle:
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


def published_by(source: Source) -> dict[str, Any]:
    return {"decision": source.number, "date": source.date, "issuer": f"Chủ tịch UBND tỉnh {PROVINCES[source.province]}"}


# ---------------------------------------------------------------------- step 1: what the decisions list


def listed(owned: dict[str, dict[str, Any]]) -> list[Listed]:
    """Every row of the provincial decisions' lists, in the decisions' order."""
    rows: list[Listed] = []
    # Cao Bằng 2022/QĐ-UBND: its approved internal processes, transcribed by hand (level and agency from the transcription).
    cb_2022 = json.loads((DATA / "internal_processes" / "caobang_2022-QD-UBND_2025_BTXH_TreEm_PCTNXH_SoYTe.json").read_text(encoding="utf-8"))
    for process in cb_2022["procedures"]:
        code = process["ma_tthc"]
        mine = owned.get(code, {})
        rows.append(Listed(code, clean_name(process["ten_tthc"]), "", mine.get("level", "province"), mine.get("agency", "cb-so-y-te"),
                           field_name(mine["field"]) if mine else "", PROVINCIAL["2022/QĐ-UBND"]))
    # Cao Bằng 2028/QĐ-UBND: its annex I, the list of 13 procedures under their field headings.
    text = (DATA / "legal_texts" / PROVINCIAL["2028/QĐ-UBND"].text).read_text(encoding="utf-8")
    tokens = [clean(t) for t in re.split(r"\n\|\n", text[text.index("**PHỤ LỤC I**"):text.index("**PHỤ LỤC II**")])]
    headings = {"CÔNG CHỨC, VIÊN CHỨC": "Công chức, viên chức", "LAO ĐỘNG": "Lao động",
                "CÔNG TÁC THANH NIÊN": "Công tác thanh niên", "VĂN THƯ, LƯU TRỮ": "Lưu trữ"}
    heading = ""
    for i, token in enumerate(tokens):
        if found := re.fullmatch(r"\*\*(?:LĨNH VỰC )?(.+?) \(\d+ TTHC\)\*\*", token):
            heading = headings.get(found.group(1), heading)
        elif re.fullmatch(r"\d\.\d{3}\.?\d{3}", token):  # the source prints 1.014.111 once
            code = token[:2] + token[2:].replace(".", "")
            rows.append(Listed(code, clean_name(tokens[i + 1]), "", "province", "cb-so-noi-vu", heading, PROVINCIAL["2028/QĐ-UBND"]))
    # Nghệ An 3783/QĐ-UBND (Sở Nội vụ): every section; section C ("dùng chung cho các cấp") listed at the provincial level.
    path = DATA / "legal_texts" / PROVINCIAL["3783/QĐ-UBND"].text
    for start, stop, heading in (("**I. Lĩnh vực Lao động -", "**II. Lĩnh vực Việc làm", "Lao động - Tiền lương-BHXH"),
                                 ("**II. Lĩnh vực Việc làm", "**Lĩnh vực Người có công", "Việc làm"),
                                 ("**Lĩnh vực Người có công", "**Lĩnh vực lưu trữ", "Người có công"),
                                 ("**Lĩnh vực lưu trữ", "**Lĩnh vực Thi đua khen", "Lưu trữ"),
                                 ("**Lĩnh vực Thi đua khen", "**Lĩnh vực Công tác thanh", "Thi đua, khen thưởng"),
                                 ("**Lĩnh vực Công tác thanh", "**B. TTHC thuộc thẩm quyền", "Công tác thanh niên"),
                                 ("**C.**", "Quyết định 3783/QĐ-UBND năm 2025", "")):
        for code, name, how in decision_rows(path, start, stop):
            rows.append(Listed(code, clean_name(name), how, "province", "na-so-noi-vu", heading, PROVINCIAL["3783/QĐ-UBND"]))
    # Nghệ An 3771/QĐ-UBND (Sở GD&ĐT): the vocational-education lists only (the rest is education).
    path = DATA / "legal_texts" / PROVINCIAL["3771/QĐ-UBND"].text
    for start, stop, level, agency in (("**Lĩnh vực Giáo dục nghề nghiệp**", "**Lĩnh vực giáo dục trung học**", "province", "na-so-gd-dt"),
                                       ("**Lĩnh vực giáo dục nghề nghiệp**", "Quyết định 3771/QĐ-UBND năm 2025 về", "commune", "na-ubnd-xa")):
        for code, name, how in decision_rows(path, start, stop):
            rows.append(Listed(code, clean_name(name), how, level, agency, "Giáo dục nghề nghiệp", PROVINCIAL["3771/QĐ-UBND"]))
    return rows


# ---------------------------------------------------------------------- steps 2 and 3: fields, one province per field


@dataclass
class Choice:
    rows: list[Listed]  # every listed row, with its category and field
    chosen: list[Listed]  # one row per code: the catalogue
    province_of: dict[str, str]  # field → province
    listed_by: dict[tuple[str, str], int]  # (field, province) → codes listed


def choose(rows: list[Listed], national: dict[str, dict[str, Any]]) -> Choice:
    for row in rows:
        categories = national.get(row.code, {}).get("categories") or []
        row.category = categories[0] if categories else None
        label = row.category or row.heading
        if label not in FIELDS:
            raise SystemExit(f"{row.code}: lĩnh vực '{label}' chưa được xếp (thêm vào FIELDS)")
        row.slug = FIELDS[label]
    listed_by: Counter[tuple[str, str]] = Counter()
    for field_, province in {(r.slug, r.source.province) for r in rows if r.slug}:
        listed_by[(field_, province)] = len({r.code for r in rows if r.slug == field_ and r.source.province == province})
    province_of = {}
    for field_ in LABOUR_FIELDS:
        counts = sorted(((n, p) for (f, p), n in listed_by.items() if f == field_), reverse=True)
        if not counts:
            continue
        if len(counts) > 1 and counts[0][0] == counts[1][0]:
            raise SystemExit(f"lĩnh vực {field_}: hai tỉnh liệt kê cùng số thủ tục; quy tắc cần thêm tiêu chí")
        province_of[field_] = counts[0][1]
    chosen, seen = [], set()
    for row in rows:
        if row.slug and province_of.get(row.slug) == row.source.province and row.code not in seen:
            chosen.append(row)
            seen.add(row.code)
    return Choice(rows, chosen, province_of, dict(listed_by))


def successor_of(code: str, name: str, slug: str, national: dict[str, dict[str, Any]]) -> list[str]:
    """Codes of the national catalogue of the same field whose name begins the old name (a hint, not a fact)."""
    def norm(text: str) -> str:
        return " ".join(re.sub(r"[.,;()]", " ", text.lower()).split())

    old = norm(name)
    return sorted(c for c, row in national.items()
                  if c != code and any(FIELDS.get(k) == slug for k in row.get("categories") or [])
                  and len(norm(row["name"])) >= 30 and old.startswith(norm(row["name"])))


# ---------------------------------------------------------------------- the definitions


def plan(choice: Choice, owned: dict[str, dict[str, Any]], national: dict[str, dict[str, Any]]) -> list[Planned]:
    planned: list[Planned] = []
    chosen = {row.code for row in choice.chosen}
    strays = sorted(code for code in owned if code not in chosen)
    if strays:
        raise SystemExit("định nghĩa viết tay nằm ngoài quy tắc của danh mục (chuyển ra khỏi workflows/procedures): " + ", ".join(strays))
    for row in choice.chosen:
        if row.code in owned:
            continue
        assert row.slug is not None
        source = row.source
        if row.code == "2.001955":  # its national-portal record, the only labour record among the details
            record = json.loads((DATA / "dvcqg" / "details" / "2.001955.json").read_text(encoding="utf-8"))
            data, unmapped = convert(record, {"province": row.agency, "commune": "na-ubnd-xa", "central": "tw-bo-nganh"})
            data["notes"] = (
                "Thời hạn, hình thức nộp, phí, thành phần hồ sơ, căn cứ pháp lý, kết quả và quyết định công bố lấy từ bản ghi "
                "chi tiết thủ tục của Cổng Dịch vụ công quốc gia (dvcqg/details/2.001955.json). Danh mục tại Nghệ An: "
                "QĐ 3783/QĐ-UBND ngày 20/11/2025 (Sở Nội vụ). Quy trình nội bộ chưa có trong dữ liệu: quy trình mặc định."
            )
            comments = ["# Nguồn: dvcqg/details/2.001955.json (chuyển bằng engine/definitions/importers/dvcqg.py); "
                        "danh mục Nghệ An: QĐ 3783/QĐ-UBND ngày 20/11/2025.",
                        "# Chưa chuyển được từ bản ghi:"] + [f"#   - {u}" for u in unmapped]
            planned.append(Planned(row.code, data, comments, source.number))
            continue
        channels, mode = channels_of(row.how)
        national_name = national.get(row.code, {}).get("name")
        name = clean_name(national_name or row.name)
        data = generic(row.code, name, row.slug, row.level, row.agency, channels=channels, online=mode, published_by=published_by(source))
        comments = [f"# Nguồn: QĐ {source.number} ngày {source.date[8:]}/{source.date[5:7]}/{source.date[:4]} của Chủ tịch UBND tỉnh "
                    f"{PROVINCES[source.province]} (legal_texts/{source.text}): mã, tên, cách thức nộp.",
                    f"# Lĩnh vực: {row.category or row.heading} ("
                    + (f"danh mục TTHC quốc gia ngày {NATIONAL_DATE[8:]}/{NATIONAL_DATE[5:7]}/{NATIONAL_DATE[:4]})" if row.category
                       else "tiêu đề mục của quyết định; mã không có trong danh mục TTHC quốc gia ngày 18/7/2026)")]
        if national_name and clean_name(national_name) != row.name:
            comments.append(f"# Tên trong quyết định: {row.name}")
        elif not national_name:
            comments.append("# Tên: theo quyết định (mã không có trong danh mục TTHC quốc gia ngày 18/7/2026).")
        if not national_name:
            comments.append(f"# Bãi bỏ từ ngày 18/7/2026 (dựng lại): decisions/{NATIONAL_DATE}-doi-chieu-danh-muc-quoc-gia.yaml.")
        if source.number == "3783/QĐ-UBND" and not row.heading:
            comments.append("# Mục C của danh mục: thủ tục dùng chung cho các cấp; ghi cấp tỉnh.")
        planned.append(Planned(row.code, data, comments, source.number))
    return planned
def render_procedure(item: Planned) -> str:
    body = yaml.safe_dump(item.data, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join([SCHEMA_LINE, MARKER, *item.comments]) + "\n" + body


def render_decision(data: dict[str, Any], comments: list[str] = ()) -> str:  # type: ignore[assignment]
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    return "\n".join([DECISION_SCHEMA_LINE, MARKER, *comments]) + "\n" + body


def ops(codes: list[str], **extra: Any) -> dict[str, Any]:
    return {"op": "publish", "codes": sorted(codes)} | extra




def province_of_agency(agency: str) -> str:
    return agency.split("-", 1)[0]


def decisions(choice: Choice, planned: list[Planned], owned: dict[str, dict[str, Any]], national: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The decision files: name → text."""
    out: dict[str, str] = {}
    current: dict[str, dict[str, Any]] = {p.code: p.data for p in planned} | dict(owned.items())
    sources = {row.code: row.source for row in choice.chosen}

    for prov, title in PROVINCES.items():
        old = OLD_DEPARTMENT[prov]
        groups: dict[str, list[str]] = {}
        moved: dict[str, set[str]] = {}
        for code, data in sorted(current.items()):
            if province_of_agency(data["agency"]) != prov or not is_old(code):
                continue
            successor = SUCCESSOR[prov].get(data["field"])
            before = old if successor == data["agency"] else data["agency"]
            groups.setdefault(before, []).append(code)
            if before == old:
                moved.setdefault(data["agency"], set()).add(data["field"])
        if not groups:
            continue
        key = "cao-bang" if prov == "cb" else "nghe-an"
        decisions_used = sorted({sources[c].number for codes in groups.values() for c in codes})
        out[f"0000-{key}-danh-muc-truoc-2025"] = render_decision({
            "number": None,
            "title": f"Danh mục thủ tục hành chính của Sở Lao động - Thương binh và Xã hội tỉnh {title} trước năm 2025 "
                     f"(dựng lại, trạng thái ngày {BASELINE_AS_OF[8:]}/{BASELINE_AS_OF[5:7]}/{BASELINE_AS_OF[:4]})",
            "issuer": f"Chủ tịch UBND tỉnh {title} (văn bản chưa có trong dữ liệu)",
            "signed": None, "effective": None,
            "reconstructed": {"as_of": BASELINE_AS_OF, "sources": [
                *(f"QĐ {n} của Chủ tịch UBND tỉnh {title} (mã, tên, lĩnh vực, cấp của thủ tục năm 2025)" for n in decisions_used),
                "Danh mục TTHC quốc gia ngày 18/7/2026 (lĩnh vực)",
                "Quy ước của danh mục về số mã (không phải dữ kiện nguồn): mã 1.x dưới 1.013000 và 2.x dưới 2.002000",
            ]},
            "note": (
                "Dựng lại, không phải một văn bản có trong dữ liệu (../shared/data không có văn bản công bố thủ tục nào trước năm "
                "2025). Quyết định này ghi lại trạng thái ngày 28/02/2025, trước khi hợp nhất Sở Lao động - Thương binh và Xã hội "
                "(01/3/2025): các thủ tục của danh mục năm 2025 mà quy ước coi là đã có trước đó, thuộc Sở Lao động - Thương binh "
                "và Xã hội (cấp xã: UBND cấp xã; cơ sở trợ giúp xã hội, đơn vị dịch vụ công tác xã hội: chính đơn vị đó). Mã, tên, "
                "lĩnh vực, cấp lấy theo danh mục năm 2025; ngày công bố, thời hạn, quy trình và mọi thông tin khác của phiên bản "
                "trước 2025 chưa xác nhận (đang cập nhật). Quy ước (không phải dữ kiện nguồn): các mã từ 1.013000 (dãy 1.x) và từ "
                "2.002000 (dãy 2.x) trở đi không đưa vào trạng thái trước 2025 vì dữ liệu không cho biết ngày công bố của từng thủ "
                "tục. Cấp thực hiện trước 01/7/2025 (huyện hay xã) của các thủ tục cấp xã không có trong dữ liệu."
            ),
            "operations": [ops(codes, baseline={"agency": agency}) for agency, codes in sorted(groups.items())],
        })
        moves = [{"op": "transfer", "from": old, "to": new, "fields": [f for f in LABOUR_FIELDS if f in fields], "dossiers": "move"}
                 for new, fields in sorted(moved.items())]
        if moves:
            out[f"2025-03-01-{key}-hop-nhat-so-ldtbxh"] = render_decision({
                "number": None,
                "title": f"Chuyển thẩm quyền giải quyết thủ tục của Sở Lao động - Thương binh và Xã hội tỉnh {title} sang các cơ quan "
                         "kế thừa (sắp xếp bộ máy năm 2025)",
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
    for source in PROVINCIAL.values():
        codes = [row.code for row in choice.chosen if row.source is source]
        if not codes:
            continue
        out[source.key] = render_decision({
            "number": source.number, "title": source.title, "issuer": f"Chủ tịch UBND tỉnh {PROVINCES[source.province]}",
            "signed": source.date, "effective": source.date,
            "legal_basis": ["Nghị định số 118/2025/NĐ-CP ngày 09/6/2025", "Thông tư số 03/2025/TT-VPCP ngày 15/9/2025"],
            "note": source.note,
            "operations": [ops(codes)],
        })
    gone = sorted(code for code in current if code not in national)
    if gone:
        hints = []
        for code in gone:
            found = successor_of(code, current[code]["name"], current[code]["field"], national)
            if found:
                hints.append(f"{code} → {', '.join(found)}")
        out[f"{NATIONAL_DATE}-doi-chieu-danh-muc-quoc-gia"] = render_decision({
            "number": None,
            "title": "Bãi bỏ các thủ tục không còn trong danh mục thủ tục hành chính quốc gia ngày 18/7/2026 (dựng lại)",
            "issuer": "Các bộ công bố thủ tục; văn bản bãi bỏ hoặc thay thế chưa có trong dữ liệu",
            "signed": None, "effective": NATIONAL_DATE,
            "reconstructed": {"as_of": NATIONAL_DATE, "sources": [
                f"Danh mục TTHC quốc gia ngày 18/7/2026 (dvcqg/catalog_{NATIONAL_DATE}.jsonl, 5.670 thủ tục): không có các mã này"]},
            "legal_basis": [f"Danh mục thủ tục hành chính trên Cổng Dịch vụ công quốc gia ngày {NATIONAL_DATE}"],
            "note": (
                "Dựng lại, không phải một văn bản có trong dữ liệu: các thủ tục này được tỉnh công bố năm 2025 nhưng danh mục TTHC "
                "quốc gia ngày 18/7/2026 không còn mã của chúng, nên chậm nhất từ ngày đó chúng không nhận hồ sơ mới (hồ sơ đang "
                "giải quyết được giải quyết tiếp). Ngày bãi bỏ thật (có thể sớm hơn) và văn bản bãi bỏ hoặc thay thế chưa có; khi có, "
                "thay quyết định này bằng văn bản thật. Thủ tục có thể thay thế (cùng lĩnh vực, tên trong danh mục quốc gia là phần "
                "đầu của tên cũ; gợi ý để cán bộ kiểm soát TTHC xác nhận, không tự công bố vì chưa có quyết định của tỉnh): "
                + ("; ".join(hints) if hints else "không tìm thấy") + "."
            ),
            "operations": [{"op": "abolish", "codes": gone}],
        })
    return out


# ---------------------------------------------------------------------- the rule, written out with its counts


def rule_text(choice: Choice, current: dict[str, dict[str, Any]], national: dict[str, dict[str, Any]]) -> str:
    date_label = f"{NATIONAL_DATE[8:]}/{NATIONAL_DATE[5:7]}/{NATIONAL_DATE[:4]}"
    lines = [
        "<!-- Sinh tự động bởi tools/build_catalogue.py từ ../shared/data; sửa tay sẽ bị ghi đè. -->",
        "## Quy tắc chọn thủ tục",
        "",
        "Danh mục là các thủ tục thuộc lĩnh vực của ngành lao động - thương binh và xã hội như một tỉnh thực hiện, chọn từ "
        "dữ liệu dùng chung (`../shared/data`) theo quy tắc sau; số thủ tục là kết quả của quy tắc, không phải chỉ tiêu "
        f"({REFERENCE_2023} là số một tỉnh báo cáo năm 2023, chỉ để so sánh quy mô).",
        "",
        "1. **Nguồn**: các quyết định của tỉnh có trong dữ liệu liệt kê thủ tục theo mã: "
        + "; ".join(f"QĐ {s.number} ngày {s.date[8:]}/{s.date[5:7]}/{s.date[:4]} ({PROVINCES[s.province]})" for s in PROVINCIAL.values())
        + " (của QĐ 3771/QĐ-UBND chỉ đọc hai mục giáo dục nghề nghiệp). Cấp thực hiện theo danh mục của quyết định "
        "(cấp tỉnh, cấp xã; mục \"dùng chung cho các cấp\" của QĐ 3783/QĐ-UBND ghi cấp tỉnh).",
        f"2. **Lĩnh vực**: lĩnh vực của thủ tục là lĩnh vực trong danh mục TTHC quốc gia ngày {date_label} (mã không có trong "
        "danh mục đó: tiêu đề mục của quyết định). Chỉ giữ chín lĩnh vực của ngành lao động - thương binh và xã hội: "
        + ", ".join(field_name(f) for f in LABOUR_FIELDS) + ". Lĩnh vực riêng của cơ quan khác (công chức, viên chức; văn thư, "
        "lưu trữ; thi đua, khen thưởng; công tác thanh niên) bị loại.",
        "3. **Mỗi lĩnh vực một tỉnh**: tỉnh có quyết định liệt kê nhiều thủ tục của lĩnh vực đó nhất. Lĩnh vực không quyết định "
        "nào liệt kê thì không có thủ tục.",
        f"4. **Mã**: mọi mã có trong danh mục TTHC quốc gia ngày {date_label}, hoặc bị bãi bỏ bởi quyết định dựng lại ngày "
        f"{date_label} (`workflows/decisions/{NATIONAL_DATE}-doi-chieu-danh-muc-quoc-gia.yaml`).",
        f"5. **Trước năm 2025**: trạng thái dựng lại ngày {BASELINE_AS_OF[8:]}/{BASELINE_AS_OF[5:7]}/{BASELINE_AS_OF[:4]} (trước khi "
        "hợp nhất Sở Lao động - Thương binh và Xã hội), đánh dấu `reconstructed` trong tệp quyết định; theo quy ước, chỉ các mã "
        "1.x dưới 1.013000 và 2.x dưới 2.002000.",
        "6. **Địa danh, cơ quan**: mỗi thủ tục thuộc đúng một tỉnh; cơ quan của thủ tục và của mọi bước là của tỉnh đó, và phiếu, "
        "biểu mẫu ghi địa danh của tỉnh đó (`province` trong `agencies.yaml`).",
        "",
        "### Lĩnh vực và tỉnh",
        "",
        "| lĩnh vực | " + " | ".join(f"{name}: số mã liệt kê" for name in PROVINCES.values()) + " | tỉnh được chọn |",
        "|---|" + "---:|" * len(PROVINCES) + "---|",
    ]
    for field_ in LABOUR_FIELDS:
        counts = [choice.listed_by.get((field_, p), 0) for p in PROVINCES]
        chosen = PROVINCES[choice.province_of[field_]] if field_ in choice.province_of else "không có (không quyết định nào của dữ liệu liệt kê)"
        lines.append(f"| {field_name(field_)} | " + " | ".join(map(str, counts)) + f" | {chosen} |")
    lines += ["", "### Các quyết định nguồn", "",
              "| quyết định | tỉnh | số mã liệt kê | giữ | loại vì lĩnh vực của cơ quan khác | loại vì lĩnh vực thuộc tỉnh khác |",
              "|---|---|---:|---:|---|---|"]
    for source in PROVINCIAL.values():
        rows = [r for r in choice.rows if r.source is source]
        codes = {r.code for r in rows}
        other = Counter((r.category or r.heading) for r in {r.code: r for r in rows if not r.slug}.values())
        elsewhere = sorted({r.code for r in rows if r.slug and choice.province_of.get(r.slug) != source.province})
        lines.append(f"| QĐ {source.number} | {PROVINCES[source.province]} | {len(codes)} | "
                     f"{sum(1 for c in choice.chosen if c.source is source)} | "
                     + (", ".join(f"{k}: {n}" for k, n in sorted(other.items())) or "—") + " | "
                     + (", ".join(elsewhere) or "—") + " |")
    absent = sorted(c for c in current if c not in national)
    lines += ["", f"Mã không có trong danh mục TTHC quốc gia ngày {date_label}, bãi bỏ bởi quyết định dựng lại: "
              + (", ".join(absent) if absent else "không có") + ".", ""]
    return "\n".join(lines) + "\n"


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
    national = national_catalogue()
    owned = owned_definitions()
    choice = choose(listed(owned), national)
    planned = plan(choice, owned, national)
    current = {p.code: p.data for p in planned} | dict(owned.items())
    files: dict[Path, str] = {item.path: render_procedure(item) for item in planned}
    for name, text in decisions(choice, planned, owned, national).items():
        files[WORKFLOWS / "decisions" / f"{name}.yaml"] = text
    files[WORKFLOWS / "schema" / "decision.schema.json"] = decision_schema_json()
    files[WORKFLOWS / RULE_FILE] = rule_text(choice, current, national)
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
            p.write_text(files[p], encoding="utf-8")
        for folder in sorted((WORKFLOWS / "procedures").iterdir(), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
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
              f"{len(timeline.at(None))} thủ tục có hiệu lực, {len(timeline.abolished_at(None))} đã bãi bỏ; "
              f"{len(timeline.errors)} lỗi.")
        for problem in timeline.errors:
            print(problem)
        if timeline.errors:
            return 1
    return 1 if args.check and (changed or stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
