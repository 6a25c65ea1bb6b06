"""JSON Schemas (draft 2020-12) of the REST API: request bodies, responses, query parameters.

These dicts are the single source. ``api/rest/openapi.operation`` validates every
request body against ``REQUESTS[name]`` with ``jsonschema``, the view builds its
command from that body (``Command.from_body``: the body's keys are the command's
fields, and a default such as the channel's is the command's own, read here from
the dataclass), and ``api/rest/openapi.document``
puts the very same dicts into ``/api/v1/openapi.json`` (OpenAPI 3.1 uses
JSON Schema 2020-12 as it is), so the document cannot drift from what the
server accepts. Sub-schemas are inlined (no ``$ref``) so each request schema
validates on its own.
"""

from __future__ import annotations

from typing import Any

from engine.commands import Receive
from engine.definitions import ROLES
from engine.lifecycle import STATUSES
from engine.queries import MAX_ID
from engine.queries.paging import SEARCH_TOTAL_CAP, TOTAL_CAP
from engine.textcheck import FREE_TEXT
from engine.vocabulary import Channel, TaskState

from ..context import default

# Text the database keeps (engine/textcheck.py): one line, or free text (FREE_TEXT fields) with tab and line breaks.
# Added to every plain string of the request schemas by text_rules, so the document says what the API takes.
SINGLE_LINE = r"^[^\u0000-\u001f\u007f]*$"
FREE_TEXT_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def text_rules(node: Any, name: str = "") -> Any:
    """Give every string schema under ``node`` without a pattern, enum or format the pattern of its kind of text
    (``FREE_TEXT`` fields by name: free text; else one line). In place; returns ``node``."""
    if isinstance(node, list):
        for item in node:
            text_rules(item, name)
        return node
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if (kind == "string" or (isinstance(kind, list) and "string" in kind)) and not (
            {"pattern", "enum", "const", "format"} & set(node)):
        node["pattern"] = FREE_TEXT_PATTERN if name in FREE_TEXT else SINGLE_LINE
    for key, value in list(node.items()):  # shared sub-schemas (_SHORT for a note and a name) are copied first
        if key == "properties" and isinstance(value, dict):
            node[key] = {prop: text_rules(_own(sub), prop) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            node[key] = text_rules(_own(value), name)
        elif key in ("oneOf", "anyOf", "allOf", "prefixItems") and isinstance(value, list):
            node[key] = [text_rules(_own(sub), name) for sub in value]
    return node


def _own(schema: Any) -> Any:
    return dict(schema) if isinstance(schema, dict) else schema


_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
_SHORT = {"type": "string", "maxLength": 500}
_LINES = {"type": "array", "items": _TEXT, "minItems": 1, "maxItems": 100}
_PROCEDURE_CODE = {"type": "string", "pattern": r"^[0-9]\.[0-9]{6}$", "examples": ["1.001806"],
                   "description": "Mã TTHC quốc gia, ví dụ 1.001806."}
_CHANNEL = {"enum": list(Channel), "default": default(Receive, "channel"),
            "description": "Hình thức nộp: direct (trực tiếp), postal (bưu chính), online (trực tuyến)."}
_DATETIME = {"type": "string", "format": "date-time"}
_VARIANT = {"type": "string", "minLength": 1, "maxLength": 60,
            "description": "Trường hợp của thủ tục (khi thủ tục có nhiều trường hợp, xem GET /procedures/{code})."}
_NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
_COMPETENT = {"type": "string", "minLength": 1, "maxLength": 80,
              "description": "Thủ tục cấp xã (cấp huyện trước 01/7/2025): mã cơ quan của xã, phường có thẩm quyền; "
                             "thủ tục liên thông có bước của cấp xã (ví dụ 2.000286): xã, phường thực hiện các bước đó "
                             "(workflows/units.yaml); mặc định: đơn vị của cán bộ tiếp nhận."}

APPLICANT: dict[str, Any] = {
    "type": "object",
    "description": "Người nộp hồ sơ (tổ chức, cá nhân).",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200,
                 "pattern": r"^[^\u0000-\u001f\u007f]*[^\s\u0000-\u001f\u007f][^\u0000-\u001f\u007f]*$"},
        "id_number": {"type": "string", "maxLength": 40, "description": "Số định danh cá nhân / CCCD."},
        "phone": {"type": "string", "maxLength": 40},
        "email": {"type": "string", "maxLength": 200},
        "zalo": {"type": "string", "maxLength": 40, "description": "Số Zalo nhận thông báo."},
        "address": {"type": "string", "maxLength": 500},
        "organisation": {"type": "string", "maxLength": 300},
    },
    "additionalProperties": False,
}

DOCUMENT: dict[str, Any] = {
    "description": "Một thành phần hồ sơ: id trong danh mục của thủ tục, hoặc giấy tờ khác có tên.",
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 60},
        {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "minLength": 1, "maxLength": 60},
                "name": {"type": "string", "maxLength": 500},
                "originals": {"type": "integer", "minimum": 0, "maximum": 99},
                "copies": {"type": "integer", "minimum": 0, "maximum": 99},
                "note": _SHORT,
            },
            "additionalProperties": False,
        },
    ],
}
_DOCUMENTS = {"type": "array", "items": DOCUMENT, "maxItems": 100}

REQUESTS: dict[str, dict[str, Any]] = {
    "TokenRequest": {
        "type": "object",
        "required": ["username", "password"],
        "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 80},
                       "password": {"type": "string", "minLength": 1, "maxLength": 200}},
        "additionalProperties": False,
    },
    "ReceiveDossier": {
        "type": "object",
        "description": "Tiếp nhận hồ sơ đầy đủ (Mẫu 01: giấy tiếp nhận và hẹn trả kết quả).",
        "required": ["procedure_code", "applicant"],
        "properties": {"procedure_code": _PROCEDURE_CODE, "variant": _VARIANT, "applicant": APPLICANT,
                       "competent_agency": _COMPETENT,
                       "channel": _CHANNEL, "documents": _DOCUMENTS, "note": _SHORT},
        "additionalProperties": False,
    },
    "RefuseIntake": {
        "type": "object",
        "description": "Từ chối tiếp nhận (Mẫu 03), kèm lý do.",
        "required": ["procedure_code", "applicant", "reasons"],
        "properties": {"procedure_code": _PROCEDURE_CODE, "variant": _VARIANT, "applicant": APPLICANT,
                       "competent_agency": _COMPETENT,
                       "channel": _CHANNEL, "documents": _DOCUMENTS, "reasons": _LINES},
        "additionalProperties": False,
    },
    "IntakeSupplement": {
        "type": "object",
        "description": "Hồ sơ chưa đầy đủ khi tiếp nhận: yêu cầu bổ sung (Mẫu 02), liệt kê mọi thành phần còn thiếu.",
        "required": ["procedure_code", "applicant", "items"],
        "properties": {"procedure_code": _PROCEDURE_CODE, "variant": _VARIANT, "applicant": APPLICANT,
                       "competent_agency": _COMPETENT,
                       "channel": _CHANNEL, "documents": _DOCUMENTS, "items": _LINES, "reason": _SHORT},
        "additionalProperties": False,
    },
    "CompleteTask": {
        "type": "object",
        "description": "Hoàn thành một bước với kết quả và các nội dung kiểm tra đã xác nhận.",
        "properties": {
            "outcome": {"type": "string", "minLength": 1, "maxLength": 60,
                        "description": "Kết quả của bước (mặc định: kết quả đầu tiên)."},
            "checkpoints": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 60},
                            "uniqueItems": True, "maxItems": 50},
            "note": _SHORT,
            "supplement_items": {"type": "array", "items": _TEXT, "maxItems": 100,
                                 "description": "Khi outcome là request_supplement: các thành phần cần bổ sung."},
            "assignee": {"type": "string", "minLength": 1, "maxLength": 80,
                         "description": "Ở bước phân công: tên đăng nhập của cán bộ nhận các bước tiếp theo."},
            "expected_version": {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                                 "description": "Phiên bản hồ sơ mà người dùng đang xem; khác thì trả 409."},
            "supplement_exception": {**_SHORT, "description": "Yêu cầu bổ sung lần thứ hai trở lên: lý do ngoại lệ "
                                     "(bắt buộc; ghi nhận là điểm không phù hợp)."},
        },
        "additionalProperties": False,
    },
    "SupplementRequest": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": _LINES, "reason": _SHORT,
                       "exception_reason": {**_SHORT, "description": "Yêu cầu bổ sung lần thứ hai trở lên: lý do ngoại lệ "
                                            "(bắt buộc; ghi nhận là điểm không phù hợp)."}},
        "additionalProperties": False,
    },
    "SupplementReceipt": {
        "type": "object",
        "properties": {"documents": _DOCUMENTS, "note": _SHORT},
        "additionalProperties": False,
    },
    "Refusal": {
        "type": "object",
        "required": ["reasons"],
        "properties": {"reasons": _LINES},
        "additionalProperties": False,
    },
    "Withdrawal": {
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": _TEXT},
        "additionalProperties": False,
    },
    "Extension": {
        "type": "object",
        "description": "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04): chỉ một lần, chậm nhất 01 ngày làm việc trước hạn.",
        "required": ["new_due_at", "reason"],
        "properties": {"new_due_at": {**_DATETIME, "description": "ISO 8601 có múi giờ, ví dụ 2026-03-20T16:00:00+07:00."},
                       "reason": _TEXT},
        "additionalProperties": False,
    },
    "ReturnResult": {
        "type": "object",
        "properties": {"note": _SHORT},
        "additionalProperties": False,
    },
}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "message_en"],
            "properties": {
                "code": {"type": "string", "description": "Mã lỗi ổn định (stable code)."},
                "message": {"type": "string", "description": "Thông báo tiếng Việt."},
                "message_en": {"type": "string", "description": "English message."},
                "details": {"type": "object"},
            },
        }
    },
}


def _page(item: dict[str, Any], keyset: bool = False) -> dict[str, Any]:
    page: dict[str, Any] = {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {"items": {"type": "array", "items": item}, "page": {"type": "integer"},
                       "per_page": {"type": "integer"}, "total": {"type": "integer"}, "pages": {"type": "integer"},
                       "total_exact": {"type": "boolean", "description": "false: có nhiều hơn 'total' mục (đếm dừng ở 'total')."}},
    }
    if keyset:
        page["description"] = (
            "Trang theo con trỏ (keyset): trang sau là `after=<next>`, trang trước là `before=<prev>` (null: không còn). "
            f"Số trang (`page`) chỉ dùng được cho {TOTAL_CAP} mục đầu; tổng (`total`) đếm đến {TOTAL_CAP} "
            f"(khi tìm kiếm `q`: đến {SEARCH_TOTAL_CAP}), quá đó thì `total_exact` là false. / Keyset pages: follow `next` "
            f"with `after`, `prev` with `before`; `page` reaches the first {TOTAL_CAP} rows only; `total` is counted up to "
            f"{TOTAL_CAP} (a search `q`: {SEARCH_TOTAL_CAP}; `total_exact` false beyond)."
        )
        page["required"] = [*page["required"], "total_exact", "next", "prev"]
        cursor = {"type": ["string", "null"], "description": "Con trỏ trang (opaque cursor)."}
        page["properties"] |= {"next": cursor, "prev": cursor}
    return page


_USER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "role": {"enum": sorted(ROLES)},
                   "role_label": {"type": "string"}, "agency_id": {"type": ["string", "null"]},
                   "division": {"type": ["string", "null"], "description": "Phòng (id trong workflows/agencies.yaml)."},
                   "division_name": {"type": ["string", "null"]},
                   "email": {"type": ["string", "null"], "description": "Thư điện tử nhận cảnh báo hạn xử lý (không bắt buộc)."}},
}
_STATUS = {"enum": list(STATUSES)}
_TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "step_id": {"type": "string"}, "name": {"type": "string"},
        "kind": {"type": "string"}, "role": {"type": "string"}, "agency_id": {"type": "string"},
        "division": {"type": ["string", "null"],
                     "description": "Phòng của cơ quan thực hiện bước: chỉ cán bộ của phòng này nhận và xử lý."},
        "division_name": {"type": ["string", "null"]},
        "state": {"enum": list(TaskState)}, "due_at": _NULLABLE_DATETIME,
        "claimed_by": {"type": ["string", "null"]}, "outcome": {"type": ["string", "null"]},
        "checkpoints": {"type": "array", "items": {"type": "string"}},
    },
}
_INBOX_ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "step_id": {"type": "string"}, "name": {"type": "string"},
        "division": {"type": ["string", "null"]}, "division_name": {"type": ["string", "null"]},
        "state": {"type": "string"}, "due_at": _NULLABLE_DATETIME, "claimed_by": {"type": ["string", "null"]},
        "dossier_id": {"type": "integer"}, "code": {"type": "string"}, "status": _STATUS,
        "status_label": {"type": "string"}, "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
        "applicant_name": {"type": "string"}, "dossier_version": {"type": "integer"},
        "time_left": {"type": "object", "properties": {"text": {"type": "string"}, "css": {"type": "string"}}},
    },
}
_DOSSIER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "code": {"type": "string"}, "status": _STATUS, "status_label": {"type": "string"},
        "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
        "agency_id": {"type": "string"}, "receiving_agency_id": {"type": "string"}, "channel": {"type": "string"},
        "applicant": APPLICANT, "received_at": _NULLABLE_DATETIME, "due_at": _NULLABLE_DATETIME,
        "statutory_due_at": _NULLABLE_DATETIME, "returned_at": _NULLABLE_DATETIME,
        "result": {"type": ["string", "null"]}, "timeliness": {"type": ["string", "null"]},
        "supplement_count": {"type": "integer"}, "extended_at": _NULLABLE_DATETIME,
        "supplement_wait_until": {**_NULLABLE_DATETIME,
                                  "description": "Khi chờ bổ sung: hết thời hạn bổ sung thì hồ sơ bị đóng."},
        "late_incurred": {"type": ["integer", "null"],
                          "description": "Số giây làm việc đã quá hạn khi yêu cầu bổ sung: hồ sơ vẫn tính là trễ hạn."},
        "closed_at": {**_NULLABLE_DATETIME, "description": "Thời điểm đóng hồ sơ do không bổ sung trong thời hạn."},
        "version": {"type": "integer", "description": "Bộ đếm phiên bản (khóa lạc quan)."},
        "tasks": {"type": "array", "items": _TASK},
        "forms": {"type": "array", "items": {"type": "object"}},
        "events": {"type": "array", "items": {"type": "object"}},
    },
}
_PROCEDURE = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "field": {"type": "string"},
        "agency_id": {"type": "string"}, "agency_name": {"type": "string"}, "deadline": {"type": "object"},
        "channels": {"type": "array", "items": {"type": "string"}}, "documents": {"type": "array"},
        "fees": {"type": "array"}, "unconfirmed": {"type": "array", "items": {"type": "string"}},
        "steps": {"type": "array"},
    },
}

RESPONSES: dict[str, dict[str, Any]] = {
    "Error": _ERROR,
    "Token": {
        "type": "object",
        "required": ["access_token", "token_type", "expires_at"],
        "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
                       "expires_at": _DATETIME, "user": _USER},
    },
    "User": _USER,
    "CredentialList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {
            "type": "object",
            "required": ["kind", "id", "created_at", "expires_at", "current"],
            "properties": {
                "kind": {"enum": ["session", "token"], "description": "session: phiên web; token: mã truy cập API."},
                "id": {"type": "integer"}, "created_at": _DATETIME, "expires_at": _DATETIME,
                "last_seen_at": _NULLABLE_DATETIME, "client": {"type": ["string", "null"]},
                "address": {"type": ["string", "null"]}, "current": {"type": "boolean"},
            },
        }}},
    },
    "Revoked": {
        "type": "object",
        "required": ["sessions", "tokens"],
        "properties": {"sessions": {"type": "integer"}, "tokens": {"type": "integer"}},
    },
    "Procedure": _PROCEDURE,
    "ProcedurePage": _page(_PROCEDURE),
    "Dossier": _DOSSIER,
    "DossierPage": _page(_DOSSIER, keyset=True),
    "Task": _TASK,
    "InboxPage": _page(_INBOX_ITEM),
    "EventPage": _page({"type": "object"}),
    "PublicStatus": {
        "type": "object",
        "properties": {
            "code": {"type": "string"}, "status": _STATUS, "status_label": {"type": "string"},
            "procedure_name": {"type": "string"}, "agency_name": {"type": "string"},
            "applicant_name": {"type": "string", "description": "Đã che (masked)."},
            "received_at": _NULLABLE_DATETIME, "due_at": _NULLABLE_DATETIME, "returned_at": _NULLABLE_DATETIME,
        },
    },
}

KEYSET = [
    {"name": "after", "in": "query", "schema": {"type": "string"},
     "description": "Con trỏ: trang ngay sau trang có `next` này (cursor: the page after)."},
    {"name": "before", "in": "query", "schema": {"type": "string"},
     "description": "Con trỏ: trang ngay trước trang có `prev` này (cursor: the page before)."},
]
PAGINATION = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "default": 1},
     "description": "Trang (từ 1)."},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
     "description": "Số mục mỗi trang (tối đa 100)."},
]

for _schema in REQUESTS.values():
    text_rules(_schema)  # (quality's request schemas get theirs where they are declared: api/rest/quality.py)
