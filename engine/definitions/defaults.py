"""A field's default route, for procedures whose approved internal process is not known.

Such a definition says ``unconfirmed: [route, ...]``: the route below only lets
the engine run a dossier (when an administrator allows unconfirmed procedures);
it is not a legal fact. The steps follow the pattern every approved Cao Bằng
process of 2025 shares (intake at the one-stop desk, assignment, appraisal,
review, approval, registration, return), scaled to fit the deadline.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

# Placeholder deadlines when the source gives none (always marked unconfirmed).
PLACEHOLDER_DEADLINE: dict[str, dict[str, Any]] = {
    "central": {"working_days": 20, "note": "Giá trị tạm, chưa xác nhận từ nguồn"},
    "province": {"working_days": 10, "note": "Giá trị tạm, chưa xác nhận từ nguồn"},
    "district": {"working_days": 10, "note": "Giá trị tạm, chưa xác nhận từ nguồn"},
    "commune": {"working_days": 5, "note": "Giá trị tạm, chưa xác nhận từ nguồn"},
}

# (id, kind, role, share of the deadline, name, unit template)
_PROVINCE_STEPS = [
    ("intake", "intake", "one_stop", Decimal("0.05"), "Tiếp nhận, kiểm tra hồ sơ, lập phiếu tiếp nhận và hẹn trả kết quả", "Bộ phận Một cửa"),
    ("assign", "task", "division_head", Decimal("0.05"), "Phân công thụ lý hồ sơ", "Lãnh đạo phòng chuyên môn {field}"),
    ("appraise", "task", "specialist", Decimal("0.65"), "Thẩm định hồ sơ, trình lãnh đạo phòng", "Chuyên viên phòng chuyên môn {field}"),
    ("review", "task", "division_head", Decimal("0.05"), "Xem xét hồ sơ, trình lãnh đạo cơ quan", "Lãnh đạo phòng chuyên môn {field}"),
    ("approve", "task", "director", Decimal("0.15"), "Phê duyệt kết quả giải quyết", "Lãnh đạo cơ quan"),
    ("register", "task", "clerk", Decimal("0.05"), "Vào sổ, đóng dấu, chuyển kết quả cho Bộ phận Một cửa", "Văn thư"),
]
_COMMUNE_STEPS = [
    ("intake", "intake", "one_stop", Decimal("0.1"), "Tiếp nhận, kiểm tra hồ sơ, lập phiếu tiếp nhận và hẹn trả kết quả", "Bộ phận Một cửa cấp xã"),
    ("appraise", "task", "specialist", Decimal("0.6"), "Thẩm định hồ sơ, trình lãnh đạo", "Công chức chuyên môn {field}"),
    ("approve", "task", "director", Decimal("0.2"), "Phê duyệt kết quả giải quyết", "Lãnh đạo UBND cấp xã"),
    ("register", "task", "clerk", Decimal("0.1"), "Vào sổ, đóng dấu, chuyển kết quả cho Bộ phận Một cửa", "Văn thư"),
]


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def default_route(level: str, deadline: dict[str, Any], field_label: str = "") -> list[dict[str, Any]]:
    """Steps whose allowances add up to no more than ``deadline`` (a schema duration)."""
    unit = next(k for k in deadline if k != "note")
    total = Decimal(str(deadline[unit]))
    template = _COMMUNE_STEPS if level == "commune" else _PROVINCE_STEPS
    quantum = Decimal(1) if unit == "calendar_days" else Decimal("0.25")
    amounts = [
        (total * share / quantum).to_integral_value(ROUND_DOWN) * quantum for _i, _k, _r, share, _n, _u in template
    ]
    appraise = next(i for i, step in enumerate(template) if step[2] == "specialist")
    amounts[appraise] = total - sum(a for i, a in enumerate(amounts) if i != appraise)
    steps: list[dict[str, Any]] = []
    for (step_id, kind, role, _share, name, unit_text), amount in zip(template, amounts, strict=True):
        step: dict[str, Any] = {"id": step_id}
        if kind != "task":
            step["kind"] = kind
        step |= {"name": name, "role": role, "unit": unit_text.format(field=field_label).strip()}
        step["allowance"] = {unit: _number(amount)} if amount > 0 else "not_counted"
        if kind == "intake":
            step["forms"] = ["receipt"]
        if role == "specialist":
            step["outcomes"] = ["propose_approval", "request_supplement", "propose_refusal"]
        if role == "clerk":
            step["forms"] = ["result"]
        steps.append(step)
    steps.append({
        "id": "return", "kind": "return", "name": "Trả kết quả giải quyết cho tổ chức, cá nhân",
        "role": "one_stop", "unit": "Bộ phận Một cửa", "allowance": "not_counted",
    })
    return steps
