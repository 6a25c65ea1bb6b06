"""The procedure-definition schema, as JSON Schema (draft 2020-12).

This dict is the single source: ``motcua schema`` writes it to
``workflows/schema/procedure.schema.json`` for editors, and a test keeps the
file in sync. Semantic rules that JSON Schema cannot say (reachability, known
roles and agencies, allowances within the deadline) live in ``validate.py``.
"""

from __future__ import annotations

import json
from typing import Any

from ..labels import ROLES  # the roles a step may name, with their labels

# Forms a step may produce. Numbers per regime live in workflows/forms.yaml.
FORMS: dict[str, str] = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement_request": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    "stop_notice": "Thông báo dừng giải quyết hồ sơ",
    "closure_notice": "Thông báo đóng hồ sơ do không bổ sung trong thời hạn",
    "refusal_decision": "Văn bản trả lời từ chối giải quyết hồ sơ",
    "control_slip": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
    "tracking_ledger": "Sổ theo dõi hồ sơ",
    "transfer_note": "Văn bản chuyển hồ sơ liên thông",
    "result": "Kết quả giải quyết thủ tục hành chính",
}

UNCONFIRMABLE = ["deadline", "fees", "documents", "route", "channels", "legal_basis", "online"]

# Outcome names with a meaning of their own (see docs/authoring.md).
SUPPLEMENT_OUTCOME = "request_supplement"
END = "end"

_SLUG = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
_ID = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
# A step id is an XML name (NCName), as BPMN modellers write task ids: Activity_0x1ab2c, sid-35027A00-…, _ec59e164-…
NCNAME = "^[A-Za-z_\u00C0-\u02FF\u0370-\u1FFF\u200C-\uD7FF\uF900-\uFFFD][A-Za-z0-9_.\\-\u00B7\u00C0-\u02FF\u0300-\u1FFF\u200C-\uD7FF\uF900-\uFFFD]{0,199}$"
_STEP_ID = {"type": "string", "pattern": NCNAME}
_NONEMPTY = {"type": "string", "minLength": 1}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}


def _amount(unit: str, *, integer: bool = False) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "integer" if integer else "number", "exclusiveMinimum": 0}
    return {
        "type": "object",
        "required": [unit],
        "properties": {unit: number, "note": {"type": "string"}},
        "additionalProperties": False,
    }


_DURATION = {
    "description": "Một khoảng thời gian: ngày làm việc (được phép 0,5; 0,25…), giờ làm việc, giờ (hours: giờ đồng hồ, "
    "tính cả ngày lẫn đêm, như 'trong vòng 12 giờ'), hoặc ngày theo lịch.",
    "oneOf": [
        _amount("working_days"),
        _amount("working_hours"),
        _amount("hours"),
        _amount("calendar_days", integer=True),
    ],
}

_CHECKPOINT = {
    "oneOf": [
        _ID,
        {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": _ID,
                "label": {"type": "string"},
                "required": {"type": "boolean", "default": True},
            },
            "additionalProperties": False,
        },
    ]
}

_STEP = {
    "type": "object",
    "required": ["id", "role", "allowance"],
    "properties": {
        "id": _STEP_ID,
        "name": {"type": "string", "description": "Nội dung bước, như trong quy trình nội bộ."},
        "kind": {
            "enum": ["intake", "task", "return"],
            "default": "task",
            "description": "intake: tiếp nhận (quy tắc 15 giờ); return: trả kết quả.",
        },
        "role": {"enum": sorted(ROLES)},
        "agency": {**_SLUG, "description": "Cơ quan thực hiện bước (mặc định: cơ quan giải quyết)."},
        "unit": {"type": "string", "description": "Đơn vị/cá nhân chịu trách nhiệm, như trong quyết định."},
        "division": {
            **_SLUG,
            "description": "Phòng chuyên môn thực hiện bước: id trong 'divisions' của cơ quan thực hiện bước "
            "(workflows/agencies.yaml). Chỉ cán bộ của phòng đó (đúng vai trò) được nhận và xử lý bước.",
        },
        "allowance": {"oneOf": [_DURATION, {"const": "not_counted"}]},
        "forms": {"type": "array", "items": {"enum": sorted(FORMS)}, "uniqueItems": True},
        "checkpoints": {"type": "array", "items": _CHECKPOINT},
        "outcomes": {
            "description": "Kết quả của bước. Danh sách: mọi kết quả dẫn tới bước sau. "
            "Bảng: kết quả → id bước tiếp theo, hoặc 'end'. "
            "'request_supplement' yêu cầu bổ sung hồ sơ và giữ nguyên bước.",
            "oneOf": [
                {"type": "array", "items": _STEP_ID, "minItems": 1, "uniqueItems": True},
                {"type": "object", "minProperties": 1, "additionalProperties": _STEP_ID},
            ],
        },
        "next": {**_STEP_ID, "description": "Bước tiếp theo (mặc định: bước kế tiếp trong danh sách)."},
    },
    "additionalProperties": False,
}

PROCEDURE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://motcua.example/schema/procedure.schema.json",
    "title": "MotCua procedure definition (định nghĩa thủ tục hành chính)",
    "type": "object",
    # Either `deadline` + `route`, or `variants` (each with its own deadline and route): checked in validate.py.
    "required": ["code", "name", "field", "level", "agency"],
    "properties": {
        "code": {"type": "string", "pattern": r"^[0-9]\.[0-9]{6}$", "description": "Mã TTHC quốc gia."},
        "name": _NONEMPTY,
        "field": {**_SLUG, "description": "Lĩnh vực (slug), ví dụ bao-tro-xa-hoi."},
        "level": {"enum": ["central", "province", "district", "commune"]},
        "agency": {**_SLUG, "description": "Cơ quan có thẩm quyền, id trong workflows/agencies.yaml."},
        "channels": {
            "type": "array",
            "items": {"enum": ["direct", "postal", "online"]},
            "minItems": 1,
            "uniqueItems": True,
        },
        "online": {
            "type": "object",
            "properties": {
                "mode": {"enum": ["full", "partial", "none"], "description": "Toàn trình / một phần (NĐ 42/2022)."},
                "legacy_level": {"enum": [1, 2, 3, 4], "description": "Mức độ cũ (NĐ 43/2011)."},
            },
            "additionalProperties": False,
        },
        "documents": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": _ID,
                    "name": _NONEMPTY,
                    "originals": {"type": "integer", "minimum": 0},
                    "copies": {"type": "integer", "minimum": 0},
                    "required": {"type": "boolean", "default": True},
                    "show_only": {"type": "boolean", "default": False,
                                  "description": "Giấy tờ chỉ xuất trình để đối chiếu, không nộp."},
                    "note": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "document_notes": {
            "type": "array", "items": _NONEMPTY,
            "description": "Các lưu ý về thành phần hồ sơ, như nguồn ghi (không phải giấy tờ).",
        },
        "fees": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": _NONEMPTY,
                    "amount": {"type": ["number", "null"], "minimum": 0},
                    "currency": {"const": "VND"},
                    "channel": {"enum": ["direct", "postal", "online"]},
                    "note": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "legal_basis": {"type": "array", "items": _NONEMPTY},
        "results": {"type": "array", "items": _NONEMPTY},
        "deadline": _DURATION,
        "channel_times": {
            "type": "object",
            "description": "Thời hạn theo từng hình thức nộp, khi nguồn ghi riêng từng kênh (thời hạn chung: deadline).",
            "properties": {"direct": _DURATION, "postal": _DURATION, "online": _DURATION},
            "additionalProperties": False,
        },
        "deadlines": {
            "type": "array",
            "description": "Mọi thời hạn nguồn ghi (theo kênh, theo trường hợp), khi có nhiều hơn một: "
            "để đối chiếu; thời hạn áp dụng là deadline / channel_times / variants.",
            "items": {
                "type": "object",
                "required": ["deadline"],
                "properties": {
                    "deadline": _DURATION,
                    "channel": {"enum": ["direct", "postal", "online"]},
                    "case": {"type": "string"},
                    "note": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "counting": {"enum": ["working_hours", "civil_code"], "description": "Mặc định: cấu hình chung."},
        "on_supplement": {"enum": ["restart", "pause"], "default": "restart"},
        "supplement_wait": _DURATION | {
            "description": "Thời hạn người nộp phải bổ sung hồ sơ, tính từ khi thông báo; quá hạn thì hồ sơ bị đóng "
            "(đóng hồ sơ, không phải từ chối). Mặc định: 15 ngày làm việc.",
        },
        "published_by": {
            "type": "object",
            "required": ["decision"],
            "properties": {
                "decision": _NONEMPTY,
                "date": _DATE,
                "issuer": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "source": {
            "type": "object",
            "description": "Văn bản phê duyệt quy trình nội bộ.",
            "properties": {
                "document": _NONEMPTY,
                "date": _DATE,
                "note": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "unconfirmed": {
            "type": "array",
            "items": {"enum": UNCONFIRMABLE},
            "uniqueItems": True,
            "description": "Những thông tin chưa xác nhận được từ nguồn (hiển thị 'đang cập nhật').",
        },
        "notes": {"type": "string"},
        "variants": {
            "description": "Các trường hợp của thủ tục, mỗi trường hợp có thời hạn và quy trình riêng "
            "(ví dụ: a) cấp mới; b) giải thể). Hồ sơ chọn một trường hợp khi tiếp nhận. Id bước không được trùng giữa các trường hợp.",
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "required": ["id", "name", "deadline", "route"],
                "properties": {
                    "id": _ID,
                    "name": _NONEMPTY,
                    "deadline": _DURATION,
                    "route": {"type": "array", "items": _STEP, "minItems": 1},
                    "notes": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "route": {
            "oneOf": [
                {"type": "array", "items": _STEP, "minItems": 1},
                {
                    "type": "object",
                    "required": ["bpmn", "steps"],
                    "properties": {
                        "bpmn": {"type": "string", "pattern": r"^[^/\\]+\.bpmn$"},
                        "process": _NONEMPTY,
                        "steps": {"type": "array", "items": _STEP, "minItems": 1},
                    },
                    "additionalProperties": False,
                },
            ]
        },
    },
    "additionalProperties": False,
}


def schema_json() -> str:
    """The schema as the text of workflows/schema/procedure.schema.json."""
    return json.dumps(PROCEDURE_SCHEMA, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
