"""The public listing of procedures (niêm yết công khai) and a search that ignores diacritics.

:func:`listing` turns the catalogue in force on a date into plain records a
page or an API can show as they are: every fact the source does not confirm is
the text ``đang cập nhật``, never a guess. :func:`search` finds procedures by
code or name whatever the accents and case ("tro cap tho cung" finds "trợ
cấp thờ cúng"). :func:`catalogue_markdown` writes workflows/CATALOGUE.md.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .definitions.catalog import Agency
from .durations import UPDATING, deadline_label
from .text import fold

FIELD_NAMES: dict[str, str] = {
    "lao-dong-tien-luong": "Lao động, tiền lương",
    "bao-hiem-xa-hoi": "Bảo hiểm xã hội",
    "viec-lam": "Việc làm",
    "nguoi-co-cong": "Người có công",
    "an-toan-ve-sinh-lao-dong": "An toàn, vệ sinh lao động",
    "bao-tro-xa-hoi": "Bảo trợ xã hội",
    "tre-em": "Trẻ em",
    "phong-chong-te-nan-xa-hoi": "Phòng, chống tệ nạn xã hội",
    "giao-duc-nghe-nghiep": "Giáo dục nghề nghiệp",
    "giam-ngheo": "Giảm nghèo",
    "quan-ly-lao-dong-ngoai-nuoc": "Quản lý lao động ngoài nước",
    "cong-chuc-vien-chuc": "Công chức, viên chức",
    "thanh-nien": "Công tác thanh niên",
    "van-thu-luu-tru": "Văn thư, lưu trữ",
    "lao-dong": "Lao động",
    "thi-dua-khen-thuong": "Thi đua, khen thưởng",
}
LEVEL_NAMES = {"central": "Trung ương", "province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}
CHANNEL_NAMES = {"direct": "Trực tiếp", "postal": "Bưu chính công ích", "online": "Trực tuyến"}
ONLINE_NAMES = {"full": "Toàn trình", "partial": "Một phần", "none": "Không trực tuyến"}


def field_name(slug: str) -> str:
    return FIELD_NAMES.get(slug, slug.replace("-", " ").capitalize())


@dataclass(frozen=True)
class ListedProcedure:
    """One procedure as the public listing shows it."""

    code: str
    name: str
    field: str
    field_name: str
    level: str
    agency: str
    agency_name: str
    deadline: str
    fees: list[str] | str
    documents: list[str] | str
    channels: list[str] | str
    online: str
    legal_basis: list[str] | str
    published_by: str
    confirmed: bool
    unconfirmed: list[str] = dataclasses.field(default_factory=list)  # in full: ``field`` is an attribute here
    abolished: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def search_key(self) -> str:
        return fold(f"{self.code} {self.name}")


def _money(amount: Any) -> str:
    value = Decimal(str(amount))
    return f"{value:,.0f}".replace(",", ".") + " đồng"


def _fee(fee: dict[str, Any]) -> str:
    amount = fee.get("amount")
    text = fee["name"]
    if amount is not None:
        text += f": {_money(amount)}" if amount else ": không thu"
    else:
        text += f": {UPDATING}"  # an amount the source does not give as a VND figure: never "không thu"
    if fee.get("note"):
        text += f" ({fee['note']})"
    return text


def _document(doc: dict[str, Any]) -> str:
    parts = []
    if doc.get("originals"):
        parts.append(f"{doc['originals']} bản chính")
    if doc.get("copies"):
        parts.append(f"{doc['copies']} bản sao")
    tail = f" ({', '.join(parts)})" if parts else ""
    optional = "" if doc.get("required", True) else " — nếu có"
    shown = " — chỉ xuất trình để đối chiếu, không nộp" if doc.get("show_only") else ""
    return f"{doc['name']}{tail}{optional}{shown}"


def list_item(definition: dict[str, Any], agencies: dict[str, Agency], published_by: str | None = None, *, abolished: bool = False) -> ListedProcedure:
    """The listing record of one procedure version (its definition data)."""
    unconfirmed = set(definition.get("unconfirmed", ()))

    def either(key: str, value: Any) -> Any:
        return UPDATING if key in unconfirmed else value

    online = definition.get("online", {})
    online_text = ONLINE_NAMES.get(online.get("mode", ""), "")
    if online.get("legacy_level"):
        online_text = f"{online_text} (mức độ {online['legacy_level']})".strip()
    decision = published_by or (definition.get("published_by") or {}).get("decision") or UPDATING
    agency = agencies.get(definition["agency"])
    return ListedProcedure(
        code=definition["code"],
        name=definition["name"],
        field=definition["field"],
        field_name=field_name(definition["field"]),
        level=LEVEL_NAMES.get(definition["level"], definition["level"]),
        agency=definition["agency"],
        agency_name=agency.name if agency else definition["agency"],
        deadline=either("deadline", deadline_label(definition)),
        fees=either("fees", [_fee(f) for f in definition.get("fees", [])] or ["Không quy định"]),
        documents=either("documents", [_document(d) for d in definition.get("documents", [])]),
        channels=either("channels", [CHANNEL_NAMES[c] for c in definition.get("channels", ["direct"])]),
        online=either("online", online_text or UPDATING),
        legal_basis=either("legal_basis", list(definition.get("legal_basis", []))),
        published_by=decision,
        confirmed=not (unconfirmed & {"deadline", "route"}),
        unconfirmed=sorted(unconfirmed),
        abolished=abolished,
    )


def listing(entries: Iterable[Any], agencies: dict[str, Agency]) -> list[ListedProcedure]:
    """Listing records for timeline entries (``engine.decisions.Entry``) or Procedure objects."""
    items = []
    for entry in entries:
        if hasattr(entry, "definition"):
            items.append(list_item(entry.definition, agencies, entry.decision.label, abolished=entry.abolished))
        else:
            items.append(list_item(entry.raw, agencies))
    return sorted(items, key=lambda i: (i.field, i.code))


def search(items: Sequence[ListedProcedure], query: str) -> list[ListedProcedure]:
    """Items whose code or name holds every word of ``query``, ignoring diacritics and case.

    Best first: the exact code, then names holding the words as one phrase, then shorter names.
    """
    folded = fold(query)
    words = folded.split()
    if not words:
        return list(items)
    found = [item for item in items if all(word in item.search_key for word in words)]
    return sorted(found, key=lambda i: (i.code != folded, folded not in i.search_key, len(i.name), i.code))


# ---------------------------------------------------------------------- the generated index


def _table(counter: Counter[str], label: str) -> list[str]:
    lines = [f"| {label} | số thủ tục |", "|---|---:|"]
    lines += [f"| {key} | {count} |" for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"| **Tổng** | **{sum(counter.values())}** |")
    return lines


def catalogue_markdown(entries: Sequence[Any], agencies: dict[str, Agency], on: date | None, history: Sequence[tuple[str, int]] = (),
                       *, rule: str = "", abolished: Sequence[Any] = ()) -> str:
    """workflows/CATALOGUE.md: the rule that chose it, counts by field, agency, level, online level,
    confirmation and field × level × confirmation; every procedure; the procedures abolished."""
    items = listing(entries, agencies)
    when = f"ngày {on:%d/%m/%Y}" if on else "theo các tệp hiện tại"
    confirmed = sum(1 for i in items if i.confirmed)
    lines = [
        "# Danh mục thủ tục hành chính",
        "",
        "<!-- Tệp sinh tự động: `motcua catalogue --markdown workflows/CATALOGUE.md`. Không sửa tay. -->",
        "",
        f"Danh mục có hiệu lực {when}: **{len(items)} thủ tục**, {confirmed} đã xác nhận thời hạn và quy trình "
        f"từ văn bản nguồn, {len(items) - confirmed} còn \"{UPDATING}\" (dùng quy trình mặc định của lĩnh vực; "
        "chỉ nhận hồ sơ khi quản trị viên cho phép thủ tục chưa xác nhận).",
        "",
    ]
    if rule:
        lines += [rule.strip(), ""]
    if history:
        lines += ["Số thủ tục có hiệu lực theo thời gian (áp dụng lần lượt các quyết định trong `workflows/decisions/`):", ""]
        lines += ["| ngày | số thủ tục |", "|---|---:|"] + [f"| {d} | {n} |" for d, n in history] + [""]
    online = Counter(i.online if i.online != UPDATING else UPDATING for i in items)
    sections = [
        ("Theo lĩnh vực", Counter(i.field_name for i in items), "lĩnh vực"),
        ("Theo cơ quan giải quyết", Counter(i.agency_name for i in items), "cơ quan"),
        ("Theo cấp", Counter(i.level for i in items), "cấp"),
        ("Theo mức độ dịch vụ công trực tuyến", online, "mức độ"),
        ("Theo tình trạng xác nhận", Counter("đã xác nhận" if i.confirmed else UPDATING for i in items), "tình trạng"),
    ]
    for title, counter, label in sections:
        lines += [f"## {title}", "", *_table(counter, label), ""]
    lines += ["## Theo lĩnh vực, cấp và tình trạng xác nhận", "", *_cross_table(items)]
    lines += ["## Danh sách", "", "| mã | tên | lĩnh vực | cấp | cơ quan | thời hạn | quyết định | xác nhận |", "|---|---|---|---|---|---|---|---|"]
    for i in items:
        name = i.name.replace("|", "\\|")
        lines.append(
            f"| {i.code} | {name} | {i.field_name} | {i.level} | {i.agency_name} | {i.deadline} | {i.published_by} | {'có' if i.confirmed else 'chưa'} |"
        )
    gone = listing(abolished, agencies)
    if gone:
        lines += ["", "## Đã bãi bỏ", "", f"{len(gone)} thủ tục đã công bố rồi bị bãi bỏ (không nhận hồ sơ mới):", "",
                  "| mã | tên | lĩnh vực | cơ quan | bãi bỏ bởi |", "|---|---|---|---|---|"]
        lines += [f"| {i.code} | {i.name.replace('|', chr(92) + '|')} | {i.field_name} | {i.agency_name} | {i.published_by} |" for i in gone]
    return "\n".join(lines) + "\n"


def _cross_table(items: Sequence[ListedProcedure]) -> list[str]:
    """Field × level × confirmed: one row per field, one column per (level, confirmed) pair that occurs."""
    counts = Counter((i.field_name, i.level, i.confirmed) for i in items)
    columns = sorted({(level, confirmed) for _, level, confirmed in counts}, key=lambda c: (c[0], not c[1]))
    header = " | ".join(f"{level}, {'đã xác nhận' if confirmed else UPDATING}" for level, confirmed in columns)
    lines = [f"| lĩnh vực | {header} | tổng |", "|---|" + "---:|" * (len(columns) + 1)]
    for name in sorted({f for f, _, _ in counts}):
        row = [counts[(name, level, confirmed)] for level, confirmed in columns]
        lines.append(f"| {name} | " + " | ".join(map(str, row)) + f" | {sum(row)} |")
    totals = [sum(counts[(f, level, confirmed)] for f in {f for f, _, _ in counts}) for level, confirmed in columns]
    lines.append("| **Tổng** | " + " | ".join(f"**{t}**" for t in totals) + f" | **{sum(totals)}** |")
    return lines + [""]


__all__ = ["FIELD_NAMES", "ListedProcedure", "UPDATING", "catalogue_markdown", "field_name", "fold", "list_item", "listing", "search"]
