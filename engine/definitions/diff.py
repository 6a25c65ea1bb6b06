"""What changed between two versions of a procedure (or two catalogues), in words an analyst reads.

:func:`diff_definitions` compares two definition mappings (as in the YAML files)
and returns one line per change: deadline, steps with their allowances, roles
and units, documents, fees, channels, online level, legal basis, and the rest.
:func:`diff_catalogues` compares two sets of definitions (the catalogue on two
dates): procedures added, removed, and changed with their own lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..durations import duration_label
from .model import raw_variants
from .schema import ROLES

_LABELS = {
    "name": "Tên", "field": "Lĩnh vực", "level": "Cấp", "agency": "Cơ quan giải quyết", "counting": "Cách tính thời hạn",
    "on_supplement": "Khi bổ sung hồ sơ", "notes": "Ghi chú", "source": "Văn bản phê duyệt quy trình",
}


def _duration(value: Any) -> str:
    return duration_label(value, missing="—")


def _list(values: Any) -> str:
    return ", ".join(map(str, values)) if values else "—"


def _steps(route: Any) -> list[dict[str, Any]]:
    if isinstance(route, list):
        return route
    if isinstance(route, dict):
        return route.get("steps", [])
    return []


def _role(role: Any) -> str:
    return f"{ROLES.get(role, role)} ({role})"


def _outcomes(step: dict[str, Any]) -> Any:
    return step.get("outcomes")


def _step_lines(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    name = b.get("name", b["id"])
    sid = b["id"]
    if a.get("allowance") != b.get("allowance"):
        lines.append(f"Bước '{sid}' ({name}): thời gian {_duration(a.get('allowance'))} → {_duration(b.get('allowance'))}")
    if a.get("role") != b.get("role"):
        lines.append(f"Bước '{sid}': vai trò {_role(a.get('role'))} → {_role(b.get('role'))}")
    if a.get("unit", "") != b.get("unit", ""):
        lines.append(f"Bước '{sid}': đơn vị thực hiện '{a.get('unit', '')}' → '{b.get('unit', '')}'")
    if a.get("division") != b.get("division"):
        lines.append(f"Bước '{sid}': phòng {a.get('division') or '—'} → {b.get('division') or '—'}")
    if a.get("agency") != b.get("agency"):
        lines.append(f"Bước '{sid}': cơ quan {a.get('agency') or '(cơ quan giải quyết)'} → {b.get('agency') or '(cơ quan giải quyết)'}")
    if a.get("name") != b.get("name"):
        lines.append(f"Bước '{sid}': nội dung '{a.get('name', '')}' → '{b.get('name', '')}'")
    for key, label in (("kind", "loại bước"), ("forms", "biểu mẫu"), ("next", "bước tiếp theo")):
        if a.get(key) != b.get(key):
            lines.append(f"Bước '{sid}': {label} {a.get(key) or '—'} → {b.get(key) or '—'}")
    if _outcomes(a) != _outcomes(b):
        lines.append(f"Bước '{sid}': kết quả {_outcomes(a) or '—'} → {_outcomes(b) or '—'}")
    if a.get("checkpoints", []) != b.get("checkpoints", []):
        ids = lambda s: [c if isinstance(c, str) else c["id"] for c in s.get("checkpoints", [])]  # noqa: E731
        lines.append(f"Bước '{sid}': nội dung kiểm tra {_list(ids(a))} → {_list(ids(b))}")
    return lines


def _route_lines(a: Any, b: Any) -> list[str]:
    lines: list[str] = []
    if isinstance(a, dict) != isinstance(b, dict) or (isinstance(a, dict) and (a.get("bpmn"), a.get("process")) != (b.get("bpmn"), b.get("process"))):
        left = a.get("bpmn") if isinstance(a, dict) else "YAML"
        right = b.get("bpmn") if isinstance(b, dict) else "YAML"
        lines.append(f"Quy trình: {left} → {right}")
    sa, sb = _steps(a), _steps(b)
    ia, ib = {s["id"]: s for s in sa}, {s["id"]: s for s in sb}
    for s in sa:
        if s["id"] not in ib:
            lines.append(f"Bỏ bước '{s['id']}' ({s.get('name', s['id'])}, {_role(s.get('role'))}, {_duration(s.get('allowance'))})")
    for s in sb:
        if s["id"] not in ia:
            lines.append(f"Thêm bước '{s['id']}' ({s.get('name', s['id'])}, {_role(s.get('role'))}, {_duration(s.get('allowance'))})")
        else:
            lines += _step_lines(ia[s["id"]], s)
    common_a = [s["id"] for s in sa if s["id"] in ib]
    common_b = [s["id"] for s in sb if s["id"] in ia]
    if common_a != common_b:
        lines.append(f"Thứ tự các bước: {' → '.join(common_a)}  thành  {' → '.join(common_b)}")
    return lines


def _document_lines(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    da = {d["name"]: d for d in a}
    db = {d["name"]: d for d in b}
    ida = {d["id"]: d for d in a}
    renamed: set[str] = set()
    for d in b:
        if d["name"] not in da and d["id"] in ida and ida[d["id"]]["name"] not in db:
            lines.append(f"Giấy tờ '{d['id']}': tên '{ida[d['id']]['name']}' → '{d['name']}'")
            renamed |= {ida[d["id"]]["name"], d["name"]}
            da_item = ida[d["id"]]
            lines += _document_counts(da_item, d)
    for name in da:
        if name not in db and name not in renamed:
            lines.append(f"Bỏ giấy tờ: {name}")
    for name, d in db.items():
        if name in renamed:
            continue
        if name not in da:
            lines.append(f"Thêm giấy tờ: {name} ({d.get('originals', 0)} bản chính, {d.get('copies', 0)} bản sao{'' if d.get('required', True) else ', nếu có'})")
        else:
            lines += _document_counts(da[name], d)
    return lines


def _document_counts(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    lines = []
    for key, label in (("originals", "bản chính"), ("copies", "bản sao")):
        if a.get(key, 0) != b.get(key, 0):
            lines.append(f"Giấy tờ '{b['name']}': {label} {a.get(key, 0)} → {b.get(key, 0)}")
    if a.get("required", True) != b.get("required", True):
        lines.append(f"Giấy tờ '{b['name']}': {'bắt buộc' if b.get('required', True) else 'không bắt buộc'}")
    return lines


def _fee_text(fee: dict[str, Any]) -> str:
    amount = fee.get("amount")
    text = "không rõ số tiền" if amount is None else f"{amount:,.0f} đồng".replace(",", ".")
    if fee.get("channel"):
        text += f" ({fee['channel']})"
    return text


def _fee_lines(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[str]:
    def key(f: dict[str, Any]) -> str:
        return f"{f['name']}|{f.get('channel', '')}"

    fa, fb = {key(f): f for f in a}, {key(f): f for f in b}
    lines = []
    for k, f in fa.items():
        if k not in fb:
            lines.append(f"Bỏ phí, lệ phí: {f['name']} ({_fee_text(f)})")
    for k, f in fb.items():
        if k not in fa:
            lines.append(f"Thêm phí, lệ phí: {f['name']} ({_fee_text(f)})")
        elif (fa[k].get("amount"), fa[k].get("note")) != (f.get("amount"), f.get("note")):
            lines.append(f"Phí, lệ phí '{f['name']}': {_fee_text(fa[k])} → {_fee_text(f)}")
    return lines


def _set_lines(label: str, a: list[Any], b: list[Any]) -> list[str]:
    lines = [f"Bỏ {label}: {x}" for x in a if x not in b]
    lines += [f"Thêm {label}: {x}" for x in b if x not in a]
    return lines


def diff_definitions(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """The changes from definition ``a`` to definition ``b``, one readable line each."""
    lines: list[str] = []
    if a.get("code") != b.get("code"):
        lines.append(f"Mã thủ tục: {a.get('code')} → {b.get('code')}")
    for key in ("name", "field", "level", "agency"):
        if a.get(key) != b.get(key):
            lines.append(f"{_LABELS[key]}: {a.get(key)} → {b.get(key)}")
    va = {v["id"]: v for v in raw_variants(dict(a))}
    vb = {v["id"]: v for v in raw_variants(dict(b))}
    for case in [*va, *(c for c in vb if c not in va)]:
        if case not in vb:
            lines.append(f"Bỏ trường hợp: {va[case]['name']}")
            continue
        if case not in va:
            lines.append(f"Thêm trường hợp: {vb[case]['name']} ({_duration(vb[case]['deadline'])})")
        prefix = f"[{vb[case]['name']}] " if case else ""
        da, db = (va[case]["deadline"] if case in va else {}) or {}, vb[case]["deadline"] or {}
        if case in va and _duration(da or None) != _duration(db or None):
            lines.append(f"{prefix}Thời hạn giải quyết: {_duration(da or None)} → {_duration(db or None)}")
        elif case in va and da.get("note") != db.get("note"):
            lines.append(f"{prefix}Thời hạn giải quyết {_duration(db or None)}: ghi chú '{da.get('note', '')}' → '{db.get('note', '')}'")
        if case in va:
            lines += [prefix + line for line in _route_lines(va[case]["steps"], vb[case]["steps"])]
    ca, cb = a.get("channel_times", {}), b.get("channel_times", {})
    for channel in sorted(set(ca) | set(cb)):
        if ca.get(channel) != cb.get(channel):
            lines.append(f"Thời hạn qua kênh {channel}: {_duration(ca.get(channel))} → {_duration(cb.get(channel))}")
    for key in ("counting", "on_supplement"):
        if a.get(key) != b.get(key):
            lines.append(f"{_LABELS[key]}: {a.get(key) or 'mặc định'} → {b.get(key) or 'mặc định'}")
    lines += _document_lines(list(a.get("documents", [])), list(b.get("documents", [])))
    lines += _fee_lines(list(a.get("fees", [])), list(b.get("fees", [])))
    lines += _set_lines("hình thức nộp", list(a.get("channels", [])), list(b.get("channels", [])))
    oa, ob = a.get("online", {}), b.get("online", {})
    if oa.get("mode") != ob.get("mode"):
        lines.append(f"Dịch vụ công trực tuyến: {oa.get('mode') or '—'} → {ob.get('mode') or '—'}")
    if oa.get("legacy_level") != ob.get("legacy_level"):
        lines.append(f"Mức độ (cũ): {oa.get('legacy_level') or '—'} → {ob.get('legacy_level') or '—'}")
    lines += _set_lines("căn cứ pháp lý", list(a.get("legal_basis", [])), list(b.get("legal_basis", [])))
    lines += _set_lines("kết quả", list(a.get("results", [])), list(b.get("results", [])))
    pa, pb = a.get("published_by") or {}, b.get("published_by") or {}
    if pa != pb:
        lines.append(f"Quyết định công bố: {pa.get('decision', '—')} ({pa.get('date', '—')}) → {pb.get('decision', '—')} ({pb.get('date', '—')})")
    ua, ub = set(a.get("unconfirmed", [])), set(b.get("unconfirmed", []))
    if ua - ub:
        lines.append(f"Đã xác nhận từ nguồn: {_list(sorted(ua - ub))}")
    if ub - ua:
        lines.append(f"Chuyển thành chưa xác nhận: {_list(sorted(ub - ua))}")
    for key in ("source", "notes"):
        if a.get(key) != b.get(key):
            lines.append(f"{_LABELS[key]} thay đổi")
    return lines


@dataclass
class CatalogueDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def lines(self, names: Mapping[str, str]) -> list[str]:
        out = [f"+ {code} {names.get(code, '')}" for code in self.added]
        out += [f"- {code} {names.get(code, '')}" for code in self.removed]
        for code, changes in self.changed.items():
            out.append(f"~ {code} {names.get(code, '')}")
            out += [f"    {line}" for line in changes]
        return out


def diff_catalogues(a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]) -> CatalogueDiff:
    """Procedures added, removed and changed between two catalogues (code → definition)."""
    result = CatalogueDiff()
    result.added = sorted(set(b) - set(a))
    result.removed = sorted(set(a) - set(b))
    for code in sorted(set(a) & set(b)):
        lines = diff_definitions(a[code], b[code])
        if lines:
            result.changed[code] = lines
    return result


__all__ = ["CatalogueDiff", "diff_catalogues", "diff_definitions"]
